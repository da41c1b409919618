"""JSON body and query validation with OpenStack-style error messages."""

import json

import jsonschema
from oslo_utils import uuidutils

# Nova's parameter_types.boolean: the spellings bool_from_string accepts.
TRUE_VALUES = [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
               'YES', 'Yes', 'yes']
FALSE_VALUES = [False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',
                'NO', 'No', 'no']
BOOLEAN = {'type': ['boolean', 'string'], 'enum': TRUE_VALUES + FALSE_VALUES}

_FORMAT_CHECKER = jsonschema.FormatChecker()


@_FORMAT_CHECKER.checks('uuid')
def _is_uuid(instance):
    if not isinstance(instance, str):
        return True
    return uuidutils.is_uuid_like(instance)


class ValidationError(Exception):
    """The request does not match its schema; message is for the client."""


class MalformedBody(ValidationError):
    """The body is not JSON (or not UTF-8)."""


def _first_error(schema, instance):
    # NOTE: the first error in schema order, as Nova reports it;
    # jsonschema's best_match would prefer a different one when a body
    # has several faults.
    validator = jsonschema.Draft4Validator(schema,
                                           format_checker=_FORMAT_CHECKER)
    return next(iter(validator.iter_errors(instance)), None)


def validate(schema, instance):
    """Validate like Nova: name the failing field and its value."""
    error = _first_error(schema, instance)
    if error is None:
        return
    if len(error.path) > 0:
        detail = ('Invalid input for field/attribute %(path)s. '
                  'Value: %(value)s. %(message)s'
                  % {'path': error.path.pop(), 'value': error.instance,
                     'message': error.message})
    else:
        detail = error.message
    raise ValidationError(detail)


def validate_query(schema, params):
    """Validate query parameters (each name maps to a list of values)."""
    error = _first_error(schema, params)
    if error is None:
        return
    if len(error.path) > 0:
        # The path is (name, index in the list of values): name the
        # parameter, not the index.
        raise ValidationError(
            'Invalid input for query parameters %(path)s. Value: %(value)s. '
            '%(message)s' % {'path': error.path.popleft(),
                             'value': error.instance,
                             'message': error.message})
    raise ValidationError(error.message)


def query_to_lists(req):
    """Multi-valued query parameters as {name: [values]}.

    Handlers read the query string through this, never req.GET directly:
    webob raises UnicodeDecodeError for a percent-escape that is not
    UTF-8, which must be a 400 and not a 500.
    """
    try:
        items = list(req.GET.items())
    except UnicodeDecodeError:
        raise ValidationError('Query string is not valid UTF-8') from None
    result = {}
    for key, value in items:
        result.setdefault(key, []).append(value)
    return result


def load_json_body(req):
    """Decode a JSON request body, or raise MalformedBody."""
    if not req.body:
        raise MalformedBody('Malformed request body')
    try:
        return json.loads(req.body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        raise MalformedBody('Malformed request body') from None


def to_bool(value):
    """Turn one of the BOOLEAN spellings into a bool."""
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ValueError('Unrecognized value %r' % (value,))
