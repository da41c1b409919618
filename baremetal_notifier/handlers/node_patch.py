"""PATCH /v1/nodes/{node_ident}: Ironic's JSON patch rules for a node.

The patch is applied to the stored node (unmasked), then the result is
checked as a node body would be. Nothing of a rejected patch is echoed
unmasked: values under a secret-looking key are shown as ``******``, and
JSON pointer errors (which quote the document) are reworded.
"""

import copy

import jsonpatch
import jsonpointer

from baremetal_notifier import exception
from baremetal_notifier.handlers import node_fields
from baremetal_notifier.handlers import node_view
from baremetal_notifier.policies import nodes as policies
from baremetal_notifier.schemas import common as schema_common
from baremetal_notifier.schemas import nodes as schema
from baremetal_notifier import states
from powerbridge import validation

# Node fields a patch may change, and the rule of each one that has its
# own (the rule policy_rules applies is found by path, as in Ironic).
PATCHABLE = dict({
    'name': policies.UPDATE_NAME,
    'driver': policies.UPDATE_DRIVER,
    'driver_info': policies.UPDATE_DRIVER_INFO,
    'extra': None,
    'properties': policies.UPDATE_PROPERTIES,
    'instance_uuid': policies.UPDATE_INSTANCE_UUID,
    'instance_info': policies.UPDATE_INSTANCE_INFO,
    'resource_class': None,
    'chassis_uuid': policies.UPDATE_CHASSIS_UUID,
    'console_enabled': None,
    'conductor_group': policies.UPDATE_CONDUCTOR_GROUP,
}, **{name: policies.UPDATE_DRIVER for name in node_fields.INTERFACES})
# Fields with a fixed value here: a patch may only confirm it.
_FIXED = tuple(node_fields.CONSTANTS)
# Ironic's allowed_update_states (update_node).
_UPDATE_ALLOWED_STATES = (states.ENROLL, states.INSPECTING,
                          states.INSPECTWAIT, states.MANAGEABLE,
                          states.AVAILABLE)
# What a removed field becomes.
_EMPTY = {'driver_info': {}, 'extra': {}, 'properties': {},
          'instance_info': {}, 'conductor_group': ''}


def _field(op):
    return op['path'].split('/')[1]


# Ironic's paths_to_policy (_authorize_patch_and_get_node), in its order:
# the first prefix a path starts with names the operation's rule.
_PATH_RULES = (
    ('/instance_info', policies.UPDATE_INSTANCE_INFO),
    ('/extra', policies.UPDATE_EXTRA),
    ('/driver_info', policies.UPDATE_DRIVER_INFO),
    ('/properties', policies.UPDATE_PROPERTIES),
    ('/chassis_uuid', policies.UPDATE_CHASSIS_UUID),
    ('/instance_uuid', policies.UPDATE_INSTANCE_UUID),
    ('/driver', policies.UPDATE_DRIVER),
    ('/conductor_group', policies.UPDATE_CONDUCTOR_GROUP),
    ('/name', policies.UPDATE_NAME),
)


def policy_rules(ops):
    """The rules a patch needs, in Ironic's order: each operation's
    field rule (a ``*_interface`` field is ``update:driver_interfaces``),
    plus ``baremetal:node:update`` when some operation has none. The
    first is checked together with ``baremetal:node:get``."""
    rules, generic = [], False
    for op in ops:
        path = op['path']
        rule = next((rule for prefix, rule in _PATH_RULES
                     if path.startswith(prefix)), None)
        if rule is None and path.lstrip('/') in node_fields.INTERFACES:
            rule = policies.UPDATE_DRIVER
        if rule is None:
            generic = True
        else:
            rules.append(rule)
    if generic or not rules:
        rules.append(policies.UPDATE)
    return rules


def masked(op):
    """The operation as it may be shown: secrets replaced by ******."""
    shown = dict(op)
    if 'value' in shown:
        keys = op['path'].strip('/').split('/')
        shown['value'] = node_view.mask(
            op['value'], any(node_view.is_secret(key) for key in keys))
    return shown


def check_ops(req, ops):
    """Ironic's checks of the operations themselves."""
    for op in ops:
        field = _field(op)
        # Ironic lets a patch remove a field its version lacks (a 500
        # for conductor_group, its one such field with a value here).
        if ((op['op'] != 'remove' or field == 'conductor_group')
                and field in node_fields.SINCE
                and not node_fields.allowed(req, field)):
            raise exception.NotAcceptable()
        if field == 'traits':
            raise exception.Invalid(
                'Cannot update node traits via node patch. Node traits '
                'should be updated via the node traits API.')
        if field not in node_fields.QUERYABLE | {'created_at',
                                                 'updated_at'}:
            if op['op'] == 'add' and op['path'].count('/') == 1:
                raise exception.Invalid(
                    'Adding a new attribute (%s) to the root of the resource '
                    'is not allowed' % op['path'])
            raise exception.PatchError(
                patch=masked(op),
                reason='%s is not a node attribute' % op['path'])
        if field not in PATCHABLE:
            raise exception.Invalid(
                "'%s' is an internal attribute and can not be updated"
                % op['path'])
        if op['op'] == 'remove' and op['path'] == '/driver':
            raise exception.Invalid("'/driver' is a mandatory attribute and "
                                    "can not be removed")
        if op['op'] != 'remove' and 'value' not in op:
            raise exception.Invalid("'value' is a mandatory attribute for "
                                    "%s operations" % op['op'])
        _check_depth(op)


def _check_depth(op):
    """The value, where the path puts it, nests no deeper than a request
    body may: every document a patch builds on the way stays small
    enough to copy and walk (the result is checked again in changes())."""
    room = validation.MAX_JSON_DEPTH - op['path'].count('/')
    try:
        if room < 0:
            raise validation.ValidationError('path too deep')
        validation.check_document(op.get('value'), max_depth=room)
    except validation.ValidationError:
        # Only the depth can fail: load_json_body checked the strings.
        raise exception.PatchError(
            patch=masked(op), reason='the node would nest deeper than %d '
            'levels' % validation.MAX_JSON_DEPTH) from None


def _apply(doc, op):
    try:
        # In place: ``doc`` is changes()'s own copy, and copying it again
        # for each of a few thousand operations is quadratic.
        return jsonpatch.apply_patch(doc, [op], in_place=True)
    except (jsonpatch.JsonPatchConflict, jsonpointer.JsonPointerException,
            KeyError, IndexError, TypeError):
        # NOTE: their text quotes the document (driver_info included).
        reason = ("can't %s %s: it does not exist" % (op['op'], op['path'])
                  if op['op'] != 'add' else
                  "can't add %s: its parent does not exist" % op['path'])
    except jsonpatch.JsonPatchException as exc:
        reason = type(exc).__name__
    raise exception.PatchError(patch=masked(op), reason=reason)


def check_reset_interfaces(ops, reset_interfaces):
    """Ironic's ?reset_interfaces= (1.45) is only for a driver change.

    With it, Ironic resets every interface the patch leaves alone to the
    new hardware type's default; here each interface has one value,
    already its default, so a valid request resets nothing.
    """
    if reset_interfaces and not any(
            op['path'] == '/driver' and op['op'] != 'remove' for op in ops):
        raise exception.Invalid('The reset_interfaces parameter can only '
                                "be used when changing the node's driver.")


def changes(req, node, ops):
    """Apply ``ops`` to ``node``: the column values that change.

    instance_uuid is only an association, as in Ironic: it never changes
    the provision state (the lifecycle does, through states/provision).
    """
    doc = {field: copy.deepcopy(node_fields.CONSTANTS[field]
                                if field in _FIXED else getattr(node, field))
           for field in PATCHABLE}
    for op in ops:
        doc = _apply(doc, op)
    patched = {field: doc.get(field, _EMPTY.get(field)) for field in
               PATCHABLE}
    schema_common.validate(schema.PATCHED, patched)
    if isinstance(patched['conductor_group'], str):
        # Case-insensitive: stored lower case, as Ironic saves it.
        patched['conductor_group'] = patched['conductor_group'].lower()
    schema.check_constants(
        {f: patched[f] for f in _FIXED if f in patched})
    values = {field: value for field, value in patched.items()
              if field not in _FIXED and value != getattr(node, field)}
    # Only what changes is checked: a node stored by an older version
    # with a field past today's limits can still have its others patched.
    schema.check_storable(values)
    if values.get('name') is not None and not node_view.valid_name(
            req, values['name']):
        raise exception.Invalid("Node %s: Cannot change name to invalid "
                                "name '%s'" % (node.uuid, values['name']))
    if 'driver' in values:
        schema.check_driver(values['driver'], patched['conductor_group'])
    if 'driver_info' in values:
        schema.check_driver_info(node.uuid, values['driver_info'])
    if 'instance_uuid' in values:
        _associate(node, values)
    if ('resource_class' in values and node.resource_class
            and node.provision_state not in _UPDATE_ALLOWED_STATES):
        # Ironic: the allocations of an active node would be invalid.
        raise exception.InvalidState(
            'Node %s can not have resource_class updated unless it is in '
            'one of allowed (%s) states.' % (
                node.uuid, ', '.join(_UPDATE_ALLOWED_STATES)))
    return values


def _associate(node, values):
    new = values['instance_uuid']
    if new is None:
        return
    new = values['instance_uuid'] = node_view.canonical_uuid(new)
    if node.instance_uuid is not None and node.instance_uuid != new:
        raise exception.NodeAssociated(node=node.uuid,
                                       instance=node.instance_uuid)
