"""The sender: drains the event outbox into the Compute API.

It picks due events in id order, sends only the newest event of each
instance (older pending ones are superseded), posts a batch per request
and records each event's fate: delivered, undeliverable with the Compute
API's reason, or retried later with capped exponential backoff and full
jitter. All state lives in event_outbox, so a restarted sender carries on
where the last one stopped; see baremetal_notifier.objects.outbox for how
concurrent senders keep out of each other's way.

Every conductor process runs a sender, and all of them drain the whole
outbox: an event is claimed (a conditional UPDATE) rather than routed by
node ownership. Ownership moves with the ring, and an event written by a
conductor that died just after would otherwise wait for the ring to
settle; with claims, any live sender takes it, each event goes out from
one sender at a time, and the lease of a sender that dies mid-request
runs out so another sends it again. Leases and retry times are taken by
the database's clock, so senders on hosts with different clocks agree on
when a lease has ended.

``[nova] send_power_notifications = False`` keeps Ironic's meaning,
"nothing is sent to the Compute API": the conductor still writes its rows
(it has no configuration to look at and must stay in one transaction with
the node), and the sender marks them undeliverable with the reason
'notifications disabled' instead of posting them. So the pending backlog
stays empty, the operator can see what was not sent and why, nothing goes
out late when the option is switched back on (it is mutable), and no
[nova] credentials are needed where no Compute API exists.

A 403 (after a fresh token, see compute.py) is a configuration fault, not
a property of the event: the [nova] user lacks the role, so every event
would get it. The sender keeps the events (never drops them), marks them
'forbidden: ...' with a hint, and holds the whole outbox for a bounded
exponential backoff ([nova] forbidden_retry_initial_delay / _max_delay);
each hold ends with one probe batch and one WARNING. Once a probe is
accepted, the held events are due at once: fixing the role or the policy
needs no restart. ``outbox status`` shows what is held and why.
"""

import collections
import datetime
import random
import threading
import time

from oslo_log import log as logging

from baremetal_notifier import metrics as metrics_mod
from baremetal_notifier.notifier import compute
from baremetal_notifier.notifier import status
from baremetal_notifier.objects import outbox as outbox_obj

LOG = logging.getLogger(__name__)

DISABLED_REASON = ('notifications disabled ([nova] send_power_notifications '
                   '= False)')
# While a backlog only waits for its retries, say so this often.
BACKLOG_LOG_INTERVAL = 10.0
# A claim must outlive one attempt: the request, keystoneauth's re-auth
# resend and a token request, each bounded by the session timeout.
LEASE_TIMEOUTS = 3

Summary = collections.namedtuple(
    'Summary', ['batches', 'delivered', 'undeliverable', 'retried',
                'superseded'])


def _forbidden(outcome):
    return (outcome.kind == compute.RETRY
            and outcome.reason.startswith(compute.FORBIDDEN_PREFIX))


def backoff_delay(attempts, initial, cap, rng=random):
    """Full jitter: uniform in [0, min(cap, initial * 2**(attempts-1))]."""
    exponent = min(max(attempts - 1, 0), 62)
    return rng.uniform(0.0, min(cap, initial * (2 ** exponent)))


class OutboxSender:
    """Drains event_outbox into the Compute API from a daemon thread."""

    def __init__(self, conf, db, client=None, rng=None, metrics=None):
        self.conf = conf
        self.db = db
        self.metrics = metrics or metrics_mod.BaremetalMetrics()
        self.client = client or compute.ComputeClient(conf)
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = None
        self._in_flight = []
        # Whether events may wait out a backoff for want of an answer:
        # unknown at start (an earlier sender may have left some).
        self._unanswered_backlog = True
        # Monotonic time of the last backlog line, None while drained;
        # -inf makes the first cycle look (a restart may inherit one).
        self._backlog_logged_at = float('-inf')
        self._retry_warned_at = float('-inf')
        # A 403 holds every send until this monotonic time (None: no
        # authorization fault); strikes count the 403s in a row.
        self._hold_until = None
        self._forbidden_strikes = 0

    @property
    def _nova(self):
        return self.conf.nova

    def start(self):
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='outbox-sender')
        self._thread.start()
        return self

    def stop(self, timeout=5.0):
        """Stop after the current request (bounded by ``timeout``).

        A request still hanging when ``timeout`` runs out is abandoned and
        its events are released, so the next sender retries them at once
        instead of after their lease.
        """
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                in_flight, self._in_flight = self._in_flight, []
                outbox_obj.release(self.db, in_flight, self.db.server_utcnow())
            self._thread = None

    def wake(self):
        """New events are committed: scan now (the conductor in this
        process calls it), rather than at the next idle poll."""
        self._wake.set()

    def _run(self):
        while not self._stop.is_set():
            # NOTE: cleared before the scan: a wake during it is kept.
            self._wake.clear()
            try:
                self.drain_once()
            except Exception:
                # A database hiccup costs one cycle, never the sender.
                LOG.exception('Outbox cycle failed; trying again')
            self._wake.wait(self._nova.outbox_poll_interval)

    def drain_once(self):
        """Send every due event, batch after batch; return a Summary."""
        summary = self._drain()
        self.metrics.outbox_summary(summary)
        return summary

    def _drain(self):
        if not self._nova.send_power_notifications:
            given_up = outbox_obj.give_up_pending(
                self.db, DISABLED_REASON, self.db.server_utcnow())
            if given_up:
                LOG.info('Not sending %d power-update events: %s',
                         given_up, DISABLED_REASON)
            return Summary(0, 0, given_up, 0, 0)
        if (self._hold_until is not None
                and time.monotonic() < self._hold_until):
            return Summary(0, 0, 0, 0, 0)
        lease = LEASE_TIMEOUTS * self.client.timeout
        totals = collections.Counter()
        while not self._stop.is_set():
            claims, superseded = outbox_obj.claim_batch(
                self.db, self.db.server_utcnow(), self._nova.outbox_batch_size,
                lease)
            totals['superseded'] += superseded
            if not claims:
                break
            totals['batches'] += 1
            self._in_flight = claims
            try:
                delivery = self.client.send(
                    [compute.power_update_event(c.instance_uuid, c.tag)
                     for c in claims])
            finally:
                self._in_flight = []
            counts = self._record(claims, delivery)
            totals.update(counts)
            if counts['retried']:
                # The Compute API is in trouble: the rest waits for the
                # next cycle rather than piling onto it now.
                break
        summary = Summary(**{f: totals[f] for f in Summary._fields})
        self._log_backlog(summary)
        return summary

    def _hold(self):
        """Start a hold after a 403; returns its length in seconds."""
        self._forbidden_strikes += 1
        exponent = min(self._forbidden_strikes - 1, 62)
        cap = min(self._nova.forbidden_retry_max_delay,
                  self._nova.forbidden_retry_initial_delay * 2 ** exponent)
        # NOTE: equal jitter, not full: a hold must never be ~0 s, or a
        # misconfigured sender would hammer the Compute API.
        delay = self._rng.uniform(cap / 2.0, cap)
        self._hold_until = time.monotonic() + delay
        return delay

    def _forbidden(self, retries, delay):
        """One WARNING per hold (per probe), never per event."""
        held = status.held_forbidden(self.db)
        LOG.warning('The Compute API refuses power-update events with 403: '
                    '%d events held, none dropped; next attempt in %.1f s. '
                    '%s', held, delay, retries[0][1])

    def _record(self, claims, delivery):
        now = self.db.server_utcnow()
        delivered, undeliverable, retries, forbidden = [], [], [], []
        if any(_forbidden(o) for o in delivery.outcomes):
            hold = self._hold()
            held_until = now + datetime.timedelta(seconds=hold)
        for claim, outcome in zip(claims, delivery.outcomes, strict=True):
            if outcome.kind == compute.DELIVERED:
                delivered.append(claim)
            elif outcome.kind == compute.UNDELIVERABLE:
                LOG.warning('power-update %s for instance %s (node %s) is '
                            'undeliverable: %s', claim.tag,
                            claim.instance_uuid, claim.node_uuid,
                            outcome.reason)
                undeliverable.append((claim, outcome.reason))
            elif _forbidden(outcome):
                forbidden.append((claim, outcome.reason, held_until))
            else:
                delay = backoff_delay(claim.attempts,
                                      self._nova.retry_initial_delay,
                                      self._nova.retry_max_delay, self._rng)
                retries.append((claim, outcome.reason,
                                now + datetime.timedelta(seconds=delay)))
        if retries:
            # Once per BACKLOG_LOG_INTERVAL at WARNING: an outage retries
            # many small batches and must not flood the log.
            clock = time.monotonic()
            level = logging.DEBUG
            if clock - self._retry_warned_at >= BACKLOG_LOG_INTERVAL:
                level, self._retry_warned_at = logging.WARNING, clock
            LOG.log(level, '%d power-update events not delivered, will '
                    'retry with backoff (attempt %d): %s', len(retries),
                    max(c.attempts for c, _r, _w in retries), retries[0][1])
        elif delivery.answered:
            self._retry_warned_at = float('-inf')
        outbox_obj.record(self.db, now, delivered, undeliverable,
                          retries + forbidden)
        self.metrics.delivered(delivered, now)
        if forbidden:
            self._forbidden(forbidden, hold)
        elif delivery.answered and self._forbidden_strikes:
            # Accepted again: the fault is fixed; held events go now.
            self._forbidden_strikes, self._hold_until = 0, None
            released = outbox_obj.retry_now(self.db, now,
                                            compute.FORBIDDEN_PREFIX)
            LOG.info('The Compute API accepts power-update events again; '
                     '%d events held by a 403 are due now', released)
        if any(r.startswith(compute.UNAVAILABLE_PREFIX)
               for _c, r, _w in retries):
            self._unanswered_backlog = True
        elif delivery.answered and self._unanswered_backlog:
            # It answers again: what failed for want of an answer goes now.
            outbox_obj.retry_now(self.db, now, compute.UNAVAILABLE_PREFIX)
            self._unanswered_backlog = False
        return collections.Counter(delivered=len(delivered),
                                   undeliverable=len(undeliverable),
                                   retried=len(retries) + len(forbidden))

    def _log_backlog(self, summary):
        """One line per cycle that made progress with a backlog left, and
        every BACKLOG_LOG_INTERVAL while the backlog only waits (outage)."""
        now = time.monotonic()
        progress = (summary.delivered + summary.undeliverable
                    + summary.superseded)
        last = self._backlog_logged_at
        if not (progress or (summary.batches and last is None) or (
                last is not None and now - last >= BACKLOG_LOG_INTERVAL)):
            return
        pending, oldest_age = status.backlog(self.db)
        if not pending:
            self._backlog_logged_at = None
            LOG.debug('Outbox drained: %s', dict(summary._asdict()))
            return
        self._backlog_logged_at = now
        LOG.info('Outbox backlog: %d power-update events pending, oldest '
                 '%s (this cycle: %d delivered, %d undeliverable, %d to '
                 'retry, %d superseded)', pending,
                 status.format_age(oldest_age), summary.delivered,
                 summary.undeliverable, summary.retried, summary.superseded)
