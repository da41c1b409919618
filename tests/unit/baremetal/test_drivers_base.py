"""BmcTarget, PowerReading and the action helpers."""

import testtools

from baremetal_notifier.drivers import base

SECRET = 'S3cr3t-pw'


class TestBmcTarget(testtools.TestCase):

    def _info(self, **extra):
        info = {'ipmi_address': '10.0.0.5', 'ipmi_port': 6230,
                'ipmi_username': 'admin', 'ipmi_password': SECRET}
        info.update(extra)
        return info

    def test_from_driver_info(self):
        target = base.BmcTarget.from_driver_info('uuid-1', self._info())
        self.assertEqual(('uuid-1', '10.0.0.5', 6230, 'admin', SECRET),
                         (target.key, target.address, target.port,
                          target.username, target.password))

    def test_defaults(self):
        target = base.BmcTarget.from_driver_info(
            'uuid-1', {'ipmi_address': 'bmc.example.com'})
        self.assertEqual(623, target.port)
        self.assertEqual('', target.username)
        self.assertEqual('', target.password)

    def test_port_as_string(self):
        target = base.BmcTarget.from_driver_info(
            'uuid-1', self._info(ipmi_port='6231'))
        self.assertEqual(6231, target.port)

    def test_password_not_in_repr_or_str(self):
        target = base.BmcTarget.from_driver_info('uuid-1', self._info())
        self.assertNotIn(SECRET, repr(target))
        self.assertNotIn(SECRET, str(target))
        self.assertIn('10.0.0.5', repr(target))

    def test_frozen(self):
        target = base.BmcTarget('k', '10.0.0.5')
        self.assertRaises(AttributeError, setattr, target, 'port', 1)

    def _assert_invalid(self, info, expected):
        exc = self.assertRaises(base.InvalidDriverInfo,
                                base.BmcTarget.from_driver_info, 'uuid-1',
                                info)
        self.assertIsInstance(exc, ValueError)
        self.assertIn(expected, str(exc))
        self.assertIn('uuid-1', str(exc))
        self.assertNotIn(SECRET, str(exc))
        self.assertNotIn(SECRET, repr(exc))
        return exc

    def test_missing_address(self):
        self._assert_invalid({'ipmi_password': SECRET}, 'ipmi_address')

    def test_blank_address(self):
        self._assert_invalid(self._info(ipmi_address='  '), 'ipmi_address')

    def test_bad_ports(self):
        for port in ('abc', [1], True, 0, 70000, -1):
            self._assert_invalid(self._info(ipmi_port=port), 'ipmi_port')

    def test_password_not_text(self):
        exc = self._assert_invalid(self._info(ipmi_password=12345),
                                   'ipmi_password')
        self.assertNotIn('12345', str(exc))

    def test_password_too_long(self):
        long_secret = SECRET * 4
        exc = self._assert_invalid(self._info(ipmi_password=long_secret),
                                   'ipmi_password')
        self.assertNotIn(long_secret, str(exc))

    def test_username_too_long(self):
        self._assert_invalid(self._info(ipmi_username='u' * 17),
                             'ipmi_username')

    def test_driver_info_not_a_mapping(self):
        self._assert_invalid(['ipmi_address'], 'driver_info')


class TestReadingsAndActions(testtools.TestCase):

    def test_readings(self):
        self.assertEqual(base.PowerReading(base.POWER_ON, None),
                         base.PowerReading.ok(base.POWER_ON))
        self.assertEqual(base.PowerReading(None, 'boom'),
                         base.PowerReading.failed('boom'))

    def test_ironic_strings(self):
        self.assertEqual('power on', base.POWER_ON)
        self.assertEqual('power off', base.POWER_OFF)
        self.assertEqual('rebooting', base.REBOOT)

    def test_check_action(self):
        for action in (base.POWER_ON, base.POWER_OFF, base.REBOOT):
            self.assertEqual(action, base.check_action(action))
        self.assertRaises(ValueError, base.check_action, 'on')

    def test_expected_state(self):
        self.assertEqual(base.POWER_ON, base.expected_state(base.REBOOT))
        self.assertEqual(base.POWER_OFF,
                         base.expected_state(base.SOFT_POWER_OFF))
