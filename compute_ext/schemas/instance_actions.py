"""Query schemas of os-instance-actions, per microversion (Nova's)."""

import copy


def _single(schema):
    # Query values arrive as lists; Nova allows one value here.
    return {'type': 'array', 'items': schema, 'maxItems': 1}


# Before 2.58 the list takes no parameters and ignores any.
LIST_QUERY = {
    'type': 'object',
    'properties': {},
    'additionalProperties': True,
}

# 2.58: paging by request id and the changes-since filter; anything else
# is a 400.
LIST_QUERY_V258 = {
    'type': 'object',
    'properties': {
        'limit': _single({'type': ['integer', 'string'],
                          'pattern': '^[0-9]*$', 'minimum': 0,
                          'minLength': 1}),
        'marker': _single({'type': 'string'}),
        'changes-since': _single({'type': 'string'}),
    },
    'additionalProperties': False,
}

LIST_QUERY_V266 = copy.deepcopy(LIST_QUERY_V258)
LIST_QUERY_V266['properties']['changes-before'] = _single({'type': 'string'})


def list_query(want):
    if want.matches((2, 66)):
        return LIST_QUERY_V266
    if want.matches((2, 58)):
        return LIST_QUERY_V258
    return LIST_QUERY
