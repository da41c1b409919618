"""The keys of a node, its states and a list item at every version served
are those Ironic 39 returns at that version.

ironic39_node_keys.json was recorded from a real Ironic 39.0.0 (all-in-one
``ironic`` on SQLite, noauth) for a node of the ``fake-hardware`` type, by
GET /v1/nodes/{uuid}, GET /v1/nodes/{uuid}/states and GET /v1/nodes at
each version from 1.1 to 1.42.
"""

import json
import os

import testtools
import webob

from baremetal_notifier import microversion
from tests.fixtures import baremetal

RECORDED = os.path.join(os.path.dirname(__file__), 'ironic39_node_keys.json')


class KeysPerVersion(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(baremetal.BaremetalAPI())
        self.node = baremetal.add_node(self.api.ctx, 'node-0')
        with open(RECORDED) as f:
            self.ironic = json.load(f)

    def keys(self, path, version):
        req = webob.Request.blank('http://127.0.0.1:6385' + path)
        req.headers['X-OpenStack-Ironic-API-Version'] = version
        response = req.get_response(self.api.app)
        self.assertEqual(200, response.status_int, (path, version))
        return response.json

    def test_every_version_served_was_recorded(self):
        self.assertEqual(microversion.VERSIONS,
                         sorted(self.ironic['node'],
                                key=lambda v: int(v.split('.')[1])))

    def test_node_states_and_list_keys(self):
        for version in microversion.VERSIONS:
            node = self.keys('/v1/nodes/' + self.node.uuid, version)
            self.assertEqual(self.ironic['node'][version], sorted(node),
                             'node at %s' % version)
            states = self.keys('/v1/nodes/%s/states' % self.node.uuid,
                               version)
            self.assertEqual(self.ironic['states'][version], sorted(states),
                             'states at %s' % version)
            item = self.keys('/v1/nodes', version)['nodes'][0]
            self.assertEqual(self.ironic['list_item'][version], sorted(item),
                             'list item at %s' % version)
