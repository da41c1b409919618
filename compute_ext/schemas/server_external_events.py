"""Request schema of os-server-external-events, per microversion (Nova's).

The event name enum grows: volume-extended at 2.51, power-update at 2.76.
There is deliberately no maxItems, as in Nova; the request body size limit
bounds a batch instead.
"""

import copy

EVENT_STATUSES = ['failed', 'completed', 'in-progress']
# Events that mean nothing without a tag (Nova's TAG_REQUIRED).
TAG_REQUIRED = ('volume-extended', 'power-update')

CREATE = {
    'type': 'object',
    'properties': {
        'events': {
            'type': 'array',
            'minItems': 1,
            'items': {
                'type': 'object',
                'properties': {
                    'server_uuid': {'type': 'string', 'format': 'uuid'},
                    'name': {
                        'type': 'string',
                        'enum': ['network-changed', 'network-vif-plugged',
                                 'network-vif-unplugged',
                                 'network-vif-deleted'],
                    },
                    'status': {'type': 'string', 'enum': EVENT_STATUSES},
                    'tag': {'type': 'string', 'maxLength': 255},
                },
                'required': ['server_uuid', 'name'],
                'additionalProperties': False,
            },
        },
    },
    'required': ['events'],
    'additionalProperties': False,
}


def _with_name(schema, name):
    schema = copy.deepcopy(schema)
    schema['properties']['events']['items']['properties']['name'][
        'enum'].append(name)
    return schema


CREATE_V251 = _with_name(CREATE, 'volume-extended')
CREATE_V276 = _with_name(CREATE_V251, 'power-update')


def for_version(want):
    """The schema of the requested microversion."""
    if want.matches((2, 76)):
        return CREATE_V276
    if want.matches((2, 51)):
        return CREATE_V251
    return CREATE
