"""Compute API microversions: what each one changes in the routes served.

Nova's history is kept whole so a client can ask for any version up to the
maximum; versions that change nothing here say so.
"""

import microversion_parse
import webob.exc

from powerbridge import microversion

SERVICE_TYPE = 'compute'
HEADER = microversion.STANDARD_HEADER
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
ENVIRON_KEY = 'compute.microversion'

VERSIONS = [
    '2.1',   # the base v2.1 API
    '2.2',   # keypair type (not served here)
    '2.3',   # servers: more OS-EXT-SRV-ATTR:* fields for admins
    '2.4',   # os-fixed-ips reserved (not served here)
    '2.5',   # servers list: ip6 filter for non-admins
    '2.6',   # remote consoles consolidated (not served here)
    '2.7',   # flavor access check (not served here)
    '2.8',   # mks console protocol (not served here)
    '2.9',   # servers: 'locked'
    '2.10',  # keypairs of other users (not served here)
    '2.11',  # os-services: forced_down field and PUT force-down
    '2.12',  # os-virtual-interfaces net_id (not served here)
    '2.13',  # server groups project/user (not served here)
    '2.14',  # evacuate body change (not served here)
    '2.15',  # soft (anti-)affinity (not served here)
    '2.16',  # servers: host_status
    '2.17',  # trigger_crash_dump action (not served here)
    '2.18',  # project_id optional in URLs
    '2.19',  # servers: description
    '2.20',  # volume attach when shelved (not served here)
    '2.21',  # os-instance-actions: actions of deleted instances
    '2.22',  # force live migration complete (not served here)
    '2.23',  # server migrations (not served here)
    '2.24',  # cancel live migration (not served here)
    '2.25',  # block_migration auto (not served here)
    '2.26',  # servers: tags
    '2.27',  # OpenStack-API-Version header (accepted at every version)
    '2.28',  # hypervisor cpu_info object (not served here)
    '2.29',  # evacuate force flag (not served here)
    '2.30',  # live-migrate force flag (not served here)
    '2.31',  # console auth tokens (not served here)
    '2.32',  # device tags at boot (not served here)
    '2.33',  # hypervisors pagination (not served here)
    '2.34',  # async live migration checks (not served here)
    '2.35',  # keypairs pagination (not served here)
    '2.36',  # proxy APIs deprecated (not served here)
    '2.37',  # auto-allocated networks (not served here)
    '2.38',  # servers list: 400 for an invalid status filter
    '2.39',  # image-metadata proxy deprecated (not served here)
    '2.40',  # simple tenant usage pagination (not served here)
    '2.41',  # aggregate uuid (not served here)
    '2.42',  # device tags again (not served here)
    '2.43',  # os-hosts deprecated (not served here)
    '2.44',  # network proxy actions deprecated (not served here)
    '2.45',  # createImage response body (not served here)
    '2.46',  # migration request_id (not served here)
    '2.47',  # servers: embedded flavor details instead of id and links
    '2.48',  # diagnostics format (not served here)
    '2.49',  # tagged attach (not served here)
    '2.50',  # quota class server groups (not served here)
    '2.51',  # external events: volume-extended; actions: event details
    '2.52',  # tags at server create (not served here)
    '2.53',  # os-services: uuid ids, PUT /os-services/{service_id}
    '2.54',  # rebuild key pair (not served here)
    '2.55',  # flavor description (not served here)
    '2.56',  # cold migrate target host (not served here)
    '2.57',  # personality files removed (not served here)
    '2.58',  # os-instance-actions: pagination, changes-since, updated_at
    '2.59',  # migrations pagination (not served here)
    '2.60',  # multiattach (not served here)
    '2.61',  # flavor extra_specs (not served here)
    '2.62',  # os-instance-actions: host and hostId in events
    '2.63',  # servers: trusted_image_certificates
    '2.64',  # server group policy (not served here)
    '2.65',  # abort queued live migration (not served here)
    '2.66',  # changes-before filter (servers, instance actions)
    '2.67',  # volume_type in bdm (not served here)
    '2.68',  # forced evacuate removed (not served here)
    '2.69',  # minimal constructs for down cells (one cell here: unused)
    '2.70',  # device tags in attachments (not served here)
    '2.71',  # servers: server_groups on show
    '2.72',  # ports with resource requests (not served here)
    '2.73',  # servers: locked_reason
    '2.74',  # host/node at create (not served here)
    '2.75',  # 400 for unknown query parameters (os-services)
    '2.76',  # external events: power-update
]



class ComputeMicroversions(microversion.Microversions):
    """Nova's reading: only a lowercase ``latest`` means the maximum;
    ``LATEST`` is a malformed version (400)."""

    def parse(self, headers):
        text = requested(headers)
        if text is not None and text.lower() == microversion.LATEST \
                and text != microversion.LATEST:
            raise microversion.VersionError(400, self.invalid_format(text))
        return super().parse(headers)


def requested(headers):
    """The version text the request asked for, or None."""
    text = microversion_parse.get_version(
        headers, service_type=SERVICE_TYPE, legacy_headers=[LEGACY_HEADER])
    return None if text is None else text.strip()


API = ComputeMicroversions(
    VERSIONS, SERVICE_TYPE, LEGACY_HEADER, ENVIRON_KEY,
    echo_standard=True, vary=True)
MIN_VERSION = API.min_version
MAX_VERSION = API.max_version
VersionError = microversion.VersionError
parse = API.parse
want = API.want
add_headers = API.add_headers


def reject_below(req, minimum):
    """404 for a route that does not exist yet at the requested version."""
    if not want(req).matches(minimum):
        raise webob.exc.HTTPNotFound()
