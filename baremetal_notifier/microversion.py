"""Bare Metal API versions: what each one changes for the nodes served.

The maximum is 1.42, the first version that shows ``fault``: every node
field a client can ask for up to there is one this service models. Later
Ironic versions add fields it does not model (conductor_group, owner,
lessee, ...), so advertising them would be a promise it cannot keep.
"""

import re

import microversion_parse

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

_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


def _make(major, minor):
    return microversion_parse.Version(major, minor)


MIN_VERSION = _make(*map(int, VERSIONS[0].split('.')))
MAX_VERSION = _make(*map(int, VERSIONS[-1].split('.')))

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


class VersionError(Exception):
    """The requested version is malformed (400) or not served (406)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _range():
    return '[%s, %s]' % (VERSIONS[0], VERSIONS[-1])


def parse(headers):
    """The version a request asks for; a missing header means 1.1.

    Both Ironic's own header and ``OpenStack-API-Version: baremetal X``
    are read, as Ironic does.
    """
    requested = microversion_parse.get_version(
        headers, service_type=SERVICE_TYPE, legacy_headers=[HEADER])
    if requested is None:
        return MIN_VERSION
    requested = requested.strip()
    if requested.lower() == 'latest':
        return MAX_VERSION
    match = _VERSION_RE.match(requested)
    if not match:
        raise VersionError(400, 'Invalid value for %s header' % HEADER)
    version = _make(int(match.group(1)), int(match.group(2)))
    if version.major != MAX_VERSION.major:
        raise VersionError(
            406, 'Mutually exclusive versions requested. Version %s '
                 'requested but not supported by this service. The supported '
                 'version range is: %s.' % (requested, _range()))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise VersionError(
            406, 'Version %s was requested but the minor version is not '
                 'supported by this service. The supported version range '
                 'is: %s.' % (requested, _range()))
    return version


def headers(version=None):
    """The headers every response carries; ``version`` when negotiated."""
    result = {MIN_HEADER: VERSIONS[0], MAX_HEADER: VERSIONS[-1]}
    if version is not None:
        result[HEADER] = '%d.%d' % (version.major, version.minor)
    return result


def want(req):
    """The version the request negotiated (1.1 outside /v1)."""
    return req.environ.get(ENVIRON_KEY, MIN_VERSION)


def allows(req, feature):
    """True when the request's version has ``feature`` (a (1, N) tuple)."""
    return tuple(want(req)) >= feature
