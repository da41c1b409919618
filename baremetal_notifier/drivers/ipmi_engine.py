"""Per-node IPMI requests on warm pyghmi sessions, run by the loop thread.

An op (:class:`ipmi_ops.Op`) is one IPMI request for one node (Get
Chassis Status, or a Chassis Control). The engine gives each node at most
one op at a time, logs in when the node has no usable session, keeps
sessions for the next op, and bounds everything with deadlines:

* at most ``window`` logins and requests are in flight at once;
* each login and each request has its own deadline; on expiry the session
  is abandoned (``break_session``) and the op tries again on a new session,
  up to ``attempts`` times; a persistent op (a power read) whose tries
  went unanswered keeps trying past ``attempts`` until its deadline, so
  packet loss spends the time a sync cycle allows instead of counting a
  failure (a BMC that answers with an error still fails at once);
* each op has an overall deadline and always ends by it, with an error if
  need be. Tokens make the callbacks of abandoned steps harmless.

Everything here runs in the pyghmi loop thread; pyghmi callbacks only
record events, which :meth:`IpmiEngine.process` handles after the tick.
"""

import collections
import functools
import itertools

from oslo_log import log as logging

from baremetal_notifier.drivers import pacing
from powerbridge import pyghmi_compat

LOG = logging.getLogger(__name__)

# Login failures that another attempt cannot fix.
_PERMANENT_LOGIN_ERRORS = ('password', 'Unauthorized', 'Invalid role',
                           'privilege level', 'Kg')
# How often ops that are not in flight are checked against their deadline.
_SCAN_INTERVAL = 0.05


class _Node:
    __slots__ = ('key', 'creds', 'session', 'busy', 'waiting')

    def __init__(self, key, creds):
        self.key = key
        self.creds = creds
        self.session = None
        self.busy = None
        # A deque once an op waits here: an empty one costs 760 bytes a
        # node, and ops rarely wait.
        self.waiting = ()


class IpmiEngine:
    """The state machine behind IPMIPowerDriver (loop thread only)."""

    def __init__(self, login_timeout=6.0, command_timeout=4.0, window=256,
                 min_command_interval=0.0):
        self.pacer = pacing.Pacer(min_command_interval)
        self.login_timeout = login_timeout
        self.command_timeout = command_timeout
        self.window = window
        self._nodes = {}
        self._pending = collections.deque()
        self._inflight = {}
        self._events = []
        self._queued = set()  # nodes that may have ops in .waiting
        self._tokens = itertools.count(1)
        self._next_scan = 0.0

    # -- entry points (called through PyghmiLoop.call) ----------------------

    def submit(self, ops):
        self._pending.extend(ops)

    def forget(self, key):
        node = self._nodes.pop(key, None)
        if node is None:
            return
        if node.session is not None:
            pyghmi_compat.break_session(node.session)
            node.session = None
        # Ops queued behind the busy one will run on a fresh node.
        self._pending.extend(node.waiting)
        node.waiting = ()

    def shutdown(self):
        """Fail every op and abandon every session."""
        ops = (list(self._inflight.values()) + list(self._pending)
               + self.pacer.drain())
        for node in self._nodes.values():
            ops.extend(node.waiting)
            if node.busy is not None:
                ops.append(node.busy)
        self._inflight.clear()
        self._pending.clear()
        for op in ops:
            self._finish(op, error='the IPMI driver was stopped')
        for node in self._nodes.values():
            if node.session is not None:
                pyghmi_compat.break_session(node.session)
        self._nodes.clear()
        self._queued.clear()

    def busy(self):
        """True while anything waits for the network or a window slot."""
        return bool(self._pending or self._inflight or self._events
                    or len(self.pacer))

    # -- loop hooks ----------------------------------------------------------

    def dispatch(self, now):
        """Start whatever fits in the window (before the tick)."""
        # NOTE: ops parked by min_command_interval go first: their node is
        # reserved for them meanwhile.
        self._pending.extendleft(reversed(self.pacer.due(now)))
        budget = len(self._pending)
        while budget and self._pending and len(self._inflight) < self.window:
            budget -= 1
            op = self._pending.popleft()
            if op.done:
                continue
            node = self._nodes.get(op.key)
            if node is None:
                node = self._nodes[op.key] = _Node(op.key, op.creds)
            if node.busy is not None and node.busy is not op:
                if not node.waiting:
                    node.waiting = collections.deque()
                node.waiting.append(op)
                self._queued.add(node)
                continue
            node.busy = op
            if op.step in (None, 'paced') and self.pacer.hold(op, now):
                op.step = 'paced'  # a new operation, too soon for its BMC
                continue
            self._advance(op, node, now)

    def process(self, now):
        """Handle what the tick's callbacks recorded, then deadlines."""
        events, self._events = self._events, []
        for token, kind, response in events:
            op = self._inflight.pop(token, None)
            if op is None or op.done:
                continue  # a step that was abandoned; ignore it
            node = self._nodes.get(op.key)
            if node is None or node.busy is not op:
                self._finish(op, error='node was forgotten')
                continue
            if kind == 'login':
                self._logged_in(op, node, response, now)
            else:
                self._replied(op, node, response, now)
        self._expire_inflight(now)
        if now >= self._next_scan:
            self._next_scan = now + _SCAN_INTERVAL
            self._expire_waiting(now)

    # -- steps ---------------------------------------------------------------

    def _advance(self, op, node, now):
        """Send op's request, logging in first if need be."""
        if now >= op.deadline:
            self._finish(op, error=self._deadline_error(op))
            return
        if node.creds != op.creds:
            # New address or credentials: the old session must not be used.
            self._drop_session(node)
            node.creds = op.creds
        sess = node.session
        if sess is not None and (sess.broken or not (sess.logged
                                                     or sess.logging)):
            node.session = sess = None
        if sess is None:
            self._login(op, node, now)
        elif sess.logging:
            # Not ours (no op of this node is logging in): start afresh.
            self._drop_session(node)
            self._login(op, node, now)
        elif pyghmi_compat.session_ready(sess):
            self._send(op, node, now)
        else:
            # A keepalive is in flight on this session; try next tick.
            op.step = 'waiting for session'
            self._pending.append(op)

    def _login(self, op, node, now):
        op.step = 'login'
        op.token = token = next(self._tokens)
        op.step_deadline = min(now + self.login_timeout, op.deadline)
        # NOTE: register before creating the session: a failure inside the
        # constructor reports through the callback at once.
        self._inflight[token] = op
        creds = op.creds
        callback = functools.partial(self._record, token, 'login')
        try:
            # NOTE: bytes credentials; with str, pyghmi's session cache
            # never forgets a session and later logins hang (ipmi.rst).
            sess = pyghmi_compat.AsyncLoginSession(
                creds.address, creds.username, creds.password,
                port=creds.port, onlogon=callback)
        except Exception as exc:
            self._inflight.pop(token, None)
            self._failed(op, node, 'login failed: %s' % (_text(exc),), now)
            return
        node.session = sess

    def _send(self, op, node, now):
        op.step = op.what
        op.token = token = next(self._tokens)
        op.step_deadline = min(now + self.command_timeout, op.deadline)
        self._inflight[token] = op
        sess = node.session
        callback = functools.partial(self._command_done, token, sess)
        try:
            sess.raw_command(netfn=op.netfn, command=op.command,
                             data=op.data, callback=callback)
        except Exception as exc:
            self._inflight.pop(token, None)
            self._drop_session(node)
            self._failed(op, node, '%s failed: %s' % (op.what, _text(exc)),
                         now)

    # -- pyghmi callbacks (inside the tick: record only) ----------------------

    def _record(self, token, kind, response):
        self._events.append((token, kind, response))

    def _command_done(self, token, sess, response):
        pyghmi_compat.command_finished(sess)
        self._events.append((token, 'reply', response))

    # -- outcomes ------------------------------------------------------------

    def _logged_in(self, op, node, response, now):
        if 'error' in response:
            node.session = None  # pyghmi has marked it broken
            error = response['error'] or 'no answer'
            permanent = any(word in error for word in
                            _PERMANENT_LOGIN_ERRORS)
            self._failed(op, node, 'login failed: %s' % error, now,
                         permanent=permanent, unanswered=_unanswered(error))
            return
        self._advance(op, node, now)

    def _replied(self, op, node, response, now):
        if 'error' in response:
            # A timeout inside pyghmi; it breaks the session itself.
            node.session = None
            self._failed(op, node, '%s failed: %s' % (
                op.what, response['error']), now,
                unanswered=_unanswered(response['error']))
            return
        error = pyghmi_compat.ipmi_error(response)
        if error:
            # The BMC answered; asking again will not change its mind.
            self._finish(op, error='%s failed: %s' % (op.what, error))
            return
        try:
            value = op.parse(response.get('data') or b'')
        except Exception as exc:
            self._finish(op, error='%s: unexpected reply: %s'
                         % (op.what, _text(exc)))
            return
        self._finish(op, value=value)

    def _failed(self, op, node, error, now, permanent=False,
                unanswered=False):
        op.failures += 1
        op.last_error = error
        LOG.debug('IPMI %s for node %s (%s) failed, attempt %d of %d: %s',
                  op.step, op.key, op.creds, op.failures, op.attempts, error)
        spent = op.failures >= op.attempts and not (op.persist
                                                    and unanswered)
        if permanent or spent or now >= op.deadline:
            if op.failures > 1:
                error = '%s (after %d attempts)' % (error, op.failures)
            self._finish(op, error=error)
            return
        # Retry first, on a new session; the node stays reserved for op.
        self._pending.appendleft(op)

    def _finish(self, op, value=None, error=None):
        if op.done:
            return
        op.done = True
        op.step = None
        node = self._nodes.get(op.key)
        if node is not None and node.busy is op:
            node.busy = None
            if node.waiting:
                self._pending.appendleft(node.waiting.popleft())
        if error is not None:
            LOG.warning('IPMI %s for node %s (%s) failed: %s', op.what,
                        op.key, op.creds, error)
        try:
            op.on_done(op, value, error)
        except Exception:
            LOG.exception('IPMI result handler failed for node %s', op.key)

    def _drop_session(self, node):
        if node.session is not None:
            pyghmi_compat.break_session(node.session)
            node.session = None

    # -- deadlines -----------------------------------------------------------

    def _expire_inflight(self, now):
        expired = [(token, op) for token, op in self._inflight.items()
                   if now >= op.step_deadline]
        for token, op in expired:
            node = self._nodes.get(op.key)
            if (op.persist and op.step == op.what and now < op.deadline
                    and node is not None and node.session is not None
                    and not node.session.broken):
                # NOTE: a warm session that only lost packets: pyghmi
                # keeps resending the request (pyghmi_compat), and that is
                # far cheaper than a login's four round trips at heavy
                # loss. pyghmi gives up by itself if the BMC is gone.
                op.step_deadline = min(now + self.command_timeout,
                                       op.deadline)
                continue
            del self._inflight[token]
            if node is not None:
                # NOTE: a step that overran is abandoned with its session;
                # a late reply carries a stale token and is ignored.
                self._drop_session(node)
            if now >= op.deadline:
                self._finish(op, error=self._deadline_error(op))
            elif op.step == 'login':
                self._failed(op, node, 'login timed out after %.1f s'
                             % self.login_timeout, now, unanswered=True)
            else:
                self._failed(op, node, 'no answer to %s within %.1f s'
                             % (op.what, self.command_timeout), now,
                             unanswered=True)

    def _expire_waiting(self, now):
        # NOTE: only the nodes with ops queued behind a busy one: walking
        # every node 20 times a second grew the cycle with the square of
        # the node count.
        queued = [node for node in self._queued if node.waiting]
        self._queued = set(queued)
        waiting = [op for op in self._pending if now >= op.deadline]
        for node in queued:
            waiting.extend(op for op in node.waiting if now >= op.deadline)
        for op in waiting:
            self._finish(op, error=self._deadline_error(op))
        if waiting:
            self._pending = collections.deque(
                op for op in self._pending if not op.done)
            for node in queued:
                node.waiting = collections.deque(
                    op for op in node.waiting if not op.done) or ()

    @staticmethod
    def _deadline_error(op):
        if op.last_error:
            return 'deadline exceeded; last error: %s' % op.last_error
        if op.step in ('login', op.what):
            return 'deadline exceeded during %s' % op.step
        return 'deadline exceeded before the BMC could be asked'


def _unanswered(error):
    # pyghmi's own give-up after its retransmits: a silence, not an answer.
    text = str(error or 'no answer').lower()
    return 'timeout' in text or 'timed out' in text or 'no answer' in text


def _text(exc):
    # NOTE: pyghmi raises IpmiException(None) for timeouts: str() is 'None'.
    text = str(exc)
    if not text or text == 'None':
        return exc.__class__.__name__
    return text
