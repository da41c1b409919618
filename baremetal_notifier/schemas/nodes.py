"""Request schemas of /v1/nodes, and Ironic's checks beyond a schema."""

import json
import re

from oslo_utils import strutils
from oslo_utils import uuidutils

from baremetal_notifier.conf import conductor as conductor_conf
from baremetal_notifier.drivers import base as driver_base
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_fields
from baremetal_notifier.schemas import common
from baremetal_notifier import states
from powerbridge import validation

# The smallest TEXT column of the three databases: MariaDB's TEXT holds
# 65535 bytes (PostgreSQL and SQLite have no limit). driver_info, extra,
# properties and maintenance_reason are TEXT, so a value past this is a
# 400 here instead of "Database error" on MariaDB alone.
TEXT_BYTES = 65535
# The node fields stored as JSON text.
JSON_FIELDS = ('driver_info', 'extra', 'properties', 'instance_info')
# Ironic's states.machine.states: the ?provision_state= values it
# accepts, whether or not a node here can be in them.
PROVISION_STATES = states.ALL_STATES
# Ironic's faults.VALID_FAULTS (API 1.42): the ?fault= values.
FAULTS = ['power failure', 'clean failure', 'rescue abort failure']

# The hardware types this service drives, and their interfaces.
ENABLED_DRIVERS = (node_fields.HARDWARE_TYPE,)
INTERFACE_FIELDS = tuple(sorted(node_fields.INTERFACES))

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

_TEXT = {'type': ['string', 'null']}
_FLAG = {'type': ['string', 'boolean', 'null']}
# Fields of later versions than served: a POST may name them only as
# null (any other value is Ironic's 406 for its version).
_LATER = ('automated_clean', 'boot_mode', 'description', 'disable_power_off',
          'firmware_interface', 'instance_name', 'lessee', 'network_data',
          'owner', 'parent_node', 'retired', 'retired_reason', 'secure_boot',
          'shard')
CREATE = {
    'type': 'object',
    'properties': dict({
        'uuid': common.NULLABLE_UUID,
        'name': {'type': ['string', 'null'], 'maxLength': 255},
        'driver': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'driver_info': DRIVER_INFO,
        'extra': FREE_FORM,
        'properties': FREE_FORM,
        'instance_info': FREE_FORM,
        'instance_uuid': common.NULLABLE_UUID,
        'chassis_uuid': common.NULLABLE_UUID,
        'resource_class': {'type': ['string', 'null'], 'maxLength': 80},
        'console_enabled': _FLAG,
        'maintenance': _FLAG,
        # null is the default group, as in Ironic.
        'conductor_group': _TEXT,
    }, **{name: _TEXT for name in INTERFACE_FIELDS},
        **{name: {} for name in _LATER}),
    'required': ['driver'],
    'additionalProperties': False,
}

# The node as a PATCH leaves it, for the fields a PATCH may touch.
PATCHED = {
    'type': 'object',
    'properties': dict({
        'name': {'type': ['string', 'null'], 'maxLength': 255},
        'driver': CREATE['properties']['driver'],
        'driver_info': DRIVER_INFO,
        'extra': FREE_FORM,
        'properties': FREE_FORM,
        'instance_info': FREE_FORM,
        'instance_uuid': common.NULLABLE_UUID,
        'resource_class': CREATE['properties']['resource_class'],
        'chassis_uuid': common.NULLABLE_UUID,
        'console_enabled': _FLAG,
        # null: see handlers/node_view.served_group.
        'conductor_group': _TEXT,
    }, **{name: _TEXT for name in INTERFACE_FIELDS}),
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


def stored_group(driver, group):
    """A valid group lower-cased (groups are case-insensitive), or
    Ironic's InvalidConductorGroup."""
    if not conductor_conf.is_valid_conductor_group(group):
        shown = group
        if isinstance(group, str) and len(group) > conductor_conf.GROUP_LENGTH:
            shown = group[:conductor_conf.GROUP_LENGTH] + '...'
        raise exception.InvalidConductorGroup(group=shown)
    return group.lower()


def no_conductor(driver, group=''):
    """Ironic's NoValidHost when no conductor takes ``driver`` nodes of
    ``group`` (its hash ring has no such key): a bad request."""
    return exception.NoValidHost(
        reason='No conductor service registered which supports driver '
               '%s for conductor group "%s". Ensure the driver is valid '
               'and enabled.' % (driver, group))


def check_driver(driver, group=''):
    """Ironic refuses a driver no conductor supports, as a bad request."""
    if driver not in ENABLED_DRIVERS:
        raise no_conductor(driver, group)


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


def flag(value, field):
    """A boolean field as Ironic takes it: a bool or its string forms."""
    if value is None or isinstance(value, bool):
        return bool(value)
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise exception.InvalidParameterValue(
            err='Invalid value for %s: %s' % (field, value[:255])
        ) from None


def check_constants(values):
    """Fields whose value this service fixes: an interface may only be
    set to the one it implements, and there is no console to enable."""
    for field in INTERFACE_FIELDS:
        value = values.get(field)
        if value is not None and value != node_fields.INTERFACES[field]:
            raise exception.IncompatibleInterface(
                interface_type=field[:-len('_interface')],
                interface_impl=value,
                hardware_type=node_fields.HARDWARE_TYPE)
    if flag(values.get('console_enabled'), 'console_enabled'):
        raise exception.UnsupportedDriverExtension(
            driver=node_fields.HARDWARE_TYPE, extension='console')
    if values.get('chassis_uuid') is not None:
        raise exception.ChassisNotFound(chassis=values['chassis_uuid'])
