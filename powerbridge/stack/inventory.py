"""The stack's nodes and instances, made as an operator would: nodes
enrolled through the Bare Metal API, managed and adopted, their first
power sync awaited, then one instance per node imported."""

import concurrent.futures

from powerbridge.stack.process import StackError
from powerbridge.stack.process import wait_for

# Placement: one `server import` run per PLACEMENT_SHARE nodes, at most
# PLACEMENT_WORKERS of them (in parallel), each over a share of the nodes.
PLACEMENT_SHARE = 25
PLACEMENT_WORKERS = 4


def enroll(baremetal, nodes, settings, password):
    """POST /v1/nodes for every BMC."""
    for node in nodes:
        created = baremetal.create_node({
            'name': node.name, 'driver': 'ipmi',
            'driver_info': {'ipmi_address': '127.0.0.1',
                            'ipmi_port': node.bmc_port,
                            'ipmi_username': settings.bmc_username,
                            'ipmi_password': password}})
        node.uuid = created['uuid']


def manage_and_adopt(baremetal, nodes, notifier, timeout):
    """The operator's lifecycle: ``manage`` (the conductor checks the
    credentials by reading each BMC), then ``adopt``: the machines
    already run their workloads, so they become 'active' without a
    deploy, as in Ironic's adoption."""
    for node in nodes:
        baremetal.set_provision(node.uuid, 'manage')

    def managed():
        notifier.check_alive()
        listed = baremetal.nodes(
            fields=('uuid', 'provision_state', 'last_error'))
        failed = [n for n in listed if n['provision_state'] == 'enroll'
                  and n['last_error']]
        if failed:
            raise StackError('node %s failed verification: %s'
                             % (failed[0]['uuid'], failed[0]['last_error']))
        return all(n['provision_state'] == 'manageable' for n in listed)
    wait_for(managed, timeout, 0.2, 'every node manageable')
    for node in nodes:
        baremetal.set_provision(node.uuid, 'adopt')


def wait_synced(baremetal, notifier, timeout):
    """Until the conductor has recorded every node's power state."""
    def synced():
        notifier.check_alive()
        listed = baremetal.nodes(fields=('uuid', 'power_state'))
        return all(n['power_state'] for n in listed) and len(listed)
    wait_for(synced, timeout, 0.2, 'first power sync of every node')


def place_instances(baremetal, nodes, import_share):
    """One instance per node, through ``import_share(nodes)`` (a run of
    `compute-ext-manage server import`).

    The nodes are split in a few shares, each imported by one run of
    the command (in parallel), so 1000 nodes do not cost 1000
    interpreter starts.
    """
    for node in nodes:
        node.instance_name = 'server-%04d' % node.index
    helpers = min(PLACEMENT_WORKERS, -(-len(nodes) // PLACEMENT_SHARE))
    shares = [nodes[i::helpers] for i in range(helpers)]
    with concurrent.futures.ThreadPoolExecutor(helpers) as pool:
        for future in [pool.submit(import_share, s) for s in shares]:
            future.result()
    by_node = {n['uuid']: n['instance_uuid'] for n in
               baremetal.nodes(fields=('uuid', 'instance_uuid'))}
    for node in nodes:
        node.instance_uuid = by_node[node.uuid]
        if not node.instance_uuid:
            raise StackError('node %s has no instance after server '
                             'import' % node.uuid)
