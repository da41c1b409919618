"""Request schemas of /v1/nodes, and Ironic's checks beyond a schema."""

import json
import re

from oslo_utils import uuidutils

from baremetal_notifier.drivers import base as driver_base
from baremetal_notifier import exception
from baremetal_notifier.schemas import common
from powerbridge import validation

# The smallest TEXT column of the three databases: MariaDB's TEXT holds
# 65535 bytes (PostgreSQL and SQLite have no limit). driver_info, extra,
# properties and maintenance_reason are TEXT, so a value past this is a
# 400 here instead of "Database error" on MariaDB alone.
TEXT_BYTES = 65535
# The node fields stored as JSON text.
JSON_FIELDS = ('driver_info', 'extra', 'properties')
# Ironic's states.machine.states (API 1.42): the ?provision_state= values
# it accepts, whether or not a node here can be in them.
PROVISION_STATES = (
    'active', 'adopt failed', 'adopting', 'available', 'clean failed',
    'clean wait', 'cleaning', 'deleting', 'deploy failed', 'deploying',
    'enroll', 'error', 'inspect failed', 'inspect wait', 'inspecting',
    'manageable', 'rebuild', 'rescue', 'rescue failed', 'rescue wait',
    'rescuing', 'unrescue failed', 'unrescuing', 'verifying',
    'wait call-back')
# Ironic's faults.VALID_FAULTS (API 1.42): the ?fault= values.
FAULTS = ['power failure', 'clean failure', 'rescue abort failure']

# The hardware types this service drives.
ENABLED_DRIVERS = ('ipmi',)

DRIVER_INFO = {
    'type': 'object',
    # The IPMI driver's keys; anything else is kept as given, as in Ironic
    # (deploy_kernel and friends belong to drivers not served here).
    'properties': {
        'ipmi_address': {'type': 'string', 'minLength': 1,
                         'maxLength': 255},
        # The CLI sends every --driver-info value as a string.
        'ipmi_port': {'type': ['integer', 'string']},
        'ipmi_username': {'type': 'string'},
        'ipmi_password': {'type': 'string'},
    },
}
FREE_FORM = {'type': 'object'}

CREATE = {
    'type': 'object',
    'properties': {
        'uuid': common.UUID,
        'name': {'type': ['string', 'null'], 'maxLength': 255},
        'driver': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'driver_info': DRIVER_INFO,
        'extra': FREE_FORM,
        'properties': FREE_FORM,
        'instance_uuid': common.NULLABLE_UUID,
    },
    'required': ['driver'],
    'additionalProperties': False,
}

# The node as a PATCH leaves it, for the fields a PATCH may touch.
PATCHED = {
    'type': 'object',
    'properties': {
        'name': {'type': ['string', 'null'], 'maxLength': 255},
        'driver': CREATE['properties']['driver'],
        'driver_info': DRIVER_INFO,
        'extra': FREE_FORM,
        'properties': FREE_FORM,
        'instance_uuid': common.NULLABLE_UUID,
    },
}

# RFC 6902, the subset Ironic accepts: add, replace and remove.
PATCH = {
    'type': 'array',
    'items': {
        'type': 'object',
        'properties': {
            'op': {'type': 'string', 'enum': ['add', 'replace', 'remove']},
            'path': {'type': 'string', 'pattern': r'^(/[\w-]+)+$'},
            'value': {},
        },
        'required': ['op', 'path'],
        'additionalProperties': False,
    },
}

# Ironic before 1.10: a host name label (RFC 952/1123).
_HOSTNAME_RE = re.compile(r'^[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?$')
# Ironic from 1.10: RFC 3986 unreserved characters.
_LOGICAL_NAME_RE = re.compile(r'^[A-Z0-9-._~]+$', re.IGNORECASE)


def is_valid_name(name, unrestricted=True):
    """Ironic's logical node name rules; a UUID is never a name."""
    if not isinstance(name, str) or len(name) > 255:
        return False
    pattern = _LOGICAL_NAME_RE if unrestricted else _HOSTNAME_RE
    return bool(pattern.match(name)) and not uuidutils.is_uuid_like(name)


def check_driver(driver):
    """Ironic refuses a driver no conductor supports, as a bad request."""
    if driver not in ENABLED_DRIVERS:
        raise exception.NoValidHost(
            reason='No conductor service registered which supports driver '
                   '%s for conductor group "".' % driver)


def check_driver_info(node_uuid, driver_info):
    """The IPMI driver's own checks, once there is an address to check.

    Its messages name the bad key, never the password.
    """
    if 'ipmi_address' not in driver_info:
        return
    try:
        driver_base.BmcTarget.from_driver_info(node_uuid, driver_info)
    except driver_base.InvalidDriverInfo as exc:
        raise exception.InvalidParameterValue(
            err='Invalid driver_info: %s' % exc) from None


def json_text(value):
    """A JSON field as stored: objects.nodes writes exactly this text."""
    return json.dumps(value or {}, sort_keys=True)


def check_storable(values):
    """Raise ValidationError unless every JSON field of ``values`` can be
    stored and read back on each database.

    Its nesting is bounded as a request body's is (a PATCH can build a
    document deeper than any single value it carries) and its text fits
    a TEXT column. The text is ASCII (json.dumps escapes the rest), so
    its length is its size in bytes.
    """
    for field in JSON_FIELDS:
        if field not in values:
            continue
        try:
            validation.check_document({field: values[field]})
        except validation.ValidationError as exc:
            raise validation.ValidationError(
                'Invalid input for field/attribute %s. %s' % (field, exc)
            ) from None
        size = len(json_text(values[field]))
        if size > TEXT_BYTES:
            raise validation.ValidationError(
                'Invalid input for field/attribute %s. Expected at most %d '
                'bytes of JSON, got %d.' % (field, TEXT_BYTES, size))


def check_text_column(value, field):
    """Raise ValidationError for text a TEXT column cannot hold."""
    if value is None:
        return
    size = len(value.encode('utf-8'))
    if size > TEXT_BYTES:
        raise validation.ValidationError(
            'Invalid input for field/attribute %s. Expected at most %d '
            'bytes of UTF-8 text, got %d.' % (field, TEXT_BYTES, size))


def check_provision_state(value):
    """Ironic's 400 for a ?provision_state= that is no state of its."""
    if value not in PROVISION_STATES:
        raise exception.InvalidParameterValue(
            err='Provision state "%s" is not valid' % value)


def check_fault(value):
    """Ironic's 400 for a ?fault= that is no fault of its."""
    if value not in FAULTS:
        raise exception.InvalidParameterValue(
            err='Unrecognized fault "%s" is specified, allowed faults are '
                '%s' % (value, FAULTS))
