"""Who may do what to a node, settled by real Ironic 39 under Keystone.

Real Ironic 39 and baremetal-notifier run side by side behind the same
Keystone, with the same configuration that matters (auth_strategy =
keystone, Ironic's default policies, the service role elevated as a
cloud whose Nova uses it sets it). The system admin enrolls one node in
each; then every persona sends the same request to both, route by route,
and the two must answer alike: the same status, the same fault string
for a 403 or a 404 (the rule refused, or the node not found), and, for
lists, the same number of nodes. No entry is expected to
differ: a project-scoped caller who may not see a node gets Ironic's 404
(the node is looked up before any policy), a body Ironic refuses is a
400 before any policy, and a project's list holds the nodes it owns
(none: a node has no owner at this API's versions).

An operator's policy file, changed while both run, grants any reader
``baremetal:node:get`` and ``list_all`` on both sides: rita (a project
reader) then sees the node on both, and both still refuse her a power
action with the same 403.
"""

import json
import os
import time
import uuid

import fixtures
import requests
import testtools
from testtools import content

from powerbridge.stack import cloud as stack_cloud
from tests.fixtures import keystone as keystone_fixture
from tests.fixtures import real_ironic

PERSONAS = ('admin', 'system-admin', 'alice', 'rita', 'olga', 'sam',
            'none')
VERSION = {'X-OpenStack-Ironic-API-Version': '1.42',
           'Accept': 'application/json'}
NODE_NAME = 'matrix-node'
# A power or maintenance request may find the node locked by the other
# side's conductor work (Ironic's 409 NodeLocked after policy): asked
# again until this deadline.
LOCKED_SECONDS = 30
TIMEOUT = 600

# (route, body); {node} is the node's name, {missing} a random UUID. A
# route that once allowed changes nothing lasting, or is refused after
# the policy check (an invalid target), so that the order of personas
# does not matter. DELETE of the node itself is never sent as the
# system admin (it would be allowed).
ROUTES = [
    ('GET /v1/nodes', None),
    ('GET /v1/nodes/detail', None),
    ('GET /v1/nodes?fields=uuid,name', None),
    ('POST /v1/nodes', {'driver': 'ipmi', 'no_such_field': 1}),
    ('GET /v1/nodes/{node}', None),
    ('GET /v1/nodes/{missing}', None),
    ('PATCH /v1/nodes/{node}', [{'op': 'replace', 'path': '/name',
                                 'value': NODE_NAME}]),
    ('PATCH /v1/nodes/{node} extra', [{'op': 'add', 'path': '/extra/k',
                                       'value': 'v'}]),
    ('DELETE /v1/nodes/{missing}', None),
    ('DELETE /v1/nodes/{node}', None),
    ('GET /v1/nodes/{node}/states', None),
    ('PUT /v1/nodes/{node}/states/power', {'target': 'no such target'}),
    ('PUT /v1/nodes/{node}/states/provision',
     {'target': 'no such target'}),
    ('PUT /v1/nodes/{node}/maintenance', {'reason': 'matrix'}),
    ('DELETE /v1/nodes/{node}/maintenance', None),
    ('GET /v1/nodes/{node}/traits', None),
    ('PUT /v1/nodes/{node}/traits/CUSTOM_MATRIX', None),
    ('DELETE /v1/nodes/{node}/traits/CUSTOM_MATRIX', None),
]
NEVER_AS = {('DELETE /v1/nodes/{node}', 'system-admin')}
POLICY_FILE = ('"baremetal:node:get": "role:reader"\n'
               '"baremetal:node:list_all": "role:reader"\n')


def fault(response, node_uuid):
    """What is compared besides the status: a 403's or 404's faultstring
    (which names the rule or the node; the side's node UUID as <node>),
    or the number of nodes a list holds."""
    if response.status_code not in (200, 403, 404):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and 'nodes' in body:
        return '%d nodes' % len(body['nodes'])
    if isinstance(body, dict) and 'error_message' in body:
        try:
            text = json.loads(body['error_message'])['faultstring']
        except (TypeError, ValueError, KeyError):
            text = body['error_message']
        return text.replace(node_uuid, '<node>')
    return None


class TestRolesAgainstRealIronic(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # Keystone first: its first set-up is not this test's time.
        self.keystone = self.useFixture(keystone_fixture.Keystone()).server
        self.useFixture(fixtures.Timeout(TIMEOUT, gentle=True))
        self.cloud = stack_cloud.populate(self.keystone, {})
        tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(tmp, 'policy.yaml')
        with open(self.policy_file, 'w') as handle:
            handle.write('{}\n')
        policy = {'oslo_policy': {'policy_file': self.policy_file}}
        self.ironic = self.useFixture(real_ironic.RealIronic(
            extra=real_ironic.merge(real_ironic.keystone_sections(
                self.cloud, 'ironic', ironic=True), policy)))
        self.addOnException(lambda _: self.addDetail(
            'ironic-log', content.text_content(self.ironic.log[-20000:])))
        self.ours = self.useFixture(real_ironic.NotifierProcess(
            extra=real_ironic.merge(real_ironic.keystone_sections(
                self.cloud, 'ironic', ironic=False), policy)))
        self.tokens = {'system-admin': self.cloud.token('admin',
                                                        system_scope=True),
                       'admin': self.cloud.token('admin'), 'none': None}
        for user in ('alice', 'rita', 'olga', 'sam'):
            self.tokens[user] = self.cloud.token(user)

    def call(self, base, route, persona, body=None, names=None):
        method, path = route.split(' ')[:2]
        headers = dict(VERSION)
        if self.tokens[persona]:
            headers['X-Auth-Token'] = self.tokens[persona]
        deadline = time.monotonic() + LOCKED_SECONDS
        while True:
            response = requests.request(
                method, base + path.format(**(names or {})),
                headers=headers, json=body, timeout=60)
            if response.status_code != 409 or time.monotonic() > deadline:
                return response
            time.sleep(0.5)

    def enroll(self, side):
        response = self.call(side.url, 'POST /v1/nodes', 'system-admin', {
            'driver': 'ipmi', 'name': NODE_NAME,
            'driver_info': {'ipmi_address': '127.0.0.1',
                            'ipmi_port': 9}})
        self.assertEqual(201, response.status_code, response.text)
        side.node_uuid = response.json()['uuid']

    def matrix(self):
        """{(route, persona): (Ironic's answer, ours)} for every pair."""
        names = {'node': NODE_NAME, 'missing': str(uuid.uuid4())}
        answers = {}
        for route, body in ROUTES:
            for persona in PERSONAS:
                if (route, persona) in NEVER_AS:
                    continue
                answers[route, persona] = tuple(
                    (response.status_code, fault(response, side.node_uuid))
                    for side, response in (
                        (side, self.call(side.url, route, persona, body,
                                         names))
                        for side in (self.ironic, self.ours)))
        return answers

    def test_every_persona_every_node_route(self):
        for side in (self.ironic, self.ours):
            self.enroll(side)
        answers = self.matrix()
        self.addDetail('role-matrix', content.text_content(render(answers)))
        wrong = ['%s as %s: Ironic %s, ours %s' % (route, persona, *pair)
                 for (route, persona), pair in answers.items()
                 if pair[0] != pair[1]]
        self.assertEqual([], wrong)
        # What the matrix must have seen, lest both sides agree on
        # refusing everyone: the system admin and the elevated service
        # role reach the node, project users find none.
        for persona in ('system-admin', 'sam'):
            self.assertEqual((200, None), answers[
                'GET /v1/nodes/{node}/states', persona][1])
            self.assertEqual((200, '1 nodes'), answers[
                'GET /v1/nodes', persona][1])
        for persona in ('admin', 'alice', 'rita', 'olga'):
            self.assertEqual(404, answers[
                'PUT /v1/nodes/{node}/maintenance', persona][1][0])
            self.assertEqual((200, '0 nodes'), answers[
                'GET /v1/nodes', persona][1])

    def test_a_policy_file_override_under_keystone(self):
        for side in (self.ironic, self.ours):
            self.enroll(side)
        with open(self.policy_file, 'w') as handle:
            handle.write(POLICY_FILE)
        # A later mtime, so that a rewrite within the same second counts.
        later = time.time() + 2
        os.utime(self.policy_file, (later, later))
        names = {'node': NODE_NAME}
        for side in (self.ironic, self.ours):
            # oslo.policy rereads a changed file on the next check.
            shown = self.call(side.url, 'GET /v1/nodes/{node}', 'rita',
                              names=names)
            self.assertEqual(200, shown.status_code, shown.text)
            listed = self.call(side.url, 'GET /v1/nodes', 'rita')
            self.assertEqual('1 nodes', fault(listed, side.node_uuid))
            refused = self.call(side.url, 'PUT /v1/nodes/{node}/states/power',
                                'rita', {'target': 'power on'}, names)
            self.assertEqual(
                (403, 'Access was denied to the following resource: '
                      'baremetal:node:set_power_state'),
                (refused.status_code, fault(refused, side.node_uuid)))


def render(answers):
    """One line per route and persona: Ironic's answer, then ours."""
    return '\n'.join('%-50s %-12s %-45s %s' % (route, persona, *pair)
                     for (route, persona), pair in answers.items())
