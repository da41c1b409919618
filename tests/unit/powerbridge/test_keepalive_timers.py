"""KeepaliveTimers: a plain dict but for a walk that costs what is due."""

import random

import testtools

from powerbridge import keepalive_timers


class Clock:

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def pyghmi_walks(timers, curtime):
    """What pyghmi's event loop reads from its keepalive dict: the wait
    (from the earliest timer) and the sessions due (timeout < curtime)."""
    timeout = None
    for _session, parms in timers.items():
        if parms['timeout'] <= curtime:
            timeout = 0
            break
        if timeout is not None and timeout < parms['timeout'] - curtime:
            continue
        timeout = parms['timeout'] - curtime
    due = sorted(s for s, parms in timers.items()
                 if parms['timeout'] < curtime)
    return timeout, due


class TestKeepaliveTimers(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = Clock()
        self.timers = keepalive_timers.KeepaliveTimers(self.clock)

    def add(self, key, when):
        # As pyghmi registers a session: an empty dict, then its fields.
        self.timers[key] = {}
        self.timers[key]['ipmisession'] = key
        self.timers[key]['timeout'] = when

    def test_items_are_the_due_ones_and_the_earliest_other(self):
        for key, when in (('a', 130), ('b', 99), ('c', 120), ('d', 98)):
            self.add(key, when)
        self.assertEqual(['b', 'd', 'c'],
                         sorted(k for k, _ in self.timers.items()[:2])
                         + [self.timers.items()[-1][0]])
        # Everything else is a plain dict.
        self.assertEqual(4, len(self.timers))
        self.assertEqual({'a', 'b', 'c', 'd'}, set(self.timers))
        self.assertEqual(130, self.timers['a']['timeout'])

    def test_timers_moved_in_place_are_seen(self):
        self.add('a', 110)
        self.add('b', 120)
        self.timers['a']['timeout'] = 150  # as send_payload does
        self.assertEqual(['b'], [k for k, _ in self.timers.items()])
        self.clock.now = 125
        self.assertEqual(['b', 'a'], [k for k, _ in self.timers.items()])
        self.timers['b']['timeout'] = 155
        self.assertEqual(['a'], [k for k, _ in self.timers.items()])

    def test_removed_keys_are_gone_from_the_walk(self):
        self.add('a', 90)
        self.add('b', 95)
        self.add('c', 200)
        self.timers.pop('a', None)
        del self.timers['b']
        self.assertEqual(['c'], [k for k, _ in self.timers.items()])
        self.timers.pop('missing', None)
        self.timers.clear()
        self.assertEqual([], self.timers.items())

    def test_a_key_added_again_has_one_entry(self):
        for when in (90, 95, 99):
            self.add('a', when)
        self.assertEqual(['a'], [k for k, _ in self.timers.items()])

    def test_an_existing_dict_is_taken_over(self):
        timers = keepalive_timers.KeepaliveTimers(
            self.clock, {'a': {'timeout': 50}, 'b': {'timeout': 500}})
        self.assertEqual(['a', 'b'], [k for k, _ in timers.items()])

    def test_same_answers_as_a_plain_dict_over_a_random_run(self):
        """pyghmi's two walks read the same from this as from a dict, while
        sessions come, go, send (timer later) and get keepalives."""
        rnd = random.Random(7)
        plain = {}
        for step in range(3000):
            self.clock.now += rnd.random()
            key = rnd.randrange(200)
            roll = rnd.random()
            if roll < 0.3:
                when = self.clock.now + rnd.random() * 30
                for mapping in (plain, self.timers):
                    mapping[key] = {}
                    mapping[key]['timeout'] = when
            elif roll < 0.4:
                for mapping in (plain, self.timers):
                    mapping.pop(key, None)
            elif roll < 0.7 and key in plain:
                later = self.clock.now + 25 + rnd.random() * 4
                later = max(later, plain[key]['timeout'])
                plain[key]['timeout'] = self.timers[key]['timeout'] = later
            curtime = self.clock.now - rnd.random() * 0.001
            expected = pyghmi_walks(plain, curtime)
            self.assertEqual(expected, pyghmi_walks(self.timers, curtime),
                             'step %d' % step)
            # pyghmi's loop then moves the due timers.
            for key in expected[1]:
                later = self.clock.now + 29
                plain[key]['timeout'] = self.timers[key]['timeout'] = later

    def test_the_walk_does_not_grow_with_the_sessions(self):
        for key in range(10000):
            self.add(key, 200 + key)
        self.timers.items()  # settles the new entries once
        self.assertEqual(1, len(self.timers.items()))
        self.clock.now = 205.5
        self.assertEqual(list(range(6)) + [6],
                         [k for k, _ in self.timers.items()])
