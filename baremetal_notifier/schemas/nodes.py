"""Request schemas of /v1/nodes, and Ironic's checks beyond a schema."""

import re

from oslo_utils import uuidutils

from baremetal_notifier.drivers import base as driver_base
from baremetal_notifier import exception
from baremetal_notifier.schemas import common

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
