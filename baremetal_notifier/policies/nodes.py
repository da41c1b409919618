"""Ironic's node rules: names and default check strings."""

from oslo_policy import policy

from baremetal_notifier.policies import base

ROOT = 'baremetal:node:%s'
CREATE = ROOT % 'create'
LIST = ROOT % 'list'
LIST_ALL = ROOT % 'list_all'
GET = ROOT % 'get'
GET_FILTER_THRESHOLD = ROOT % 'get:filter_threshold'
GET_LAST_ERROR = ROOT % 'get:last_error'
GET_RESERVATION = ROOT % 'get:reservation'
GET_DRIVER_INFO = ROOT % 'get:driver_info'
UPDATE = ROOT % 'update'
UPDATE_EXTRA = ROOT % 'update_extra'
UPDATE_DRIVER_INFO = ROOT % 'update:driver_info'
UPDATE_PROPERTIES = ROOT % 'update:properties'
UPDATE_INSTANCE_UUID = ROOT % 'update:instance_uuid'
UPDATE_NAME = ROOT % 'update:name'
UPDATE_DRIVER = ROOT % 'update:driver_interfaces'
DELETE = ROOT % 'delete'
DELETE_SELF_OWNED = ROOT % 'delete:self_owned_node'
SET_MAINTENANCE = ROOT % 'set_maintenance'
CLEAR_MAINTENANCE = ROOT % 'clear_maintenance'
GET_STATES = ROOT % 'get_states'
SET_POWER_STATE = ROOT % 'set_power_state'
SET_PROVISION_STATE = ROOT % 'set_provision_state'
UPDATE_INSTANCE_INFO = ROOT % 'update_instance_info'
UPDATE_CHASSIS_UUID = ROOT % 'update:chassis_uuid'
UPDATE_CONDUCTOR_GROUP = ROOT % 'update:conductor_group'
TRAITS_LIST = ROOT % 'traits:list'
TRAITS_SET = ROOT % 'traits:set'
TRAITS_DELETE = ROOT % 'traits:delete'

_NODE = '/nodes/{node_ident}'
_SCOPES = ['system', 'project']


def _rule(name, check_str, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': method, 'path': path}], scope_types=_SCOPES)


def _field_rule(name, check_str, field):
    return _rule(name, check_str,
                 'Governs if node %s field can be updated via the API '
                 'clients.' % field, 'PATCH', _NODE)


def _redaction_rule(name, field):
    return _rule(name, base.SYSTEM_OR_OWNER_READER,
                 'Governs if the node %s field is masked from API clients '
                 'with insufficient privileges.' % field, 'GET', _NODE)


rules = [
    _rule(CREATE, '(%s) or (%s)' % (base.SYSTEM_ADMIN, base.SYSTEM_SERVICE),
          'Create Node records', 'POST', '/nodes'),
    policy.DocumentedRuleDefault(
        name=LIST, check_str=base.API_READER,
        description='Retrieve multiple Node records, filtered by an explicit '
                    'owner or the client project_id',
        operations=[{'method': 'GET', 'path': '/nodes'},
                    {'method': 'GET', 'path': '/nodes/detail'}],
        scope_types=_SCOPES),
    policy.DocumentedRuleDefault(
        name=LIST_ALL, check_str=base.SYSTEM_READER,
        description='Retrieve multiple Node records',
        operations=[{'method': 'GET', 'path': '/nodes'},
                    {'method': 'GET', 'path': '/nodes/detail'}],
        scope_types=_SCOPES),
    _rule(GET, base.SYSTEM_OR_PROJECT_READER,
          'Retrieve a single Node record', 'GET', _NODE),
    _rule(GET_FILTER_THRESHOLD, base.SYSTEM_READER,
          'Filter to allow operators to govern the threshold where '
          'information should be filtered. Non-authorized users will be '
          'subjected to additional API policy checks for API content '
          'response bodies.', 'GET', _NODE),
    _redaction_rule(GET_LAST_ERROR, 'last_error'),
    _redaction_rule(GET_RESERVATION, 'reservation'),
    _redaction_rule(GET_DRIVER_INFO, 'driver_info'),
    _field_rule(UPDATE_DRIVER_INFO, base.SYSTEM_MEMBER_OR_OWNER_MEMBER,
                'driver_info'),
    _field_rule(UPDATE_PROPERTIES, base.SYSTEM_MEMBER_OR_OWNER_MEMBER,
                'properties'),
    _field_rule(UPDATE_INSTANCE_UUID, base.SYSTEM_MEMBER_OR_OWNER_MEMBER,
                'instance_uuid'),
    _field_rule(UPDATE_NAME, base.SYSTEM_MEMBER_OR_OWNER_MEMBER, 'name'),
    _field_rule(UPDATE_DRIVER, base.SYSTEM_MEMBER_OR_OWNER_ADMIN,
                'driver and driver interfaces'),
    _rule(UPDATE, base.SYSTEM_OR_PROJECT_MEMBER,
          'Generalized update of node records', 'PATCH', _NODE),
    _rule(UPDATE_EXTRA, base.SYSTEM_OR_PROJECT_MEMBER,
          'Update Node extra field', 'PATCH', _NODE),
    _rule(DELETE, base.SYSTEM_ADMIN, 'Delete Node records', 'DELETE', _NODE),
    _rule(DELETE_SELF_OWNED, base.PROJECT_OWNER_ADMIN,
          'Delete node records which are associated with the requesting '
          'project.', 'DELETE', _NODE),
    _rule(SET_MAINTENANCE, base.SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
          'Set maintenance flag, taking a Node out of service', 'PUT',
          _NODE + '/maintenance'),
    _rule(CLEAR_MAINTENANCE, base.SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
          'Clear maintenance flag, placing the Node into service again',
          'DELETE', _NODE + '/maintenance'),
    _rule(GET_STATES, base.SYSTEM_OR_PROJECT_READER,
          'View Node power and provision state', 'GET', _NODE + '/states'),
    _rule(SET_POWER_STATE, base.SYSTEM_OR_PROJECT_MEMBER,
          'Change Node power status', 'PUT', _NODE + '/states/power'),
    _rule(SET_PROVISION_STATE, base.SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
          'Change Node provision status', 'PUT',
          _NODE + '/states/provision'),
    _rule(UPDATE_INSTANCE_INFO, base.SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
          'Update Node instance_info field', 'PATCH', _NODE),
    _field_rule(UPDATE_CHASSIS_UUID, base.SYSTEM_ADMIN, 'chassis_uuid'),
    _field_rule(UPDATE_CONDUCTOR_GROUP, base.SYSTEM_MEMBER,
                'conductor_group'),
    _rule(TRAITS_LIST, base.SYSTEM_OR_PROJECT_READER, 'List node traits',
          'GET', _NODE + '/traits'),
    policy.DocumentedRuleDefault(
        name=TRAITS_SET, check_str=base.SYSTEM_MEMBER_OR_OWNER_ADMIN,
        description='Add a trait to, or replace all traits of, a node',
        operations=[{'method': 'PUT', 'path': _NODE + '/traits'},
                    {'method': 'PUT', 'path': _NODE + '/traits/{trait}'}],
        scope_types=_SCOPES),
    policy.DocumentedRuleDefault(
        name=TRAITS_DELETE, check_str=base.SYSTEM_MEMBER_OR_OWNER_ADMIN,
        description='Remove one or all traits from a node',
        operations=[{'method': 'DELETE', 'path': _NODE + '/traits'},
                    {'method': 'DELETE', 'path': _NODE + '/traits/{trait}'}],
        scope_types=_SCOPES),
]


def list_rules():
    return rules
