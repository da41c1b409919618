import collections

import testtools

from baremetal_notifier.drivers import pacing

Creds = collections.namedtuple('Creds', 'address port')
Op = collections.namedtuple('Op', 'name creds')


class TestPacer(testtools.TestCase):

    def test_parks_ops_too_soon_for_their_bmc_only(self):
        pacer = pacing.Pacer(5.0)
        first = Op('a1', Creds('10.0.0.1', 623))
        again = Op('a2', Creds('10.0.0.1', 623))
        other = Op('b1', Creds('10.0.0.1', 624))
        self.assertFalse(pacer.hold(first, 100.0))
        self.assertTrue(pacer.hold(again, 101.0))
        self.assertFalse(pacer.hold(other, 101.0))
        self.assertEqual([], pacer.due(104.9))
        self.assertEqual([again], pacer.due(105.0))
        # Its time has come: it starts, and the interval runs from there.
        self.assertFalse(pacer.hold(again, 105.0))
        self.assertTrue(pacer.hold(first, 109.0))
        self.assertEqual([first], pacer.drain())
        self.assertEqual(0, len(pacer))

    def test_zero_is_off(self):
        pacer = pacing.Pacer(0)
        op = Op('a', Creds('h', 1))
        self.assertFalse(pacer.hold(op, 1.0))
        self.assertFalse(pacer.hold(op, 1.0))
