"""Request schemas of os-services, per microversion (Nova's)."""

import copy

from powerbridge import validation

# Nova's parameter_types.fqdn: underscores occur in real host names.
HOSTNAME = {'type': 'string', 'pattern': '^[a-zA-Z0-9-._]*$',
            'minLength': 1, 'maxLength': 255}
NAME_1_255 = {'type': 'string', 'minLength': 1, 'maxLength': 255}

UPDATE = {
    'type': 'object',
    'properties': {
        'host': HOSTNAME,
        'binary': NAME_1_255,
        'disabled_reason': NAME_1_255,
    },
    'required': ['host', 'binary'],
    'additionalProperties': False,
}

# 2.11: the same schema for every action, plus forced_down.
UPDATE_V211 = copy.deepcopy(UPDATE)
UPDATE_V211['properties']['forced_down'] = validation.BOOLEAN

# 2.53: nothing is required; the handler reports an empty update itself
# ("No updates were requested"), which is clearer than a schema error.
UPDATE_V253 = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
        'disabled_reason': NAME_1_255,
        'forced_down': validation.BOOLEAN,
    },
    'additionalProperties': False,
}

_QUERY_PARAM = {'type': 'array', 'items': {'type': 'string'}}

INDEX_QUERY = {
    'type': 'object',
    'properties': {'host': _QUERY_PARAM, 'binary': _QUERY_PARAM},
    'additionalProperties': True,
}

# 2.75: unknown query parameters are an error.
INDEX_QUERY_V275 = copy.deepcopy(INDEX_QUERY)
INDEX_QUERY_V275['additionalProperties'] = False
