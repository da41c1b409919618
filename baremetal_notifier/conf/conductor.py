import re
import socket

from oslo_config import cfg

from powerbridge import config

conductor_group = cfg.OptGroup('conductor', title='Conductor options')

host_opt = cfg.StrOpt('host', default=socket.gethostname(),
                      sample_default='<current_hostname>',
                      help='Name of this conductor: the value written to a '
                           "node's reservation while it holds the lock.")

hash_ring_opts = [
    # Ironic's option, name and default.
    cfg.IntOpt('hash_partition_exponent', default=5, min=1, max=16,
               help='Exponent of the number of hash ring partitions per '
                    'conductor (2^N). Larger values spread the nodes more '
                    'evenly over the conductors (with the default, one of '
                    'three conductors may own 25-42 % of the nodes) at '
                    'the cost of a larger ring in memory.'),
]

conductor_opts = [
    cfg.IntOpt('sync_power_state_interval', default=10, min=0,
               mutable=True,
               help='Seconds between power state syncs of every node. '
                    '0 disables the sync. A hardware change reaches the '
                    'Compute API within about this long. 10 s, not '
                    "Ironic's 60 s, from measurement (benchmarks/"
                    'sync_cadence.py, 1,000 BMCs on 2 shared cores): a '
                    'cycle reads warm sessions and costs about 0.1-0.6 s '
                    'of work, and at 1 s the whole process used 21 % of '
                    'one core with a flip reaching the Compute API in '
                    '0.86 s (p50) / 1.66 s (p99); at 10 s that is about '
                    '2 % of a core and a lag under 11 s, while each BMC '
                    "is asked half as often as Ironic's default [ipmi] "
                    'min_command_interval (5 s) allows. Keep it above '
                    'min_command_interval.'),
    cfg.IntOpt('sync_power_state_workers', default=8, min=1,
               help='Worker threads that push recorded states onto '
                    'hardware in force mode; BMC reads are batched by the '
                    'driver.'),
    cfg.BoolOpt('force_power_state_during_sync', default=False,
                mutable=True,
                help='True: push the recorded power state onto hardware '
                     'that disagrees. False: record the hardware state '
                     '(and tell the Compute API). False makes the hardware '
                     'the source of truth, which is what power-update '
                     "events are for. Ironic's default is True."),
    cfg.IntOpt('power_state_sync_max_retries', default=3, min=0,
               help='Consecutive failed syncs of a node before it goes '
                    "into maintenance with fault 'power failure'."),
    cfg.IntOpt('power_failure_recovery_interval', default=300, min=0,
               help="Seconds between retries of nodes in 'power failure'; "
                    'a node whose BMC answers again leaves maintenance. '
                    '0 disables recovery.'),
    cfg.IntOpt('power_state_change_timeout', default=60, min=2,
               mutable=True,
               help='Seconds to wait for a node to reach the target power '
                    'state after a power action.'),
    cfg.IntOpt('heartbeat_interval', default=10, min=1,
               help='Seconds between conductor heartbeats.'),
    cfg.IntOpt('heartbeat_timeout', default=60, min=1,
               help='Maximum time (in seconds) since the last check-in of '
                    'a conductor. A conductor that has not checked in for '
                    'this long is taken as gone: it leaves the hash ring, '
                    'the other conductors of its group take its nodes on '
                    'their next cycle and release the locks it held. GET '
                    '/v1/drivers lists the conductors seen since. Keep it '
                    'several times heartbeat_interval.'),
    cfg.StrOpt('conductor_group', default='',
               help='Name of the conductor group to join. Can be up to '
                    '255 characters and is case insensitive. This '
                    'conductor will only manage nodes with a matching '
                    '"conductor_group" field set on the node.'),
    cfg.IntOpt('workers_pool_size', default=300, min=1,
               help='Size of the pool of worker threads that run the '
                    'power and provision actions requested through the '
                    'API. When every worker is busy, accepted actions wait '
                    'in the action queue (the node stays reserved, other '
                    'requests for it get 409) until a worker is free. '
                    'Threads are started as needed. '
                    "Ironic's name and default; unlike Ironic's pool, the "
                    "power sync's workers (sync_power_state_workers) and "
                    'the periodic tasks have threads of their own and are '
                    'not counted here.'),
    cfg.FloatOpt('action_poll_interval', default=0.5, min=0.05,
                 help='Seconds between two looks of a conductor at the '
                      'action queue (the node_actions table) for power and '
                      'provision actions accepted by API processes other '
                      'than its own, or left by a conductor that stopped. '
                      'An action accepted by the API of the same process '
                      '(baremetal-notifier) starts at once. Each look is '
                      'one indexed query.'),
]


# Ironic's validate_conductor_group, and its column's size (VARCHAR 255,
# the length its [conductor] conductor_group option documents). The API's
# conductor_group field (1.46) follows the same rule.
GROUP_NAME = re.compile(r'^[a-zA-Z0-9_\-\.]*$')
GROUP_LENGTH = 255


def is_valid_conductor_group(value):
    """Letters, digits, ``_-.``, at most 255 characters ('' is the
    default group)."""
    return (isinstance(value, str) and len(value) <= GROUP_LENGTH
            and bool(GROUP_NAME.match(value)))


def validate_conductor_group(value):
    """The group name stored and compared: lowercase, as Ironic stores it.

    :raises ValueError: with Ironic's InvalidConductorGroup message.
    """
    if not is_valid_conductor_group(value):
        raise ValueError('Expected a conductor group but received %s.'
                         % (value,))
    return value.lower()


def conductor_group_of(conf):
    """``[conductor] conductor_group`` validated and lowercased."""
    return validate_conductor_group(conf.conductor.conductor_group)


def register_opts(conf):
    group = config.register_group(conf, conductor_group)
    conf.register_cli_opt(host_opt)
    conf.register_opts(hash_ring_opts)
    conf.register_opts(conductor_opts, group=group)


def list_opts():
    return {'DEFAULT': [host_opt] + hash_ring_opts,
            conductor_group: conductor_opts}
