"""Request schemas of /v1/nodes/{node_ident}/states and /maintenance."""

from powerbridge import validation

POWER = {
    'type': 'object',
    'properties': {
        # Any string: an unknown target is Ironic's InvalidStateRequested,
        # not a schema error.
        'target': {'type': 'string'},
        # Bounded like every integer the API takes: the conductor hands
        # it to timers that refuse numbers past a C long.
        'timeout': {'type': ['integer', 'null'],
                    'maximum': validation.MAX_DB_INT},
    },
    'required': ['target'],
    'additionalProperties': False,
}

MAINTENANCE = {
    'type': 'object',
    'properties': {
        # python-ironicclient sends {"reason": null} without --reason.
        'reason': {'type': ['string', 'null']},
    },
    'additionalProperties': False,
}

# The arguments Ironic's provision call takes; what this service does not
# use is checked for its place (a config drive only with a deploy, ...).
PROVISION = {
    'type': 'object',
    'properties': {
        'target': {'type': 'string'},
        'configdrive': {'type': ['null', 'object', 'string']},
        'clean_steps': {'type': ['null', 'array']},
        'deploy_steps': {'type': ['null', 'array']},
        'service_steps': {'type': ['null', 'array']},
        'rescue_password': {'type': ['null', 'string']},
        'disable_ramdisk': {'type': ['null', 'boolean']},
        'runbook': {'type': ['null', 'string']},
    },
    'required': ['target'],
    'additionalProperties': False,
}

TRAITS = {
    'type': 'object',
    'properties': {
        'traits': {'type': 'array'},
    },
    'additionalProperties': False,
}
