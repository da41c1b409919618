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
