"""What the differential comparison with real Ironic counts as a
difference (tests/fixtures/ironic_diff.py), on hand-made answers."""

import json

import testtools

from tests.fixtures import ironic_diff
from tests.fixtures.ironic_diff import KeyDiff

NODE = 'f3c1d2e4-0000-4000-8000-000000000001'


def answer(status, body=None, **headers):
    raw = b'' if body is None else json.dumps(body).encode()
    return status, headers, raw


def ironic_error(**inner):
    return {'error_message': json.dumps(inner)}


class TestCompare(testtools.TestCase):

    def test_same_shape_other_values_is_no_difference(self):
        ironic = answer(200, {'uuid': NODE, 'links': [{'href': 'http://a'}],
                              'created_at': 't1'},
                        **{ironic_diff.MAX: '1.115'})
        ours = answer(200, {'uuid': NODE, 'links': [{'href': 'http://b'}],
                            'created_at': 't2'},
                      **{ironic_diff.MAX: '1.42'})
        self.assertEqual([], ironic_diff.compare('r', ironic, ours))

    def test_status_and_negotiated_version(self):
        found = ironic_diff.compare(
            'r', answer(200, {}, **{ironic_diff.CURRENT: '1.1'}),
            answer(400, {}))
        self.assertEqual(
            [('r', 'status', 'ironic 200, ours 400'),
             ('r', 'version headers',
              'X-OpenStack-Ironic-API-Version: ironic 1.1, ours None')],
            [tuple(d) for d in found])

    def test_error_message_string_is_opened(self):
        found = ironic_diff.compare(
            'r', answer(404, ironic_error(code=404, title='Not Found',
                                          description='x')),
            answer(404, ironic_error(faultstring='x', faultcode='Client',
                                     debuginfo=None)))
        self.assertEqual(
            [KeyDiff(frozenset({'error_message.code', 'error_message.title',
                                'error_message.description'}),
                     frozenset({'error_message.faultstring',
                                'error_message.faultcode',
                                'error_message.debuginfo'}))],
            [d.detail for d in found])

    def test_data_fields_are_not_walked(self):
        found = ironic_diff.compare(
            'r', answer(200, {'driver_info': {'ipmi_port': 1}}),
            answer(200, {'driver_info': {'ipmi_terminal_port': 2}}))
        self.assertEqual([], found)

    def test_lifecycle_values_by_node(self):
        other = 'f3c1d2e4-0000-4000-8000-000000000002'
        found = ironic_diff.compare(
            'r', answer(200, {'nodes': [
                {'uuid': other, 'provision_state': 'available'},
                {'uuid': NODE, 'provision_state': 'enroll'}]}),
            answer(200, {'nodes': [
                {'uuid': NODE, 'provision_state': 'available'},
                {'uuid': other, 'provision_state': 'available'}]}))
        self.assertEqual(
            ['nodes[%s].provision_state: ironic enroll, ours available'
             % NODE], [d.detail for d in found])

    def test_body_kinds(self):
        found = ironic_diff.compare(
            'r', answer(202), (202, {'Content-Type': 'text/html'}, b'<p>'))
        self.assertEqual(['ironic empty, ours non-JSON text/html'],
                         [d.detail for d in found])
