"""Request schemas of /v1/nodes/{node_ident}/states and /maintenance."""

POWER = {
    'type': 'object',
    'properties': {
        # Any string: an unknown target is Ironic's InvalidStateRequested,
        # not a schema error.
        'target': {'type': 'string'},
        'timeout': {'type': ['integer', 'null']},
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
