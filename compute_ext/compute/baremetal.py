"""The compute agent's client of the Bare Metal (Ironic) API.

Only Ironic's documented node API is used (GET/PATCH /v1/nodes,
PUT /v1/nodes/{id}/states/power), through a keystoneauth Adapter loaded
from ``[baremetal]``, so the peer may be this project's baremetal-notifier
or a real Ironic found in the Keystone catalog.
"""

import json
import re
import threading
import time
import urllib.parse

from keystoneauth1 import exceptions as ks_exceptions
from oslo_log import log as logging

from powerbridge import ksa
from compute_ext import exception

LOG = logging.getLogger(__name__)

GROUP = 'baremetal'
POWER_ON = 'power on'
POWER_OFF = 'power off'

# Asked for first: 1.46 has every node field used here, 'fault' (1.42)
# included. An older server is negotiated down as python-ironicclient does.
WANTED_VERSION = (1, 46)
# Node GET with ?fields= needs 1.8; the 'timeout' of a power request 1.27.
FIELDS_VERSION = (1, 8)
POWER_TIMEOUT_VERSION = (1, 27)

MIN_VERSION_HEADER = 'X-OpenStack-Ironic-API-Minimum-Version'
MAX_VERSION_HEADER = 'X-OpenStack-Ironic-API-Maximum-Version'
_VERSION_RE = re.compile(r'^\s*(\d+)\.(\d+)\s*$')

# What wait_for_power_state reads on every poll.
_WAIT_FIELDS = ('uuid', 'power_state', 'target_power_state', 'last_error')


class BaremetalAPIError(exception.BaremetalError):
    """A request to the Bare Metal API failed; ``status_code`` if any."""

    def __init__(self, reason, status_code=None):
        super().__init__(reason=reason)
        self.reason = reason
        self.status_code = status_code


class NodeNotFound(BaremetalAPIError):
    pass


class Conflict(BaremetalAPIError):
    """409: the node is locked or the change is not allowed now."""


class VersionNotSupported(BaremetalAPIError):
    pass


class Unavailable(BaremetalAPIError):
    """No answer: connection failure, no endpoint, or 503 past retries."""


class PowerActionFailed(BaremetalAPIError):
    """The node finished its power action with ``last_error`` set."""


class PowerActionTimeout(BaremetalAPIError):
    pass


class Aborted(BaremetalAPIError):
    """The client was stopped (the agent is shutting down)."""


def parse_version(text):
    """'1.46' -> (1, 46); None when absent or malformed."""
    match = _VERSION_RE.match(text or '')
    return (int(match.group(1)), int(match.group(2))) if match else None


def format_version(version):
    return '%d.%d' % version


def error_message(response):
    """The faultstring of an Ironic error body, whatever its wrapping.

    Ironic sends ``{"error_message": "<JSON string>"}`` whose inner JSON
    holds ``faultstring``; older or foreign servers may send the inner
    object directly or plain text.
    """
    try:
        body = response.json()
    except ValueError:
        text = (response.text or '').strip()
        return text[:300] or response.reason or str(response.status_code)
    message = body.get('error_message') if isinstance(body, dict) else None
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError:
            return message
    if isinstance(message, dict):
        return str(message.get('faultstring') or message)
    return json.dumps(body)[:300]


def _is_node_locked(message):
    # NodeLocked is a 409 like InstanceAssociated; only the lock is worth
    # waiting for, and its text is the only thing telling them apart.
    return 'locked' in message.lower()


_ERRORS_BY_STATUS = {404: NodeNotFound, 406: VersionNotSupported,
                     409: Conflict, 503: Unavailable}


class BaremetalClient:
    """Node reads, power actions and instance association.

    Thread-safe: the agent's sync pool and action workers share one client.
    ``stop()`` ends retry and wait loops promptly at shutdown.
    """

    def __init__(self, adapter, max_retries=60, retry_interval=2.0,
                 wanted_version=WANTED_VERSION):
        self.adapter = adapter
        self.max_retries = max_retries
        self.retry_interval = retry_interval
        self.wanted_version = wanted_version
        self.version = wanted_version
        self._base_url = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @classmethod
    def from_conf(cls, conf):
        group = conf[GROUP]
        return cls(ksa.load_adapter(conf, GROUP),
                   max_retries=group.api_max_retries,
                   retry_interval=group.api_retry_interval)

    def stop(self):
        self._stopping.set()

    # -- transport -----------------------------------------------------

    def _base(self):
        """The v1 root: the catalog or override URL, with /v1 added once."""
        if self._base_url is None:
            try:
                endpoint = self.adapter.get_endpoint()
            except ks_exceptions.ClientException as exc:
                raise Unavailable('no endpoint: %s' % exc) from exc
            if not endpoint:
                raise Unavailable('no endpoint: set [baremetal] '
                                  'endpoint_override or a service catalog')
            endpoint = endpoint.rstrip('/')
            if not endpoint.endswith('/v1'):
                endpoint += '/v1'
            self._base_url = endpoint
        return self._base_url

    def _send(self, method, path, build, versioned=True):
        """One HTTP exchange; ``build(version)`` gives (params, body)."""
        if self._stopping.is_set():
            raise Aborted('client stopped: %s %s not sent' % (method, path))
        version = self.version
        params, body = build(version)
        kwargs = {'raise_exc': False,
                  'headers': {'Accept': 'application/json'}}
        if versioned:
            kwargs['microversion'] = format_version(version)
            kwargs['microversion_service_type'] = 'baremetal'
        if params:
            kwargs['params'] = params
        if body is not None:
            kwargs['json'] = body
        try:
            return self.adapter.request(self._base() + path, method,
                                        **kwargs)
        except ks_exceptions.ClientException as exc:
            # keystoneauth's messages carry URLs, never credentials.
            raise Unavailable('unreachable: %s' % exc) from exc

    def _negotiate(self, response):
        """Pick the best version the server supports after a 406."""
        low = parse_version(response.headers.get(MIN_VERSION_HEADER))
        high = parse_version(response.headers.get(MAX_VERSION_HEADER))
        if low is None or high is None:
            # As ironicclient does: the v1 root always carries the range.
            root = self._send('GET', '', lambda v: (None, None),
                              versioned=False)
            low = parse_version(root.headers.get(MIN_VERSION_HEADER))
            high = parse_version(root.headers.get(MAX_VERSION_HEADER))
        if low is None or high is None:
            raise VersionNotSupported('could not determine the server\'s '
                                      'API version range',
                                      status_code=406)
        chosen = max(low, min(self.wanted_version, high))
        with self._lock:
            if chosen != self.version:
                LOG.info('Bare Metal API supports %(low)s to %(high)s; '
                         'using %(chosen)s',
                         {'low': format_version(low),
                          'high': format_version(high),
                          'chosen': format_version(chosen)})
            self.version = chosen
        return chosen

    def _request(self, method, path, build=None, expected=(200,)):
        """Send with version negotiation and bounded retries.

        Retried: 503 (no free conductor worker, ring not ready) and 409
        NodeLocked, like ironicclient, at most ``max_retries`` times.
        """
        build = build or (lambda version: (None, None))
        attempt = 0
        renegotiated = False
        while True:
            response = self._send(method, path, build)
            status = response.status_code
            if status in expected:
                return response
            if status == 406 and not renegotiated:
                renegotiated = True
                self._negotiate(response)
                continue
            message = error_message(response)
            retriable = status == 503 or (
                status == 409 and _is_node_locked(message))
            if retriable and attempt < self.max_retries:
                attempt += 1
                LOG.debug('Bare Metal API %(method)s %(path)s answered '
                          '%(status)s (%(msg)s); retry %(n)d of %(max)d',
                          {'method': method, 'path': path, 'status': status,
                           'msg': message, 'n': attempt,
                           'max': self.max_retries})
                if self._stopping.wait(self.retry_interval):
                    raise Aborted('stopped while retrying %s %s'
                                  % (method, path))
                continue
            error = _ERRORS_BY_STATUS.get(status, BaremetalAPIError)
            raise error('%s %s: %s %s' % (method, path, status, message),
                        status_code=status)

    def _fields_param(self, fields):
        def build(version):
            if fields and version >= FIELDS_VERSION:
                return {'fields': ','.join(fields)}, None
            return None, None
        return build

    # -- nodes ---------------------------------------------------------

    def get_node(self, node_uuid, fields=None):
        """GET /v1/nodes/{uuid} as a dict; NodeNotFound on 404."""
        path = '/nodes/%s' % urllib.parse.quote(node_uuid, safe='')
        return self._request('GET', path, self._fields_param(fields)).json()

    def list_nodes(self, fields=None, **filters):
        """Every node, following the ``next`` links page by page."""
        fields_build = self._fields_param(fields)
        query = dict(filters)
        nodes = []
        seen_markers = set()
        while True:
            def build(version, query=query):
                params, _ = fields_build(version)
                return dict(query, **(params or {})), None
            body = self._request('GET', '/nodes', build).json()
            nodes.extend(body.get('nodes') or [])
            next_link = body.get('next')
            if not next_link:
                return nodes
            # Only the paging parameters are taken from the link: behind a
            # proxy its host may not be the one configured here.
            paging = dict(urllib.parse.parse_qsl(
                urllib.parse.urlsplit(next_link).query))
            marker = paging.get('marker')
            if not marker or marker in seen_markers:
                return nodes
            seen_markers.add(marker)
            query = dict(filters, marker=marker)
            if 'limit' in paging:
                query['limit'] = paging['limit']

    def set_power_state(self, node_uuid, target, timeout=None):
        """PUT /v1/nodes/{uuid}/states/power: 202 once the node accepted."""
        path = '/nodes/%s/states/power' % urllib.parse.quote(node_uuid,
                                                             safe='')

        def build(version):
            body = {'target': target}
            if timeout is not None and version >= POWER_TIMEOUT_VERSION:
                body['timeout'] = int(timeout)
            return None, body
        self._request('PUT', path, build, expected=(202, 200, 204))

    def wait_for_power_state(self, node_uuid, target, timeout):
        """Poll until the node settles, as Nova's Ironic driver does.

        Done when target_power_state is cleared and power_state equals
        ``target``; failed when it is cleared with last_error set.
        """
        deadline = time.monotonic() + timeout
        while True:
            node = self.get_node(node_uuid, fields=_WAIT_FIELDS)
            if not node.get('target_power_state'):
                if node.get('power_state') == target:
                    return node
                if node.get('last_error'):
                    raise PowerActionFailed(
                        'node %s did not reach %r: %s'
                        % (node_uuid, target, node['last_error']))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PowerActionTimeout(
                    'node %s did not reach %r within %ss (power_state %r, '
                    'target_power_state %r)'
                    % (node_uuid, target, timeout, node.get('power_state'),
                       node.get('target_power_state')))
            if self._stopping.wait(min(self.retry_interval, remaining)):
                raise Aborted('stopped while waiting for node %s'
                              % node_uuid)

    def set_provision_state(self, node_uuid, target):
        """PUT /v1/nodes/{uuid}/states/provision (Nova's driver deploys
        with target 'active'): 202 once accepted."""
        path = '/nodes/%s/states/provision' % urllib.parse.quote(
            node_uuid, safe='')
        self._request('PUT', path, lambda version: (None, {'target': target}),
                      expected=(202,))

    def set_instance_uuid(self, node_uuid, instance_uuid):
        """Associate (or with None, release) a node, as Nova's driver does."""
        if instance_uuid is None:
            patch = [{'op': 'remove', 'path': '/instance_uuid'}]
        else:
            patch = [{'op': 'add', 'path': '/instance_uuid',
                      'value': instance_uuid}]
        path = '/nodes/%s' % urllib.parse.quote(node_uuid, safe='')
        return self._request('PATCH', path,
                             lambda version: (None, patch)).json()
