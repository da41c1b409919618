"""The Compute API client: POST power-update events, classify each answer.

Like Ironic (ironic/common/nova.py) this talks to the Compute API through a
keystoneauth Adapter loaded from ``[nova]`` at microversion 2.76. Unlike
Ironic it sends many events per request and, instead of logging and
forgetting a failure, tells the caller what became of every event:

* DELIVERED: the Compute API accepted it (per-event code 200);
* UNDELIVERABLE: the Compute API looked at it and will never accept it
  (404 unknown instance, 422 instance without a host, 400 bad event);
* RETRY: the Compute API could not answer for it (5xx, 401 after
  keystoneauth's one re-authentication, timeouts, connection errors, an
  answer that cannot be parsed or does not line up with the request);
  a 403 that a fresh token also gets is a RETRY whose reason starts with
  FORBIDDEN_PREFIX: a configuration fault the operator must fix (the
  sender holds such events and says so, see notifier/outbox.py).
"""

import collections

from keystoneauth1 import exceptions as ks_exc
from oslo_context import context as oslo_context
from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import strutils

from powerbridge import ksa

LOG = logging.getLogger(__name__)

GROUP = 'nova'
# Like Ironic: the adapter asks for API 2.1, so an endpoint given as the
# unversioned root is found through version discovery.
API_VERSION = '2.1'
MICROVERSION = '2.76'
EVENTS_PATH = '/os-server-external-events'
EVENT_NAME = 'power-update'

DELIVERED = 'delivered'
UNDELIVERABLE = 'undeliverable'
RETRY = 'retry'

# Ironic leaves [nova] timeout unset, so a hung Compute API would hold its
# caller forever; the outbox needs every attempt to end.
DEFAULT_TIMEOUT = 10.0

# Reasons that mean "nobody answered": once any request succeeds again the
# sender may retry these at once instead of waiting out their backoff.
UNAVAILABLE_PREFIX = 'Compute API unavailable'

# What Nova's per-event codes mean (nova server_external_events.create).
_EVENT_FAILURES = {
    400: '400: the Compute API rejected the event (bad or missing tag)',
    404: '404: the Compute API does not know instance %s',
    422: '422: instance %s has no host in the Compute API',
}
# Whole-request answers where one event may be to blame: split and resend.
_SPLIT_STATUSES = (400, 413)
# Status codes of a proxy or load balancer with no Compute API behind it.
_GATEWAY_STATUSES = (502, 503, 504)
_MAX_REASON = 500

# A 403 is the same for every event: the [nova] user may not post them.
FORBIDDEN_PREFIX = 'forbidden'
FORBIDDEN_HINT = ("check the [nova] user's roles: posting events needs the "
                  "service or admin role (policy os_compute_api:"
                  "os-server-external-events:create)")

Outcome = collections.namedtuple('Outcome', ['kind', 'reason'])
_DELIVERED = Outcome(DELIVERED, None)


class Delivery:
    """What became of one list of events: one Outcome per event, in order.

    ``answered`` is True when the Compute API gave a well-formed answer to
    at least one request, i.e. it is reachable and working again.
    """

    def __init__(self, outcomes, answered):
        self.outcomes = outcomes
        self.answered = answered


def power_update_event(instance_uuid, tag):
    """The event body Ironic sends (status is left to Nova's default)."""
    return {'name': EVENT_NAME, 'server_uuid': instance_uuid, 'tag': tag}


def _clip(text):
    text = strutils.mask_password(' '.join(str(text).split()))
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON] + '...'


def _error_message(response):
    """The message of a Nova error body, else the start of the body."""
    try:
        body = jsonutils.loads(response.text)
        (fault,) = body.values()
        return fault['message']
    except Exception:  # any other body: show what came back
        return response.text


def _retry_all(events, reason):
    return [Outcome(RETRY, _clip(reason))] * len(events)


def _lines_up(sent, answered):
    return (isinstance(answered, dict)
            and answered.get('server_uuid') == sent['server_uuid']
            and answered.get('name') == sent['name']
            and answered.get('tag', sent['tag']) == sent['tag']
            and isinstance(answered.get('code'), int))


def classify_events(events, body):
    """Per-event Outcomes from a 200/207 body, or None if it is garbage.

    Nova echoes the submitted events in order, each with a ``code``; an
    answer that does not match the request one to one cannot be trusted
    for any event.
    """
    answered = body.get('events') if isinstance(body, dict) else None
    if not isinstance(answered, list) or len(answered) != len(events):
        return None
    pairs = zip(events, answered, strict=True)
    if not all(_lines_up(sent, got) for sent, got in pairs):
        return None
    outcomes = []
    for event in answered:
        code = event['code']
        if code == 200:
            outcomes.append(_DELIVERED)
        elif code in _EVENT_FAILURES:
            reason = _EVENT_FAILURES[code]
            if '%s' in reason:
                reason = reason % event['server_uuid']
            outcomes.append(Outcome(UNDELIVERABLE, reason))
        else:
            # Outside Nova's documented enum: not final, try again later.
            outcomes.append(Outcome(RETRY, _clip(
                'unexpected per-event code %r from the Compute API' % code)))
    return outcomes


class ComputeClient:
    """Sends power-update events to the Compute API named by ``[nova]``."""

    def __init__(self, conf):
        self.conf = conf
        self._adapter = None

    def _get_adapter(self):
        # Loaded on first use, so a deployment that never sends (no [nova]
        # auth configured) never needs a valid [nova] section.
        if self._adapter is None:
            adapter = ksa.load_adapter(self.conf, GROUP, version=API_VERSION)
            if adapter.session.timeout is None:
                adapter.session.timeout = DEFAULT_TIMEOUT
            self._adapter = adapter
        return self._adapter

    @property
    def timeout(self):
        return self.conf[GROUP].timeout or DEFAULT_TIMEOUT

    def send(self, events):
        """POST ``events`` (power_update_event dicts); return a Delivery."""
        if not events:
            return Delivery([], False)
        try:
            adapter = self._get_adapter()
        except Exception as exc:  # bad [nova] auth options and the like
            LOG.error('Cannot load the [nova] keystoneauth adapter: %s',
                      _clip(exc))
            return Delivery(_retry_all(
                events, 'cannot load the [nova] adapter: %s' % exc), False)
        answered = [False]
        outcomes = self._send(adapter, events, answered)
        return Delivery(outcomes, answered[0])

    def _post(self, adapter, events):
        request_id = oslo_context.generate_request_id()
        # NOTE: keystoneauth already invalidates the auth and resends once
        # on a 401 (allow_reauth), so a 401 seen here survived a re-auth.
        response = adapter.post(EVENTS_PATH, json={'events': events},
                                microversion=MICROVERSION, raise_exc=False,
                                global_request_id=request_id)
        LOG.debug('POST %s with %d events (%s): HTTP %s', EVENTS_PATH,
                  len(events), request_id, response.status_code)
        return response

    def _send(self, adapter, events, answered, reauthenticated=False):
        try:
            response = self._post(adapter, events)
        except ks_exc.RetriableConnectionFailure as exc:
            # Connection refused, or no answer within the session timeout.
            return _retry_all(events, '%s: %s' % (UNAVAILABLE_PREFIX, exc))
        except ks_exc.ClientException as exc:
            return _retry_all(events, 'cannot reach the Compute API: %s: %s'
                              % (type(exc).__name__, exc))
        status = response.status_code
        if status in (200, 207):
            try:
                body = response.json()
            except ValueError:
                body = None
            outcomes = classify_events(events, body)
            if outcomes is None:
                return _retry_all(events, 'unparseable answer from the '
                                  'Compute API (HTTP %s): %s'
                                  % (status, response.text))
            answered[0] = True
            return outcomes
        if status in _SPLIT_STATUSES and len(events) > 1:
            # One bad event (or too many) fails the whole request: split
            # it so the others still go through and the culprit is found.
            half = len(events) // 2
            return (self._send(adapter, events[:half], answered)
                    + self._send(adapter, events[half:], answered))
        message = _error_message(response)
        if status == 403 and not reauthenticated and adapter.invalidate():
            # NOTE: keystoneauth re-authenticates on a 401 only; a token
            # issued before the operator granted the role still lacks it.
            # (admin_token has nothing to refresh: invalidate() is False.)
            return self._send(adapter, events, answered, True)
        if status == 403:
            return _retry_all(events, '%s: HTTP 403: %s; %s' % (
                FORBIDDEN_PREFIX, message, FORBIDDEN_HINT))
        if status == 400:
            answered[0] = True
            return [Outcome(UNDELIVERABLE, _clip(
                '400: the Compute API rejected the event: %s' % message))]
        if status == 404 and 'No instances found' in message:
            # Train-era Nova (before bug 1855752) answered a bare 404 when
            # no event was accepted; any other 404 is a wrong endpoint.
            answered[0] = True
            return [Outcome(UNDELIVERABLE, _clip(
                '404: the Compute API accepted none of the events: %s'
                % message))] * len(events)
        if status in _GATEWAY_STATUSES:
            return _retry_all(events, '%s: HTTP %s: %s'
                              % (UNAVAILABLE_PREFIX, status, message))
        return _retry_all(events, 'Compute API answered HTTP %s: %s'
                          % (status, message))
