"""The seed's race, replayed deterministically at every point of the sync.

The race (Ironic's release note for power-update): the instance is
STOPPED in the Compute DB, the hardware is turned ON out of band, and the
bare metal side has sent POWER_ON, which Nova has not applied yet. A sync
that read just before the event landed used to force the node OFF again.

Here the event is delivered through the real Compute API
(POST /os-server-external-events at 2.76, in-process WSGI, the whole
middleware stack) at each point of one instance's sync, in both
authority modes: every point on SQLite, the claim-deciding points on
PostgreSQL and MariaDB too.

The "hardware" is FakeIronic, a recording HTTP double of Ironic's node
API (tests/fixtures/ironic.py), not the real
baremetal-notifier: the test must decide exactly when each event lands,
and the real conductor would send its own events on its own schedule. The
double records every power call, so "the hardware was never forced" is a
plain assertion. Like Ironic's node_power_action, each power call queues
the power-update event the bare metal side would send for it.

The irreducible window: an event landing after the claim won (during the
power call, or between the call and the finish). It finds task_state
set and is a no-op by Nova's rules, so in 'compute' mode the stale
decision is carried out: the node is powered off and the instance ends
STOPPED. The two still agree at the end, and the sync's 'stop' action
shows who did it. The 'after_claim', 'during_power' and 'after_power'
scenarios pin that behaviour down.
"""

import json

import testscenarios
import testtools
import webob

from compute_ext.compute import power_sync
from compute_ext.compute import states
from compute_ext import deploy
from compute_ext import policy
from tests.fixtures import dbfixture
from tests.fixtures import ironic as fake

TAG_FOR_TARGET = {fake.POWER_ON: 'POWER_ON', fake.POWER_OFF: 'POWER_OFF'}
EXPECTED_FOR_HARDWARE = {fake.POWER_ON: (states.ACTIVE, states.RUNNING),
                         fake.POWER_OFF: (states.STOPPED, states.SHUTDOWN)}
# Where the in-flight POWER_ON lands, relative to the claim.
BEFORE_CLAIM = ('before_read', 'after_read', 'after_decide')
AFTER_CLAIM = ('after_claim', 'during_power', 'after_power', 'after_sync')
MODES = [('baremetal-mode', {'authority': 'baremetal'}),
         ('compute-mode', {'authority': 'compute'})]


class EventPipe:
    """power-update events sent by the bare metal side, not yet applied.

    Delivered in order, one per request, as Ironic sends them, through
    the Compute API's WSGI application.
    """

    def __init__(self, test, app):
        self.test = test
        self.app = app
        self.pending = []
        self.delivered = []

    def send(self, server_uuid, tag):
        self.pending.append((server_uuid, tag))

    def deliver_one(self, where=None):
        server_uuid, tag = self.pending.pop(0)
        body = {'events': [{'name': 'power-update', 'tag': tag,
                            'server_uuid': server_uuid}]}
        req = webob.Request.blank('/v2.1/os-server-external-events',
                                  method='POST',
                                  body=json.dumps(body).encode())
        req.content_type = 'application/json'
        req.headers['X-Auth-Token'] = 'admin:admin'
        req.headers['OpenStack-API-Version'] = 'compute 2.76'
        response = req.get_response(self.app)
        self.test.assertEqual(200, response.status_int, response.text)
        self.test.assertEqual(200, response.json['events'][0]['code'])
        self.delivered.append((tag, where))

    def flush(self):
        while self.pending:
            self.deliver_one('flush')


class TestSeedRace(testscenarios.WithScenarios, testtools.TestCase):

    # Every point on SQLite; on PostgreSQL and MariaDB the points whose
    # outcome hangs on the CAS (lost claim, won claim) to keep the suite
    # fast, since each test there creates and migrates a database.
    scenarios = (
        testscenarios.multiply_scenarios(
            [s for s in dbfixture.SCENARIOS if s[0] == 'sqlite'], MODES,
            [(p, {'point': p}) for p in ('no_event',) + BEFORE_CLAIM
             + AFTER_CLAIM])
        + testscenarios.multiply_scenarios(
            [s for s in dbfixture.SCENARIOS if s[0] != 'sqlite'], MODES,
            [(p, {'point': p}) for p in ('after_decide', 'after_claim')]))

    def setUp(self):
        super().setUp()
        if self.authority == 'baremetal' and self.point in (
                'during_power', 'after_power'):
            self.skipTest('baremetal mode makes no power call')
        self.w = self.useFixture(fake.AgentWorld(backend=self.backend))
        app = deploy.deploy(self.w.conf, self.w.db,
                            policy.Enforcer(self.w.conf))
        self.pipe = EventPipe(self, app)
        # The seed: STOPPED in the DB, hardware turned ON behind the
        # API's back, and the POWER_ON event on its way.
        self.inst = self.w.add_instance(states.STOPPED, states.SHUTDOWN,
                                        fake.POWER_OFF)
        self.w.ironic.set_power(self.inst.node, fake.POWER_ON)
        self.pipe.send(self.inst.uuid, 'POWER_ON')
        self.w.ironic.on_power = self._power_call

    def _power_call(self, node, target):
        if self.point == 'during_power':
            self.pipe.deliver_one('during_power')
        # What Ironic sends once its power action is done.
        self.pipe.send(self.inst.uuid, TAG_FOR_TARGET[target])

    def _deliver_in_flight(self, instance_uuid):
        self.assertEqual(self.inst.uuid, instance_uuid)
        self.pipe.deliver_one(self.point)

    def test_race(self):
        hooks = {}
        if self.point in power_sync.HOOK_POINTS:
            hooks[self.point] = self._deliver_in_flight
        syncer = power_sync.PowerSync(self.w.ctx, self.w.client, self.w.ring,
                                      self.w.runner, self.authority, 1,
                                      hooks=hooks)
        self.addCleanup(syncer.shutdown, wait=False)

        outcome = syncer.sync_instance(self.inst.uuid)
        if self.point == 'after_sync':
            self.pipe.deliver_one('after_sync')
        if self.point != 'no_event':
            # Not vacuous: the in-flight event landed where we meant.
            self.assertEqual(('POWER_ON', self.point), self.pipe.delivered[0])
        self.pipe.flush()

        hardware = self.w.ironic.power_state(self.inst.node)
        after = self.w.get(self.inst.uuid)
        # Whatever the interleaving, Compute ends agreeing with hardware.
        self.assertEqual(EXPECTED_FOR_HARDWARE[hardware],
                         (after.vm_state, after.power_state))
        self.assertIsNone(after.task_state)

        calls = self.w.ironic.power_calls
        if self.authority == 'baremetal' or self.point in BEFORE_CLAIM:
            # Never forced to the stale state.
            self.assertEqual([], calls)
            self.assertEqual(fake.POWER_ON, hardware)
        else:
            # The claim won before the event: Nova's force_stop, once.
            self.assertEqual([(self.inst.node, fake.POWER_OFF)], calls)
            self.assertEqual(fake.POWER_OFF, hardware)
        self.assertEqual(self._expected_outcome(), outcome)

    def _expected_outcome(self):
        if self.point == 'before_read':
            return 'in-sync'
        if self.point in BEFORE_CLAIM:
            return 'lost'
        return 'recorded' if self.authority == 'baremetal' else 'forced'
