"""Validation that never echoes a value back.

The shared validator quotes the offending value in its message, which is
fine for a service name but not for a node body: driver_info holds a BMC
password, and a body sent with the wrong shape (driver_info as a string,
a list instead of an object) would carry it into the error. Here the
message names the field and the rule it broke, never the value.
"""

import jsonschema
from oslo_utils import uuidutils

from powerbridge import validation

UUID = {'type': 'string', 'format': 'uuid'}
NULLABLE_UUID = {'type': ['string', 'null'], 'format': 'uuid'}
# Messages of these validators quote keys or counts, not values.
_SAFE_MESSAGES = ('required', 'additionalProperties', 'minItems',
                  'maxItems', 'minProperties', 'maxProperties')
_FORMATS = jsonschema.FormatChecker()


@_FORMATS.checks('uuid')
def _is_uuid(value):
    # Ironic takes any spelling uuidutils takes (no dashes, upper case).
    return not isinstance(value, str) or uuidutils.is_uuid_like(value)


def _reason(error):
    if error.validator in _SAFE_MESSAGES:
        return error.message
    expected = error.validator_value
    if error.validator == 'type':
        names = expected if isinstance(expected, list) else [expected]
        return 'Expected a value of type %s.' % ' or '.join(names)
    if error.validator == 'enum':
        return 'Expected one of: %s.' % ', '.join(map(str, expected))
    if error.validator == 'format':
        return 'Expected a %s.' % ('UUID' if expected == 'uuid' else expected)
    if error.validator in ('maxLength', 'minLength'):
        return 'Expected a length %s %d.' % (
            'of at most' if error.validator == 'maxLength' else 'of at least',
            expected)
    if error.validator in ('maximum', 'minimum'):
        return 'Expected a value %s %s.' % (
            'of at most' if error.validator == 'maximum' else 'of at least',
            expected)
    if error.validator == 'pattern':
        return 'Expected a value matching %s.' % expected
    return 'The value does not match the schema (%s).' % error.validator


def validate(schema, instance):
    """Raise validation.ValidationError naming the field, not its value."""
    validator = jsonschema.Draft4Validator(schema, format_checker=_FORMATS)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is None:
        return
    path = '/'.join(str(part) for part in error.absolute_path)
    reason = _reason(error)
    if not path:
        raise validation.ValidationError('Invalid request body. %s' % reason)
    raise validation.ValidationError(
        'Invalid input for field/attribute %s. %s' % (path, reason))
