"""HTTP clients of a Stack's two APIs, on keystoneauth1 like the services.

Without Keystone the Compute API runs with ``noauth2``, so the token
``admin:admin`` makes every call an admin call (keystoneauth's admin_token
plugin), and the Bare Metal API runs with ``noauth`` (keystoneauth's none
plugin). Under Keystone both take a password session and find their API
in the catalog (``from_session``).
"""

import time

from keystoneauth1 import adapter
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

COMPUTE_MICROVERSION = '2.76'
BAREMETAL_MICROVERSION = '1.42'


class APIError(Exception):
    """An unexpected answer; the message has the status and the body."""

    def __init__(self, method, url, response):
        super().__init__('%s %s: %d %s' % (method, url, response.status_code,
                                             response.text[:500]))
        self.status_code = response.status_code


class _Client:

    def __init__(self, adapter_):
        self.adapter = adapter_

    def call(self, method, url, expect=(200,), **kwargs):
        """The response of ``method url``; APIError unless in ``expect``."""
        kwargs.setdefault('timeout', 30)
        response = self.adapter.request(url, method, raise_exc=False,
                                        **kwargs)
        if response.status_code not in expect:
            raise APIError(method, url, response)
        return response

    def json(self, method, url, expect=(200,), **kwargs):
        response = self.call(method, url, expect=expect, **kwargs)
        return response.json() if response.content else None


class ComputeClient(_Client):
    """The Compute API as an admin, at microversion 2.76 by default."""

    def __init__(self, url, token, microversion=COMPUTE_MICROVERSION):
        session = ks_session.Session(auth=token_endpoint.Token(url, token))
        super().__init__(adapter.Adapter(
            session, service_type='compute', endpoint_override=url,
            default_microversion=microversion))

    @classmethod
    def from_session(cls, session, region=None,
                     microversion=COMPUTE_MICROVERSION):
        """The Compute API the session's catalog names."""
        client = cls.__new__(cls)
        _Client.__init__(client, adapter.Adapter(
            session, service_type='compute', interface='public',
            region_name=region, default_microversion=microversion))
        return client

    def servers(self):
        # Every project's: under Keystone the instances are not the
        # admin project's.
        return self.json('GET', '/servers/detail',
                         params={'all_tenants': 1})['servers']

    def server(self, uuid):
        return self.json('GET', '/servers/%s' % uuid)['server']

    def action(self, uuid, name, expect=(202,)):
        """os-start / os-stop; the response."""
        return self.call('POST', '/servers/%s/action' % uuid,
                         json={name: None}, expect=expect)

    def instance_actions(self, uuid):
        return self.json('GET', '/servers/%s/os-instance-actions'
                         % uuid)['instanceActions']

    def services(self, **filters):
        return self.json('GET', '/os-services', params=filters)['services']

    def set_forced_down(self, host, forced_down):
        """PUT /os-services/{uuid} (2.53+), as the CLI does by default."""
        service, = self.services(host=host, binary='nova-compute')
        return self.json('PUT', '/os-services/%s' % service['id'],
                         json={'forced_down': forced_down})['service']

    def external_events(self, events):
        return self.json('POST', '/os-server-external-events',
                         json={'events': events}, expect=(200, 207))

    def versions(self):
        return self.call('GET', '/', expect=(200,))


class BaremetalClient(_Client):
    """The Bare Metal API (noauth) at a fixed microversion."""

    def __init__(self, url, microversion=BAREMETAL_MICROVERSION):
        session = ks_session.Session(auth=noauth.NoAuth(endpoint=url))
        super().__init__(adapter.Adapter(
            session, service_type='baremetal', endpoint_override=url,
            default_microversion=microversion))

    @classmethod
    def from_session(cls, session, region=None,
                     microversion=BAREMETAL_MICROVERSION):
        """The Bare Metal API the session's catalog names."""
        client = cls.__new__(cls)
        _Client.__init__(client, adapter.Adapter(
            session, service_type='baremetal', interface='public',
            region_name=region, default_microversion=microversion))
        return client

    def create_node(self, body):
        return self.json('POST', '/v1/nodes', json=body, expect=(201,))

    def nodes(self, fields=None):
        """Every node (following ``next`` links) with ``fields``."""
        params = {'limit': 1000}
        url = '/v1/nodes/detail'
        if fields:
            url = '/v1/nodes'
            params['fields'] = ','.join(fields)
        nodes = []
        while True:
            page = self.json('GET', url, params=params)
            nodes.extend(page['nodes'])
            if not page['nodes'] or 'next' not in page:
                return nodes
            params['marker'] = page['nodes'][-1]['uuid']

    def node(self, ident):
        return self.json('GET', '/v1/nodes/%s' % ident)

    def set_provision(self, ident, target, attempts=50):
        """PUT .../states/provision; a busy conductor (503) or a node
        locked for a moment (409) is asked again, as ironicclient does."""
        for _attempt in range(attempts):
            response = self.call('PUT', '/v1/nodes/%s/states/provision'
                                 % ident, json={'target': target},
                                 expect=(202, 409, 503))
            if response.status_code == 202:
                return response
            time.sleep(0.2)
        raise APIError('PUT', '/v1/nodes/%s/states/provision' % ident,
                       response)

    def set_power(self, ident, target):
        return self.call('PUT', '/v1/nodes/%s/states/power' % ident,
                         json={'target': target}, expect=(202,))
