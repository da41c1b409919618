"""The IPMI engine's state machine, with fake pyghmi sessions.

The engine runs in the pyghmi loop thread in production; here the test is
the loop: it calls dispatch()/process() with a clock it controls and plays
the BMC by completing logins and answering commands.
"""

import collections

import fixtures
import testtools

from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import ipmi
from baremetal_notifier.drivers import ipmi_engine
from baremetal_notifier.drivers import ipmi_ops
from powerbridge import pyghmi_compat

SECRET = b'S3cr3t-pw'


class FakeSession:
    """Just enough of pyghmi's Session for the engine."""

    def __init__(self, bmc, userid, password, port=623, onlogon=None):
        self.bmc, self.port = bmc, port
        self.userid, self.password = userid, password
        self.onlogon = onlogon
        self.logged = 0
        self.logging = True
        self.broken = False
        self.incommand = False
        self.evq = collections.deque()
        self.callback = None
        self.sent = []

    def _isincommand(self):
        return bool(self.incommand)

    def raw_command(self, netfn, command, data=(), callback=None):
        self.incommand = True
        self.sent.append((netfn, command, tuple(data)))
        self.callback = callback

    def _mark_broken(self):
        self.broken = True
        self.logging = False

    # The BMC's side.
    def login_ok(self):
        self.logging, self.logged = False, 1
        self.onlogon({'success': True})

    def login_error(self, error):
        self.logging = False
        self.broken = True
        self.onlogon({'error': error})

    def answer(self, code=0, data=(1, 0, 0)):
        self.callback({'netfn': 1, 'command': 1, 'code': code,
                       'data': bytearray(data)})


class EngineTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.sessions = []

        def factory(*args, **kwargs):
            sess = FakeSession(*args, **kwargs)
            self.sessions.append(sess)
            return sess

        self.useFixture(fixtures.MockPatchObject(
            pyghmi_compat, 'AsyncLoginSession', side_effect=factory))
        self.engine = ipmi_engine.IpmiEngine(login_timeout=6,
                                             command_timeout=4, window=8)
        self.results = {}
        self.now = 100.0

    def op(self, key='n1', port=6230, deadline=60, attempts=3,
           password=SECRET):
        creds = ipmi_ops.Creds('127.0.0.1', port, b'admin', password)

        def done(op, value, error):
            self.results[op.key] = (value, error)

        return ipmi_ops.Op(key, creds, 'Get Chassis Status', 0, 1, (),
                              ipmi.parse_chassis_status, done,
                              self.now + deadline, attempts)

    def tick(self, advance=0.0):
        self.engine.dispatch(self.now)
        self.now += advance
        self.engine.process(self.now)

    def test_login_then_query_then_reuse(self):
        self.engine.submit([self.op()])
        self.tick()
        sess, = self.sessions
        self.assertEqual((b'admin', SECRET, 6230),
                         (sess.userid, sess.password, sess.port))
        sess.login_ok()
        self.tick()
        self.assertEqual([(0, 1, ())], sess.sent)
        sess.answer(data=(0x01, 0, 0))
        self.tick()
        self.assertEqual({'n1': (base.POWER_ON, None)}, self.results)
        self.assertFalse(sess.incommand)
        # Warm: the next op goes straight to the same session.
        self.engine.submit([self.op()])
        self.tick()
        self.assertEqual(1, len(self.sessions))
        sess.answer(data=(0x00, 0, 0))
        self.tick()
        self.assertEqual((base.POWER_OFF, None), self.results['n1'])

    def test_login_timeouts_retry_then_fail(self):
        self.engine.submit([self.op(attempts=3)])
        for _ in range(3):
            self.tick()
            self.tick(advance=6.1)
        self.assertEqual(3, len(self.sessions))
        self.assertTrue(all(s.broken for s in self.sessions))
        value, error = self.results['n1']
        self.assertIsNone(value)
        self.assertIn('login timed out', error)
        self.assertIn('after 3 attempts', error)

    def test_wrong_password_is_not_retried(self):
        self.engine.submit([self.op(password=b'wrong')])
        self.tick()
        self.sessions[0].login_error('Incorrect password provided')
        self.tick()
        self.assertEqual(1, len(self.sessions))
        self.assertEqual((None, 'login failed: Incorrect password provided'),
                         self.results['n1'])

    def test_lost_reply_breaks_session_and_retries(self):
        self.engine.submit([self.op()])
        self.tick()
        self.sessions[0].login_ok()
        self.tick()
        self.tick(advance=4.1)  # no answer within command_timeout
        self.assertTrue(self.sessions[0].broken)
        self.tick()
        self.sessions[1].login_ok()
        self.tick()
        # A late answer on the abandoned session is ignored.
        self.sessions[0].answer(data=(0, 0, 0))
        self.sessions[1].answer(data=(1, 0, 0))
        self.tick()
        self.assertEqual((base.POWER_ON, None), self.results['n1'])

    def test_completion_code_error_keeps_session(self):
        self.engine.submit([self.op()])
        self.tick()
        self.sessions[0].login_ok()
        self.tick()
        self.sessions[0].answer(code=0xc1)
        self.tick()
        value, error = self.results['n1']
        self.assertIsNone(value)
        self.assertIn('Get Chassis Status failed', error)
        self.assertFalse(self.sessions[0].broken)

    def test_deadline_reached_while_waiting_for_window(self):
        self.engine.window = 1
        self.engine.submit([self.op('hung', port=1, deadline=60),
                            self.op('queued', port=2, deadline=2)])
        self.tick()
        self.assertEqual(1, len(self.sessions))
        self.tick(advance=2.1)
        self.assertEqual((None, 'deadline exceeded before the BMC could be '
                                'asked'), self.results['queued'])
        self.assertNotIn('hung', self.results)

    def test_overall_deadline_cuts_retries(self):
        self.engine.submit([self.op(deadline=7, attempts=3)])
        self.tick()
        self.tick(advance=6.1)
        self.tick()
        self.tick(advance=1.0)
        value, error = self.results['n1']
        self.assertIn('deadline exceeded', error)
        self.assertIn('login timed out', error)

    def test_one_op_per_node(self):
        self.engine.submit([self.op(), self.op()])
        self.tick()
        sess, = self.sessions
        sess.login_ok()
        self.tick()
        self.assertEqual(1, len(sess.sent))
        sess.answer()
        self.tick()
        self.tick()  # the second op starts at the next dispatch
        self.assertEqual(2, len(sess.sent))

    def test_new_credentials_replace_session(self):
        self.engine.submit([self.op()])
        self.tick()
        self.sessions[0].login_ok()
        self.tick()
        self.sessions[0].answer()
        self.tick()
        self.engine.submit([self.op(password=b'new-secret')])
        self.tick()
        self.assertTrue(self.sessions[0].broken)
        self.assertEqual(b'new-secret', self.sessions[1].password)

    def test_forget_and_shutdown(self):
        self.engine.submit([self.op('a'), self.op('b')])
        self.tick()
        self.engine.forget('a')
        self.assertTrue(self.sessions[0].broken)
        self.engine.shutdown()
        self.assertTrue(all(s.broken for s in self.sessions))
        self.assertIn('stopped', self.results['b'][1])

    def test_no_password_in_reprs(self):
        op = self.op()
        self.assertNotIn('S3cr3t', repr(op))
        self.assertNotIn('S3cr3t', repr(op.creds))
        self.assertNotIn('S3cr3t', str(op.creds))


class DriverUnitTest(testtools.TestCase):

    def test_parse_chassis_status(self):
        self.assertEqual(base.POWER_ON, ipmi.parse_chassis_status(b'\x41'))
        self.assertEqual(base.POWER_OFF, ipmi.parse_chassis_status(b'\x40'))
        self.assertRaises(ValueError, ipmi.parse_chassis_status, b'')

    def test_not_started(self):
        driver = ipmi.IPMIPowerDriver()
        target = base.BmcTarget('k', '127.0.0.1')
        self.assertRaises(base.DriverError, driver.get_power_states,
                          [target], 1)

    def test_bad_action(self):
        driver = ipmi.IPMIPowerDriver()
        self.assertRaises(ValueError, driver.set_power_state,
                          base.BmcTarget('k', '127.0.0.1'), 'explode', 1)

    def test_bad_parameters(self):
        self.assertRaises(ValueError, ipmi.IPMIPowerDriver, attempts=0)
        self.assertRaises(ValueError, ipmi.IPMIPowerDriver, window=0)

    def test_unresolvable_address_message(self):
        driver = ipmi.IPMIPowerDriver()
        target = base.BmcTarget('k', 'no-such-host.invalid',
                                password='S3cr3t')
        exc = self.assertRaises(base.DriverError, driver._creds, target)
        self.assertIn('no-such-host.invalid', str(exc))
        self.assertNotIn('S3cr3t', str(exc))

    def test_credentials_are_built_once_per_target(self):
        driver = ipmi.IPMIPowerDriver()
        target = base.BmcTarget('k', '127.0.0.1', 6230, 'admin', 'pw')
        creds = driver._creds(target)
        self.assertIs(creds, driver._creds(
            base.BmcTarget('k', '127.0.0.1', 6230, 'admin', 'pw')))
        changed = driver._creds(
            base.BmcTarget('k', '127.0.0.1', 6230, 'admin', 'new'))
        self.assertEqual((b'pw', b'new'), (creds.password, changed.password))
