"""FakeIronic: a small recording HTTP server speaking Ironic's node API.

It is a real HTTP server on a port picked at run time, so the client under
test goes through keystoneauth, requests and a socket exactly as it does
in production. Its node rows *are* the hardware: a power request changes
``power_state`` the way an Ironic conductor would report it.

Why a double and not this project's baremetal-notifier: the client must
cope with server behaviours no healthy Ironic shows on demand (406 with
and without version headers, NodeLocked 409s, 503s, foreign ``next``
links, stuck or failing power actions), and the agent's unit tests must
not depend on another service's start-up. The functional tests use the
real baremetal-notifier once it is importable.

No tests here: stestr imports this module and finds none.
"""

import collections
import json
import threading
import uuid

import fixtures
import webob
import webob.dec

from powerbridge import wsgi_server
from compute_ext.compute import actions
from compute_ext.compute import baremetal
from compute_ext.compute import hash_ring
from compute_ext import context as compute_context
from compute_ext.objects import instances as instance_obj
from compute_ext import servicegroup
from tests import dbfixture
from tests.functional.fixtures import compute as compute_fixtures

POWER_ON = 'power on'
POWER_OFF = 'power off'
_TARGETS = (POWER_ON, POWER_OFF, 'rebooting', 'soft power off',
            'soft rebooting')

Request = collections.namedtuple('Request',
                                 'method path query version body')


def serve(owner, app, threads=8):
    """Serve ``app`` on a free loopback port until ``owner`` cleans up
    (a test or a fixture); returns the base URL."""
    server = wsgi_server.ServerThread(app, '127.0.0.1', 0, threads=threads)
    # cheroot checks its stop flag this often; the default 0.5 s would
    # dominate every test's teardown.
    server.server.expiration_interval = 0.05
    server.start()
    owner.addCleanup(server.stop)
    return 'http://127.0.0.1:%d' % server.port


def _version_tuple(text):
    major, _, minor = text.partition('.')
    return int(major), int(minor)


class FakeIronic(fixtures.Fixture):
    """Ironic's /v1/nodes subset with scripted failures.

    ``power_mode``: 'instant' (done before the 202), 'async' (done
    ``power_delay`` seconds later in a timer thread), 'stuck' (never
    done) or 'fail' (done with last_error and the old power state).
    ``on_power(node_uuid, target)`` runs inside the PUT handler before
    the hardware changes: the "during the HTTP power call" moment.
    """

    def __init__(self, min_version='1.1', max_version='1.87',
                 page_size=None, version_headers=True, power_mode='instant',
                 power_delay=0.05, next_host='http://proxy.invalid:6385'):
        super().__init__()
        self.min_version = _version_tuple(min_version)
        self.max_version = _version_tuple(max_version)
        self.page_size = page_size
        self.version_headers = version_headers
        self.power_mode = power_mode
        self.power_delay = power_delay
        self.next_host = next_host
        self.on_power = None
        # (status, message): answered once *after* a PATCH was applied, as
        # when a proxy loses the answer.
        self.patch_answer = None
        self.nodes = {}
        self.requests = []
        self.power_calls = []
        # (method, path suffix) -> list of (status, message) answered first
        self.scripted = collections.defaultdict(list)
        self._lock = threading.RLock()
        self._timers = []

    def _setUp(self):
        self.addCleanup(self._cancel_timers)
        self.endpoint = serve(self, self.app)

    def _cancel_timers(self):
        for timer in self._timers:
            timer.cancel()

    # -- test helpers -------------------------------------------------

    def add_node(self, node_uuid=None, power_state=POWER_OFF, **fields):
        node_uuid = node_uuid or str(uuid.uuid4())
        node = {'uuid': node_uuid, 'name': None, 'power_state': power_state,
                'target_power_state': None, 'provision_state': 'active',
                'instance_uuid': None, 'maintenance': False,
                'maintenance_reason': None, 'fault': None,
                'reservation': None, 'last_error': None,
                'driver': 'ipmi',
                'driver_info': {'ipmi_username': 'admin',
                                'ipmi_password': '******'}}
        node.update(fields)
        with self._lock:
            self.nodes[node_uuid] = node
        return node_uuid

    def set_power(self, node_uuid, power_state):
        """Flip the hardware behind the API's back (power button, IPMI)."""
        with self._lock:
            self.nodes[node_uuid]['power_state'] = power_state

    def power_state(self, node_uuid):
        with self._lock:
            return self.nodes[node_uuid]['power_state']

    def script(self, method, suffix, status, message, times=1):
        """Answer the next ``times`` matching requests with an error."""
        self.scripted[(method, suffix)].extend([(status, message)] * times)

    def requests_to(self, method, suffix=''):
        return [r for r in self.requests
                if r.method == method and r.path.endswith(suffix)]

    # -- HTTP ---------------------------------------------------------

    def _headers(self, root=False):
        # version_headers: True, False, or 'root' (only on GET /v1, which
        # ironicclient falls back to when a 406 has no range).
        if not (self.version_headers is True
                or (root and self.version_headers == 'root')):
            return {}
        return {'X-OpenStack-Ironic-API-Minimum-Version':
                '%d.%d' % self.min_version,
                'X-OpenStack-Ironic-API-Maximum-Version':
                '%d.%d' % self.max_version}

    def _json(self, status, body=None, version=None, root=False):
        response = webob.Response(status=status)
        response.headers.update(self._headers(root))
        if version:
            response.headers['X-OpenStack-Ironic-API-Version'] = (
                '%d.%d' % version)
        if body is not None:
            response.content_type = 'application/json'
            response.text = json.dumps(body)
        return response

    def _error(self, status, message, version=None):
        # Ironic's wrapping: the inner fault is a JSON *string*.
        inner = json.dumps({'faultstring': message, 'faultcode': 'Client',
                            'debuginfo': None})
        return self._json(status, {'error_message': inner}, version)

    def _requested_version(self, req):
        text = req.headers.get('X-OpenStack-Ironic-API-Version')
        standard = req.headers.get('OpenStack-API-Version', '')
        if standard.startswith('baremetal '):
            text = standard.split(' ', 1)[1]
        if not text:
            return self.min_version
        if text == 'latest':
            return self.max_version
        return _version_tuple(text)

    @webob.dec.wsgify
    def app(self, req):
        body = json.loads(req.body) if req.body else None
        version = self._requested_version(req)
        path = req.path_info.rstrip('/')
        self.requests.append(Request(req.method, path, dict(req.GET),
                                     version, body))
        for (method, suffix), answers in self.scripted.items():
            if method == req.method and path.endswith(suffix) and answers:
                status, message = answers.pop(0)
                return self._error(status, message, version)
        if path == '/v1':
            return self._json(200, {'id': 'v1'}, root=True)
        if not self.min_version <= version <= self.max_version:
            return self._error(
                406, 'Version %d.%d was requested but the minor version is '
                     'not supported by this service.' % version)
        parts = path.split('/')[2:]
        with self._lock:
            return self._route(req, parts, version, body)

    def _route(self, req, parts, version, body):
        if parts == ['nodes'] and req.method == 'GET':
            return self._list(req, version)
        if len(parts) < 2 or parts[0] != 'nodes':
            return self._error(404, 'Not found', version)
        node = self.nodes.get(parts[1])
        if node is None:
            return self._error(404, 'Node %s could not be found.' % parts[1],
                               version)
        if len(parts) == 2 and req.method == 'GET':
            fields = req.GET.get('fields')
            if fields and version < (1, 8):
                return self._error(406, 'fields needs 1.8', version)
            return self._json(200, self._view(node, fields), version)
        if len(parts) == 2 and req.method == 'PATCH':
            return self._patch(node, body, version)
        if parts[2:] == ['states', 'power'] and req.method == 'PUT':
            return self._power(node, body, version)
        return self._error(405, 'Method not allowed', version)

    def _view(self, node, fields=None):
        view = dict(node)
        if fields:
            view = {k: v for k, v in view.items() if k in fields.split(',')}
        return view

    def _list(self, req, version):
        ordered = sorted(self.nodes.values(), key=lambda n: n['uuid'])
        marker = req.GET.get('marker')
        if marker:
            ordered = [n for n in ordered if n['uuid'] > marker]
        limit = int(req.GET.get('limit', self.page_size or 0)) or None
        page = ordered[:limit] if limit else ordered
        body = {'nodes': [self._view(n, req.GET.get('fields')) for n in page]}
        if limit and len(ordered) > limit:
            body['next'] = '%s/v1/nodes?limit=%d&marker=%s' % (
                self.next_host, limit, page[-1]['uuid'])
        return self._json(200, body, version)

    def _patch(self, node, patch, version):
        for op in patch:
            if op['path'] != '/instance_uuid':
                return self._error(400, 'unsupported patch', version)
            if op['op'] == 'remove':
                node['instance_uuid'] = None
                continue
            current = node['instance_uuid']
            if current and current != op['value']:
                return self._error(
                    409, 'Node %s is associated with instance %s.'
                         % (node['uuid'], current), version)
            node['instance_uuid'] = op['value']
        if self.patch_answer:
            answer, self.patch_answer = self.patch_answer, None
            return self._error(*answer, version=version)
        return self._json(200, self._view(node), version)

    def _power(self, node, body, version):
        target = body.get('target')
        if target not in _TARGETS:
            return self._error(400, 'The requested action "%s" can not be '
                                    'performed on node "%s".'
                               % (target, node['uuid']), version)
        if 'timeout' in body and version < (1, 27):
            return self._error(406, 'timeout needs 1.27', version)
        self.power_calls.append((node['uuid'], target))
        node['target_power_state'] = target
        node['last_error'] = None
        if self.on_power is not None:
            self.on_power(node['uuid'], target)
        if self.power_mode == 'instant':
            self._finish_power(node, target)
        elif self.power_mode == 'fail':
            node['target_power_state'] = None
            node['last_error'] = 'IPMI call failed: BMC did not answer'
        elif self.power_mode == 'async':
            timer = threading.Timer(self.power_delay, self._finish_power,
                                    (node, target))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        response = self._json(202, None, version)
        response.headers['Location'] = '/v1/nodes/%s/states' % node['uuid']
        return response

    def _finish_power(self, node, target):
        with self._lock:
            node['power_state'] = target
            node['target_power_state'] = None


def client_conf(endpoint, connection='sqlite://', **overrides):
    """A compute ConfigOpts whose [baremetal] points at ``endpoint``."""
    overrides.setdefault('baremetal.auth_type', 'none')
    overrides.setdefault('baremetal.endpoint_override', endpoint)
    overrides.setdefault('baremetal.api_retry_interval', 0.01)
    overrides.setdefault('baremetal.api_max_retries', 3)
    return compute_fixtures.make_conf(connection, **overrides)


class AgentWorld(fixtures.Fixture):
    """One compute host's parts over a real database and FakeIronic.

    ``host`` runs the agent parts (ring, client, action runner); ``peers``
    are other live nova-compute services sharing the ring.
    """

    def __init__(self, backend='sqlite', host='host-a', peers=(),
                 timeout=5, **fake_kwargs):
        super().__init__()
        self.backend = backend
        self.host = host
        self.peers = peers
        self.timeout = timeout
        self.fake_kwargs = fake_kwargs

    def _setUp(self):
        self.ironic = self.useFixture(FakeIronic(**self.fake_kwargs))
        database = self.useFixture(
            dbfixture.ServiceDatabase(self.backend, 'compute'))
        self.db = database.db
        self.conf = client_conf(self.ironic.endpoint, database.url)
        self.ctx = compute_context.admin_context(self.db)
        for host in (self.host,) + tuple(self.peers):
            compute_fixtures.add_service(self.ctx, host)
        self.ring = hash_ring.NodeRing(
            self.ctx, servicegroup.ServiceGroup(self.conf), self.host)
        self.ring.refresh()
        self.client = baremetal.BaremetalClient.from_conf(self.conf)
        self.addCleanup(self.client.stop)
        self.runner = actions.PowerActionRunner(
            self.ctx, self.client, self.ring, self.timeout, workers=4)
        # Tests wait for their futures; idle workers end by themselves.
        self.addCleanup(self.runner.shutdown, wait=False)

    def node_for(self, host=None, power_state=POWER_OFF, **fields):
        """A new node the ring maps to ``host`` (this host by default)."""
        host = host or self.host
        while True:
            node_uuid = str(uuid.uuid4())
            if self.ring.owner(node_uuid) == host:
                return self.ironic.add_node(node_uuid, power_state, **fields)

    def add_instance(self, vm_state, power_state, node_power, host=None,
                     **values):
        """An instance on a new node of ``host``, associated as Nova does."""
        host = host or self.host
        node = self.node_for(host, node_power)
        inst = instance_obj.create(self.ctx, name='bm-%s' % node[:8],
                                   host=host, node=node, vm_state=vm_state,
                                   power_state=power_state,
                                   project_id='p1', user_id='u1', **values)
        self.ironic.nodes[node]['instance_uuid'] = inst.uuid
        return inst

    def get(self, instance_uuid):
        return instance_obj.get_by_uuid(self.ctx, instance_uuid)
