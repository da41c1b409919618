"""The role matrix with real Keystone tokens on every route of both APIs.

Personas: the cloud admin (project admin), the admin with a system-scoped
token, alice (member of demo, which owns the instances), rita (reader of
demo), olga (member of other), sam (only the service role, in project
service), an expired token (from an application credential that expired),
a revoked token, and no token. Every request is one that, once allowed,
changes nothing lasting (or is refused after the policy check: a 404, a
409, a 400), so the table reads the policy decision alone.

The expected statuses follow Nova 34's and Ironic 39's policy defaults:
os-services is ``rule:context_is_admin``; external events are
``rule:service_or_admin``; servers and instance actions are
``project_reader_or_admin`` / ``project_member_or_admin``, and a server of
another project is not found (Nova's project filter) before any policy;
Ironic's node rules want a system-scoped role or the service role in the
service project (elevated, as the stack configures it), and hide unowned
nodes from project-scoped users (an empty list, a 404, whatever the
route's own rule). tests/e2e/test_keystone_ironic_roles.py settles the
Bare Metal rows against real Ironic 39 under the same Keystone.
"""

import datetime
import time
import uuid

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import requests
from testtools import content

from tests.e2e import keystone_base

PERSONAS = ('admin', 'system-admin', 'alice', 'rita', 'olga', 'sam',
            'expired', 'revoked', 'none')
# Seconds the expired persona's application credential lives.
EXPIRING_IN = 3

# route -> expected status per persona, in PERSONAS order.
_UNAUTH = (401, 401, 401)
COMPUTE = [
    ('GET /os-services', (200, 403, 403, 403, 403, 403) + _UNAUTH),
    ('PUT /os-services/{service}', (200, 403, 403, 403, 403, 403)
     + _UNAUTH),
    ('DELETE /os-services/{missing}', (404, 403, 403, 403, 403, 403)
     + _UNAUTH),
    ('POST /os-server-external-events', (200, 403, 403, 403, 403, 200)
     + _UNAUTH),
    ('GET /servers', (200, 403, 200, 200, 200, 403) + _UNAUTH),
    ('GET /servers/detail', (200, 403, 200, 200, 200, 403) + _UNAUTH),
    ('GET /servers/{server}', (200, 403, 200, 200, 404, 403) + _UNAUTH),
    ('POST /servers/{server}/action', (409, 403, 409, 403, 404, 403)
     + _UNAUTH),
    ('GET /servers/{server}/os-instance-actions',
     (200, 403, 200, 200, 404, 403) + _UNAUTH),
    ('GET /servers/{server}/os-instance-actions/{request}',
     (200, 403, 200, 200, 404, 403) + _UNAUTH),
]
BAREMETAL = [
    ('GET /v1/nodes', (200, 200, 200, 200, 200, 200) + _UNAUTH),
    ('GET /v1/nodes/detail', (200, 200, 200, 200, 200, 200) + _UNAUTH),
    # The body is checked before any policy, as in Ironic.
    ('POST /v1/nodes', (400, 400, 400, 400, 400, 400) + _UNAUTH),
    ('GET /v1/nodes/{node}', (404, 200, 404, 404, 404, 200) + _UNAUTH),
    ('PATCH /v1/nodes/{node}', (404, 200, 404, 404, 404, 200) + _UNAUTH),
    # The node is looked up before any policy, as in Ironic.
    ('DELETE /v1/nodes/{missing}', (404, 404, 404, 404, 404, 404)
     + _UNAUTH),
    ('GET /v1/nodes/{node}/states', (404, 200, 404, 404, 404, 200)
     + _UNAUTH),
    ('PUT /v1/nodes/{node}/states/power', (404, 202, 404, 404, 404, 202)
     + _UNAUTH),
    ('PUT /v1/nodes/{node}/maintenance', (404, 202, 404, 404, 404, 202)
     + _UNAUTH),
    ('DELETE /v1/nodes/{node}/maintenance',
     (404, 202, 404, 404, 404, 202) + _UNAUTH),
]
# A power request right after another finds the node locked: Ironic's
# 409 NodeLocked, after the policy allowed it; asked again.
LOCKED_RETRIES = 20


class TestRoleMatrix(keystone_base.KeystoneStackTestCase):

    def expiring_token(self, cloud):
        """A token of alice's that dies with its application credential
        ``EXPIRING_IN`` seconds from now; (token, expiry)."""
        session = cloud.session('alice')
        expires = (datetime.datetime.now(datetime.timezone.utc)
                   + datetime.timedelta(seconds=EXPIRING_IN))
        created = session.post(
            '%s/users/%s/application_credentials'
            % (cloud.auth_url, cloud.user_ids['alice']),
            json={'application_credential': {
                'name': 'expiring-%s' % uuid.uuid4().hex[:8],
                'expires_at': expires.strftime('%Y-%m-%dT%H:%M:%S')}}
        ).json()['application_credential']
        token = ks_session.Session(auth=v3.ApplicationCredential(
            auth_url=cloud.auth_url,
            application_credential_id=created['id'],
            application_credential_secret=created['secret'])).get_token()
        return token, time.monotonic() + EXPIRING_IN

    def revoked_token(self, cloud):
        """A token of alice's, revoked before any service saw it."""
        session = cloud.session('alice')
        token = session.get_token()
        session.delete(cloud.auth_url + '/auth/tokens',
                       headers={'X-Subject-Token': token})
        return token

    def tokens(self, cloud):
        tokens = {'admin': cloud.token('admin'),
                  'system-admin': cloud.token('admin', system_scope=True),
                  'none': None}
        for user in ('alice', 'rita', 'olga', 'sam'):
            tokens[user] = cloud.token(user)
        tokens['expired'], expiry = self.expiring_token(cloud)
        tokens['revoked'] = self.revoked_token(cloud)
        time.sleep(max(0.0, expiry - time.monotonic()) + 1.0)
        return tokens

    def call(self, base, route, token, version_header, bodies, names):
        method, path = route.split(' ', 1)
        headers = dict(version_header, Accept='application/json')
        if token:
            headers['X-Auth-Token'] = token
        for _ in range(LOCKED_RETRIES):
            response = requests.request(
                method, base + path.format(**names), headers=headers,
                json=bodies.get(route), timeout=60)
            # A node is locked (409) while an earlier power action runs.
            if response.status_code != 409 or not (
                    '/states/' in path or path.endswith('/maintenance')):
                break
            time.sleep(0.5)
        return response.status_code

    def run_matrix(self, base, routes, tokens, version_header, bodies,
                   names):
        observed = {}
        for route, _ in routes:
            observed[route] = tuple(
                self.call(base, route, tokens[persona], version_header,
                          bodies, names) for persona in PERSONAS)
        return observed

    def test_every_route_every_persona(self):
        stack = self.start_cloud()
        cloud = self.cloud
        tokens = self.tokens(cloud)
        node = stack.nodes[0]
        service = stack.services()['compute-1']
        create_request = self.stack.compute.instance_actions(
            node.instance_uuid)[-1]['request_id']
        names = {'service': service['id'], 'missing': str(uuid.uuid4()),
                 'server': node.instance_uuid, 'request': create_request,
                 'node': node.uuid}
        compute_bodies = {
            'PUT /os-services/{service}': {'status': 'enabled'},
            'POST /os-server-external-events': {'events': [{
                'name': 'power-update', 'server_uuid': node.instance_uuid,
                'tag': 'POWER_ON'}]},
            'POST /servers/{server}/action': {'os-start': None}}
        baremetal_bodies = {
            'POST /v1/nodes': {'driver': 'ipmi', 'no_such_field': 1},
            'PATCH /v1/nodes/{node}': [{'op': 'replace', 'path': '/name',
                                        'value': node.name}],
            'PUT /v1/nodes/{node}/states/power': {'target': 'power on'},
            'PUT /v1/nodes/{node}/maintenance': {'reason': 'matrix'}}
        observed = self.run_matrix(
            stack.layout.compute_url, COMPUTE, tokens,
            {'OpenStack-API-Version': 'compute 2.76'}, compute_bodies,
            names)
        observed.update(self.run_matrix(
            stack.layout.baremetal_url, BAREMETAL, tokens,
            {'X-OpenStack-Ironic-API-Version': '1.42'}, baremetal_bodies,
            names))
        table = render(observed)
        self.addDetail('role-matrix', content.text_content(table))
        expected = dict(COMPUTE + BAREMETAL)
        wrong = ['%s as %s: %s, expected %s' % (route, persona, got, want)
                 for route, row in observed.items()
                 for persona, got, want in zip(PERSONAS, row,
                                               expected[route], strict=True)
                 if got != want]
        self.assertEqual([], wrong, table)


def render(observed):
    """The matrix as text: one row per route, one column per persona."""
    width = max(len(route) for route in observed)
    lines = ['%-*s %s' % (width, 'route', ' '.join(
        '%-7s' % p[:7] for p in PERSONAS))]
    for route, row in observed.items():
        lines.append('%-*s %s' % (width, route, ' '.join(
            '%-7s' % status for status in row)))
    return '\n'.join(lines)
