"""Pure parts of the notifier: answer classification and backoff."""

import random
import uuid

import testtools

from baremetal_notifier.notifier import compute
from baremetal_notifier.notifier import outbox


def _events(n, tag='POWER_ON'):
    return [compute.power_update_event(str(uuid.uuid4()), tag)
            for _ in range(n)]


def _echo(events, codes):
    return {'events': [dict(e, code=c, status='completed' if c == 200
                            else 'failed')
                       for e, c in zip(events, codes, strict=True)]}


class TestClassifyEvents(testtools.TestCase):

    def test_nova_codes(self):
        events = _events(4)
        outcomes = compute.classify_events(
            events, _echo(events, [200, 404, 422, 400]))
        self.assertEqual([compute.DELIVERED] + [compute.UNDELIVERABLE] * 3,
                         [o.kind for o in outcomes])
        self.assertIsNone(outcomes[0].reason)
        self.assertIn(events[1]['server_uuid'], outcomes[1].reason)

    def test_tag_may_be_left_out_of_the_answer(self):
        events = _events(1)
        body = _echo(events, [200])
        del body['events'][0]['tag']
        self.assertEqual([compute.DELIVERED],
                         [o.kind for o in
                          compute.classify_events(events, body)])

    def test_answers_that_do_not_line_up(self):
        events = _events(2)
        good = _echo(events, [200, 200])
        swapped = {'events': list(reversed(good['events']))}
        other_tag = _echo(_events(2, 'POWER_OFF'), [200, 200])
        for body in (None, [], {}, {'events': None}, {'events': {}},
                     {'events': good['events'][:1]}, swapped, other_tag,
                     {'events': [dict(e, code=None)
                                 for e in good['events']]},
                     {'events': ['x', 'y']}):
            self.assertIsNone(compute.classify_events(events, body), body)

    def test_unknown_code_is_retried(self):
        events = _events(1)
        (outcome,) = compute.classify_events(events, _echo(events, [409]))
        self.assertEqual(compute.RETRY, outcome.kind)


class TestBackoff(testtools.TestCase):

    def test_capped_exponential_full_jitter(self):
        rng = random.Random(1)
        for attempts, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0),
                                  (500, 30.0)):
            delays = [outbox.backoff_delay(attempts, 1.0, 30.0, rng)
                      for _ in range(200)]
            self.assertTrue(all(0 <= d <= ceiling for d in delays))
            # Full jitter spreads over the whole range, not near the top.
            self.assertLess(min(delays), ceiling * 0.1)
            self.assertGreater(max(delays), ceiling * 0.9)
