"""JSON-over-HTTP control of a fleet running in another process.

Routes (all JSON, loopback only; no credentials ever leave the fleet)::

    GET /bmcs                 -> {"bmcs": [{index, address, port, power,
                                            fault, counters,
                                            status_readers}, ...]}
    GET /bmcs/{i}             -> one BMC, same keys
    GET /bmcs/{i}/power       -> {"power": "on"|"off"}
    PUT /bmcs/{i}/power       <- {"power": "on"|"off"}      (a flip "behind
                                 the API's back": no IPMI involved)
    PUT /bmcs/{i}/fault       <- {"latency_ms": 0, "loss_pct": 0,
                                  "hang": false}
    PUT /bmcs/fault           <- the same, applied to every BMC

Fault keys left out keep their value. Served by cheroot's threaded server.
"""

import http.client
import json
import threading
import urllib.parse

from cheroot import wsgi
from oslo_log import log as logging

from powerbridge.vbmc import fleet as vbmc_fleet

LOG = logging.getLogger(__name__)

_MAX_BODY = 64 * 1024
_POWER_VALUES = {'on': True, 'off': False, 'power on': True,
                 'power off': False}
_FAULT_KEYS = ('latency_ms', 'loss_pct', 'hang')


class _HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class ControlApp:
    """The WSGI application; one per fleet."""

    def __init__(self, fleet):
        self.fleet = fleet

    def __call__(self, environ, start_response):
        method = environ['REQUEST_METHOD']
        parts = [p for p in environ.get('PATH_INFO', '').split('/') if p]
        try:
            status, body = self._route(method, parts, environ)
        except _HttpError as exc:
            status, body = exc.status, {'error': str(exc)}
        payload = json.dumps(body).encode('utf-8')
        start_response(status, [('Content-Type', 'application/json'),
                                ('Content-Length', str(len(payload)))])
        return [payload]

    def _route(self, method, parts, environ):
        if not parts or parts[0] != 'bmcs' or len(parts) > 3:
            raise _HttpError('404 Not Found', 'no such resource')
        if len(parts) == 1:
            self._allow(method, 'GET')
            return '200 OK', {'bmcs': self.fleet.describe_all()}
        if parts[1] == 'fault' and len(parts) == 2:
            self._allow(method, 'PUT')
            self._set_fault(None, self._body(environ))
            return '200 OK', {'fault': self._body_faults(environ)}
        index = self._index(parts[1])
        if len(parts) == 2:
            self._allow(method, 'GET')
            return '200 OK', self.fleet.describe(index)
        if parts[2] == 'power':
            self._allow(method, 'GET', 'PUT')
            if method == 'PUT':
                self.fleet.set_power(index, self._power(self._body(environ)))
            return '200 OK', {'power': 'on' if self.fleet.get_power(index)
                              else 'off'}
        if parts[2] == 'fault':
            self._allow(method, 'PUT')
            self._set_fault(index, self._body(environ))
            return '200 OK', {'fault': self.fleet.describe(index)['fault']}
        raise _HttpError('404 Not Found', 'no such resource')

    @staticmethod
    def _allow(method, *allowed):
        if method not in allowed:
            raise _HttpError('405 Method Not Allowed',
                             'use %s' % ' or '.join(allowed))

    def _index(self, text):
        try:
            index = int(text)
        except ValueError:
            raise _HttpError('404 Not Found', 'no such BMC') from None
        if not 0 <= index < self.fleet.count:
            raise _HttpError('404 Not Found', 'no BMC with index %d' % index)
        return index

    @staticmethod
    def _body(environ):
        if 'powerbridge.body' in environ:
            return environ['powerbridge.body']
        try:
            length = int(environ.get('CONTENT_LENGTH') or 0)
        except ValueError:
            length = -1
        if not 0 < length <= _MAX_BODY:
            raise _HttpError('400 Bad Request', 'a JSON body is required')
        try:
            body = json.loads(environ['wsgi.input'].read(length))
        except ValueError:
            raise _HttpError('400 Bad Request', 'body is not JSON') from None
        if not isinstance(body, dict):
            raise _HttpError('400 Bad Request', 'body must be an object')
        environ['powerbridge.body'] = body
        return body

    def _body_faults(self, environ):
        return {k: v for k, v in self._body(environ).items()
                if k in _FAULT_KEYS}

    @staticmethod
    def _power(body):
        value = body.get('power')
        if isinstance(value, str) and value.lower() in _POWER_VALUES:
            return _POWER_VALUES[value.lower()]
        raise _HttpError('400 Bad Request', 'power must be "on" or "off"')

    def _set_fault(self, index, body):
        unknown = set(body) - set(_FAULT_KEYS)
        if unknown:
            raise _HttpError('400 Bad Request', 'unknown fault keys: %s'
                             % ', '.join(sorted(unknown)))
        try:
            self.fleet.set_fault(index, **body)
        except (TypeError, ValueError) as exc:
            raise _HttpError('400 Bad Request', str(exc)) from None


class ControlServer:
    """Serves ControlApp on cheroot from a background thread."""

    def __init__(self, fleet, host='127.0.0.1', port=0, threads=4):
        self.host = host
        self._server = wsgi.Server((host, port), ControlApp(fleet),
                                   numthreads=threads,
                                   server_name='powerbridge-vbmc')
        self._thread = None

    @property
    def port(self):
        return self._server.bind_addr[1]

    @property
    def url(self):
        host = '[%s]' % self.host if ':' in self.host else self.host
        return 'http://%s:%d' % (host, self.port)

    def start(self):
        # NOTE: prepare() binds now, so a taken port is one clear error.
        try:
            self._server.prepare()
        except OSError as exc:
            raise vbmc_fleet.FleetError(
                'cannot listen on %s:%s: %s'
                % (self.host, self._server.bind_addr[1],
                   getattr(exc, 'strerror', None) or exc)) from None
        self._thread = threading.Thread(target=self._server.serve,
                                        name='vbmc-control', daemon=True)
        self._thread.start()

    def stop(self):
        if self._thread is not None:
            self._server.stop()
            self._thread.join(10)
            self._thread = None


class ControlClient:
    """A small client for ControlServer (tests, benchmarks, the demo)."""

    def __init__(self, url, timeout=10.0):
        parsed = urllib.parse.urlsplit(url)
        self.host = parsed.hostname
        self.port = parsed.port
        self.timeout = timeout

    def _request(self, method, path, body=None):
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=self.timeout)
        try:
            payload = None if body is None else json.dumps(body)
            headers = {'Content-Type': 'application/json'} if body else {}
            conn.request(method, path, body=payload, headers=headers)
            resp = conn.getresponse()
            data = json.loads(resp.read() or b'{}')
        finally:
            conn.close()
        if resp.status != 200:
            raise RuntimeError('%s %s: %d %s' % (method, path, resp.status,
                                                 data.get('error')))
        return data

    def list(self):
        return self._request('GET', '/bmcs')['bmcs']

    def describe(self, index):
        return self._request('GET', '/bmcs/%d' % index)

    def get_power(self, index):
        return self._request('GET', '/bmcs/%d/power' % index)['power'] == 'on'

    def set_power(self, index, on):
        self._request('PUT', '/bmcs/%d/power' % index,
                      {'power': 'on' if on else 'off'})

    def set_fault(self, index, **faults):
        path = '/bmcs/fault' if index is None else '/bmcs/%d/fault' % index
        return self._request('PUT', path, faults)['fault']
