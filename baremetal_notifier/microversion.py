"""Bare Metal API versions: what each one changes for the nodes served.

The maximum is 1.42, the first version that shows ``fault``: every node
field a client can ask for up to there is one this service models. Later
Ironic versions add fields it does not model (conductor_group, owner,
lessee, ...), so advertising them would be a promise it cannot keep.
"""

from powerbridge import microversion

SERVICE_TYPE = 'baremetal'
HEADER = 'X-OpenStack-Ironic-API-Version'
MIN_HEADER = 'X-OpenStack-Ironic-API-Minimum-Version'
MAX_HEADER = 'X-OpenStack-Ironic-API-Maximum-Version'
ENVIRON_KEY = 'baremetal.microversion'

VERSIONS = [
    '1.1',   # the base API: nodes, states, power, maintenance
    '1.2',   # provision_state 'available' shows as such (was null)
    '1.3',   # driver_internal_info (not served)
    '1.4',   # 'manageable' state (no provisioning verbs here)
    '1.5',   # logical node names: the name field and lookup by name
    '1.6',   # inspection states (not served)
    '1.7',   # clean_step (not served)
    '1.8',   # ?fields= on node list and show
    '1.9',   # ?provision_state= filter on node list
    '1.10',  # names may use every RFC 3986 unreserved character
    '1.11',  # Ironic enrolls new nodes; here they still start 'available'
    '1.12',  # RAID (not served)
    '1.13',  # 'abort' verb (not served)
    '1.14',  # node body: 'states' link
    '1.15',  # manual cleaning (not served)
    '1.16',  # ?driver= filter on node list
    '1.17',  # 'adopt' verb (not served)
    '1.18',  # port internal_info (not served)
    '1.19',  # port network fields (not served)
    '1.20',  # network_interface (not served)
    '1.21',  # resource_class (not served)
    '1.22',  # ramdisk lookup and heartbeat (not served)
    '1.23',  # portgroups (not served)
    '1.24',  # portgroup subresources (not served)
    '1.25',  # unsetting chassis_uuid (not served)
    '1.26',  # portgroup mode (not served)
    '1.27',  # power: 'soft power off', 'soft rebooting' and timeout
    '1.28',  # VIFs (not served)
    '1.29',  # inject NMI (not served)
    '1.30',  # dynamic drivers API (not served)
    '1.31',  # *_interface fields (not served)
    '1.32',  # volume API (not served)
    '1.33',  # storage_interface (not served)
    '1.34',  # port physical_network (not served)
    '1.35',  # configdrive on rebuild (not served)
    '1.36',  # agent version in heartbeat (not served)
    '1.37',  # traits (not served)
    '1.38',  # rescue (not served)
    '1.39',  # 'inspect wait' state (not served)
    '1.40',  # BIOS (not served)
    '1.41',  # inspection abort (not served)
    '1.42',  # node body: 'fault'; ?fault= filter on node list
]

# Features by the version that introduced them, named for the handlers.
NAMES = (1, 5)
AVAILABLE_STATE = (1, 2)
FIELDS = (1, 8)
PROVISION_STATE_FILTER = (1, 9)
UNRESTRICTED_NAMES = (1, 10)
STATES_LINK = (1, 14)
DRIVER_FILTER = (1, 16)
SOFT_POWER = (1, 27)
FAULT = (1, 42)


class _IronicVersions(microversion.Microversions):
    """Ironic's words for a refused version."""

    def _range(self):
        return '[%s, %s]' % (self.versions[0], self.versions[-1])

    def invalid_format(self, requested):
        return 'Invalid value for %s header' % HEADER

    def not_supported(self, requested):
        if requested.split('.', 1)[0] != str(self.max_version.major):
            return ('Mutually exclusive versions requested. Version %s '
                    'requested but not supported by this service. The '
                    'supported version range is: %s.'
                    % (requested, self._range()))
        return ('Version %s was requested but the minor version is not '
                'supported by this service. The supported version range '
                'is: %s.' % (requested, self._range()))


# Both Ironic's own header and ``OpenStack-API-Version: baremetal X`` are
# read, as Ironic does; a missing header means 1.1.
API = _IronicVersions(VERSIONS, SERVICE_TYPE, HEADER, ENVIRON_KEY,
                      range_headers=(MIN_HEADER, MAX_HEADER))
MIN_VERSION = API.min_version
MAX_VERSION = API.max_version
VersionError = microversion.VersionError
parse = API.parse
headers = API.headers
want = API.want


def allows(req, feature):
    """True when the request's version has ``feature`` (a (1, N) tuple)."""
    return tuple(want(req)) >= feature
