"""Ironic's provision states, verbs and state machine, as data.

The names and transitions are Ironic 39's (ironic/common/states.py and
state_machine.py): clients compare these strings, and the API answers
"can this verb act on this state" from the same table Ironic does. Which
of these transitions this service carries out, and how, is the
conductor's business (conductor/provisioning.py); the API only asks
whether an event is actionable.
"""

ENROLL = 'enroll'
VERIFYING = 'verifying'
MANAGEABLE = 'manageable'
AVAILABLE = 'available'
ACTIVE = 'active'
DEPLOYING = 'deploying'
DEPLOYWAIT = 'wait call-back'
DEPLOYFAIL = 'deploy failed'
DEPLOYHOLD = 'deploy hold'
DELETING = 'deleting'
CLEANING = 'cleaning'
CLEANWAIT = 'clean wait'
CLEANFAIL = 'clean failed'
CLEANHOLD = 'clean hold'
ERROR = 'error'
INSPECTING = 'inspecting'
INSPECTWAIT = 'inspect wait'
INSPECTFAIL = 'inspect failed'
ADOPTING = 'adopting'
ADOPTFAIL = 'adopt failed'
RESCUE = 'rescue'
RESCUING = 'rescuing'
RESCUEWAIT = 'rescue wait'
RESCUEFAIL = 'rescue failed'
UNRESCUING = 'unrescuing'
UNRESCUEFAIL = 'unrescue failed'
SERVICING = 'servicing'
SERVICEWAIT = 'service wait'
SERVICEFAIL = 'service failed'
SERVICEHOLD = 'service hold'
REBUILD = 'rebuild'

# The targets of PUT .../states/provision and the event each one is.
VERBS = {
    'active': 'deploy', 'deploy': 'deploy',
    'deleted': 'delete', 'undeploy': 'delete',
    'manage': 'manage', 'provide': 'provide', 'inspect': 'inspect',
    'abort': 'abort', 'clean': 'clean', 'adopt': 'adopt',
    'rescue': 'rescue', 'unrescue': 'unrescue', 'unhold': 'unhold',
    'service': 'service',
}
# The API version each verb appeared in (the rest are 1.1's).
MIN_VERB_VERSIONS = {
    'manage': (1, 4), 'provide': (1, 4), 'inspect': (1, 6),
    'abort': (1, 13), 'clean': (1, 15), 'adopt': (1, 17),
    'rescue': (1, 38), 'unrescue': (1, 38),
    'deploy': (1, 73), 'undeploy': (1, 73),
}

STABLE_STATES = (ENROLL, MANAGEABLE, AVAILABLE, ACTIVE, ERROR, RESCUE)
# The stable state each transient state is heading for: a node in one
# shows it as target_provision_state.
TARGETS = {
    VERIFYING: MANAGEABLE,
    DEPLOYING: ACTIVE, DEPLOYWAIT: ACTIVE, DEPLOYFAIL: ACTIVE,
    DEPLOYHOLD: ACTIVE,
    CLEANING: AVAILABLE, CLEANWAIT: AVAILABLE, CLEANFAIL: AVAILABLE,
    CLEANHOLD: AVAILABLE, DELETING: AVAILABLE,
    INSPECTING: MANAGEABLE, INSPECTFAIL: MANAGEABLE,
    INSPECTWAIT: MANAGEABLE,
    ADOPTING: ACTIVE, ADOPTFAIL: ACTIVE,
    RESCUING: RESCUE, RESCUEWAIT: RESCUE, RESCUEFAIL: RESCUE,
    UNRESCUING: ACTIVE, UNRESCUEFAIL: ACTIVE,
    SERVICING: ACTIVE, SERVICEWAIT: ACTIVE, SERVICEFAIL: ACTIVE,
    SERVICEHOLD: ACTIVE,
}

# Ironic's machine: {state: {event: next state}}.
TRANSITIONS = {
    ENROLL: {'manage': VERIFYING},
    VERIFYING: {'done': MANAGEABLE, 'fail': ENROLL},
    MANAGEABLE: {'provide': CLEANING, 'clean': CLEANING,
                 'inspect': INSPECTING, 'adopt': ADOPTING},
    AVAILABLE: {'deploy': DEPLOYING, 'manage': MANAGEABLE},
    ACTIVE: {'rebuild': DEPLOYING, 'delete': DELETING, 'rescue': RESCUING,
             'service': SERVICING},
    ERROR: {'rebuild': DEPLOYING, 'delete': DELETING},
    RESCUE: {'rescue': RESCUING, 'delete': DELETING,
             'unrescue': UNRESCUING},
    DEPLOYING: {'fail': DEPLOYFAIL, 'wait': DEPLOYWAIT, 'hold': DEPLOYHOLD,
                'done': ACTIVE},
    DEPLOYWAIT: {'hold': DEPLOYHOLD, 'resume': DEPLOYING,
                 'fail': DEPLOYFAIL, 'abort': DEPLOYFAIL,
                 'delete': DELETING},
    DEPLOYHOLD: {'unhold': DEPLOYWAIT, 'abort': DEPLOYFAIL},
    DEPLOYFAIL: {'rebuild': DEPLOYING, 'deploy': DEPLOYING,
                 'delete': DELETING},
    DELETING: {'fail': ERROR, 'clean': CLEANING},
    CLEANING: {'done': AVAILABLE, 'fail': CLEANFAIL, 'wait': CLEANWAIT,
               'hold': CLEANHOLD, 'manage': MANAGEABLE},
    CLEANWAIT: {'fail': CLEANFAIL, 'abort': CLEANFAIL, 'hold': CLEANHOLD,
                'resume': CLEANING},
    CLEANHOLD: {'abort': CLEANFAIL, 'unhold': CLEANWAIT},
    CLEANFAIL: {'manage': MANAGEABLE},
    INSPECTING: {'done': MANAGEABLE, 'fail': INSPECTFAIL,
                 'wait': INSPECTWAIT},
    INSPECTWAIT: {'done': MANAGEABLE, 'fail': INSPECTFAIL,
                  'abort': INSPECTFAIL, 'resume': INSPECTING},
    INSPECTFAIL: {'manage': MANAGEABLE, 'inspect': INSPECTING},
    ADOPTING: {'done': ACTIVE, 'fail': ADOPTFAIL},
    ADOPTFAIL: {'adopt': ADOPTING, 'manage': MANAGEABLE},
    RESCUING: {'done': RESCUE, 'wait': RESCUEWAIT, 'fail': RESCUEFAIL},
    RESCUEWAIT: {'resume': RESCUING, 'fail': RESCUEFAIL,
                 'abort': RESCUEFAIL, 'delete': DELETING},
    RESCUEFAIL: {'rescue': RESCUING, 'unrescue': UNRESCUING,
                 'delete': DELETING},
    UNRESCUING: {'done': ACTIVE, 'fail': UNRESCUEFAIL},
    UNRESCUEFAIL: {'rescue': RESCUING, 'unrescue': UNRESCUING,
                   'delete': DELETING},
    SERVICING: {'done': ACTIVE, 'fail': SERVICEFAIL, 'wait': SERVICEWAIT,
                'hold': SERVICEHOLD},
    SERVICEWAIT: {'hold': SERVICEHOLD, 'resume': SERVICING,
                  'fail': SERVICEFAIL, 'abort': SERVICEFAIL,
                  'delete': DELETING},
    SERVICEHOLD: {'service': SERVICING, 'unhold': SERVICEWAIT,
                  'fail': SERVICEFAIL, 'abort': SERVICEFAIL},
    SERVICEFAIL: {'service': SERVICING, 'rescue': RESCUING,
                  'wait': SERVICEWAIT, 'hold': SERVICEHOLD,
                  'delete': DELETING, 'abort': ACTIVE},
}
# Every state of the machine: the values ?provision_state= accepts.
ALL_STATES = tuple(sorted(set(TRANSITIONS) | {
    s for events in TRANSITIONS.values() for s in events.values()}))
# The states a node may be deleted from outside maintenance: Ironic's
# DELETE_ALLOWED_STATES plus 'available' (allow_deleting_available_nodes,
# True by default).
DELETE_ALLOWED_STATES = (MANAGEABLE, ENROLL, ADOPTFAIL, AVAILABLE)


def event_of(target):
    """The event a provision target names (an unknown one names itself,
    and no state acts on it)."""
    return VERBS.get(target, target)


def next_state(state, event):
    """Where ``event`` takes a node in ``state``, or None."""
    return TRANSITIONS.get(state, {}).get(event)


def target_of(state):
    """target_provision_state of a node in ``state``."""
    return TARGETS.get(state)
