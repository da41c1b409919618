"""EXPECTED_DIFFERENCES: what real Ironic 39 and baremetal-notifier still
answer differently in tests/e2e/test_ironic_differential.py, each with why.

Every entry is deliberate: what this service does not serve (chassis,
ports, volume, versions above its maximum) and the few requests where
Ironic answers 500 and this service a 4xx. Anything else the test finds is
a failure; entries that no longer occur are listed in the test's
"expected-but-gone" detail, to be pruned. Keyed (request name, aspect,
detail) exactly as the test reports a difference; a 'keys' detail is a
KeyDiff(only in Ironic's body, only in ours).
"""

from tests.fixtures.ironic_diff import KeyDiff

# Why.
VER = 'deliberate: versions above our maximum 1.42'
NOSERVE = 'deliberate: chassis, ports and volume are not served'
I500 = 'deliberate: Ironic answers 500 here; ours a 4xx (hostile-input rule)'
ROOTLINKS = ('deliberate: the /v1 document links only what is served here '
             '(no chassis, ports, portgroups, volume, lookup, heartbeat; '
             'nothing above 1.42)')

# Ironic answers these from a controller (a versioned fault body); this
# service has no route for them (a routing error: Ironic's framework body
# and no version headers, as Ironic gives for its own unrouted paths).
ROUTED_BY_IRONIC_ONLY = (
    'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None',
    'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None',
    'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None')
FAULT = frozenset(['error_message.debuginfo', 'error_message.faultcode',
                   'error_message.faultstring'])
FRAMEWORK_FAULT = frozenset(['error_message.code',
                             'error_message.description',
                             'error_message.title'])
OUR_404 = frozenset(['error_message']) | FRAMEWORK_FAULT
V1_LINKS_1_1 = frozenset(['chassis', 'ports'])
V1_LINKS_1_42 = V1_LINKS_1_1 | {'heartbeat', 'lookup', 'portgroups',
                                'volume'}
V1_LINKS_LATEST = V1_LINKS_1_42 | {
    'allocations', 'conductors', 'continue_inspection', 'deploy_templates',
    'events', 'inspection_rules', 'runbooks', 'shards'}
# Served by Ironic, not here: request name -> the key paths of its body.
NOT_SERVED = {
    'chassis': frozenset(['chassis']),
    'ports': frozenset(['ports']),
    'node ports': frozenset(['ports']),
    'node volume': frozenset([
        'connectors', 'connectors[].href', 'connectors[].rel', 'links',
        'links[].href', 'links[].rel', 'targets', 'targets[].href',
        'targets[].rel']),
}


def _links(names):
    """Key paths of the /v1 document's links to ``names``."""
    return frozenset(path for name in names
                     for path in (name, name + '[].href', name + '[].rel'))


EXPECTED_DIFFERENCES = {
    ('v1 no version', 'keys',
     KeyDiff(_links(V1_LINKS_1_1), frozenset())): ROOTLINKS,
    ('v1 at 1.42', 'keys',
     KeyDiff(_links(V1_LINKS_1_42), frozenset())): ROOTLINKS,
    ('v1 latest', 'keys',
     KeyDiff(_links(V1_LINKS_LATEST), frozenset())): ROOTLINKS,
    ('v1 latest', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.115, ours 1.42'): VER,
    ('nodes at 1.43', 'status', 'ironic 200, ours 406'): VER,
    ('nodes at 1.43', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.43, ours None'): VER,
    ('nodes at 1.43', 'keys',
     KeyDiff(frozenset(['nodes']), OUR_404)): VER,
    ('create bad JSON', 'status', 'ironic 500, ours 400'): I500,
    # GET of .../states/power: Ironic's controller fails (500); here the
    # path serves PUT only (405).
    ('power GET', 'status', 'ironic 500, ours 405'): I500,
    ('power GET', 'keys', KeyDiff(FAULT, FRAMEWORK_FAULT)): I500,
}
EXPECTED_DIFFERENCES.update(
    {('power GET', 'version headers', detail): I500
     for detail in ROUTED_BY_IRONIC_ONLY})
for _name, _keys in NOT_SERVED.items():
    EXPECTED_DIFFERENCES[(_name, 'status', 'ironic 200, ours 404')] = NOSERVE
    EXPECTED_DIFFERENCES[(_name, 'keys', KeyDiff(_keys, OUR_404))] = NOSERVE
    EXPECTED_DIFFERENCES.update(
        {(_name, 'version headers', detail): NOSERVE
         for detail in ROUTED_BY_IRONIC_ONLY})
