"""Bare Metal API versions: what each one changes for the nodes served.

The maximum is 1.42, the first version that shows ``fault``: every node
field up to there is served, with the value Ironic shows for a node that
never used the feature when this service has nothing behind it (see
handlers/node_fields.py). Later Ironic versions add fields it does not
model (conductor_group, owner, lessee, ...), so advertising them would be
a promise it cannot keep.
"""

import microversion_parse

from powerbridge import microversion

SERVICE_TYPE = 'baremetal'
HEADER = 'X-OpenStack-Ironic-API-Version'
MIN_HEADER = 'X-OpenStack-Ironic-API-Minimum-Version'
MAX_HEADER = 'X-OpenStack-Ironic-API-Maximum-Version'
ENVIRON_KEY = 'baremetal.microversion'

VERSIONS = [
    '1.1',   # the base API: nodes, states, power, maintenance
    '1.2',   # provision_state 'available' shows as such (was null)
    '1.3',   # node body: driver_internal_info
    '1.4',   # 'manageable' state; 'manage' and 'provide' verbs
    '1.5',   # logical node names: the name field and lookup by name
    '1.6',   # inspection states and fields; 'inspect' verb
    '1.7',   # node body: clean_step
    '1.8',   # ?fields= on node list and show
    '1.9',   # ?provision_state= filter on node list
    '1.10',  # names may use every RFC 3986 unreserved character
    '1.11',  # new nodes start in 'enroll' (before: 'available')
    '1.12',  # node body and states: raid_config, target_raid_config
    '1.13',  # 'abort' verb
    '1.14',  # node body: 'states' link
    '1.15',  # manual cleaning: 'clean' verb
    '1.16',  # ?driver= filter on node list
    '1.17',  # 'adopt' verb
    '1.18',  # port internal_info (ports not served)
    '1.19',  # port network fields (ports not served)
    '1.20',  # node body: network_interface
    '1.21',  # node body: resource_class; ?resource_class= filter
    '1.22',  # ramdisk lookup and heartbeat (not served)
    '1.23',  # portgroups (not served)
    '1.24',  # node body: 'portgroups' link
    '1.25',  # unsetting chassis_uuid (chassis not served)
    '1.26',  # portgroup mode (not served)
    '1.27',  # power: 'soft power off', 'soft rebooting' and timeout
    '1.28',  # VIFs (not served)
    '1.29',  # inject NMI (not served)
    '1.30',  # dynamic drivers: /v1/drivers?type=, ?detail=
    '1.31',  # node body: the *_interface fields
    '1.32',  # node body: 'volume' link (volume not served)
    '1.33',  # node body: storage_interface
    '1.34',  # port physical_network (ports not served)
    '1.35',  # configdrive on rebuild
    '1.36',  # agent version in heartbeat (not served)
    '1.37',  # node traits: the field and /v1/nodes/{id}/traits
    '1.38',  # rescue_interface; 'rescue' and 'unrescue' verbs
    '1.39',  # 'inspect wait' state
    '1.40',  # node body: bios_interface
    '1.41',  # inspection abort
    '1.42',  # node body: 'fault'; ?fault= filter on node list
]

# Features by the version that introduced them, named for the handlers.
MANAGEABLE = (1, 4)
NAMES = (1, 5)
AVAILABLE_STATE = (1, 2)
FIELDS = (1, 8)
PROVISION_STATE_FILTER = (1, 9)
UNRESTRICTED_NAMES = (1, 10)
ENROLL = (1, 11)
RAID = (1, 12)
STATES_LINK = (1, 14)
DRIVER_FILTER = (1, 16)
RESOURCE_CLASS = (1, 21)
SOFT_POWER = (1, 27)
DYNAMIC_DRIVERS = (1, 30)
TRAITS = (1, 37)
FAULT = (1, 42)
# The reset_interfaces argument of a node PATCH.
RESET_INTERFACES = (1, 45)


class _IronicVersions(microversion.Microversions):
    """Ironic's reading of a version (``1.01`` is 1.1) and its words for
    a refused one: always a 406, without version headers when the value
    is no version at all."""

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

    def parse(self, headers):
        requested = microversion_parse.get_version(
            headers, service_type=self.service_type,
            legacy_headers=[self.legacy_header])
        if not requested:
            return self.min_version
        if requested.lower() == microversion.LATEST:
            return self.max_version
        try:
            version = microversion_parse.parse_version_string(requested)
        except (ValueError, TypeError):
            raise microversion.VersionError(
                406, self.invalid_format(requested), headers={}) from None
        if not self.min_version <= version <= self.max_version:
            raise microversion.VersionError(406, self.not_supported(
                '%d.%d' % (version.major, version.minor)))
        return self._bounded(*version)


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
