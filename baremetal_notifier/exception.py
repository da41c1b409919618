"""Errors of the bare metal service; each knows its HTTP status.

Messages follow Ironic's wording, because clients (and people) match on
them; none of them may ever carry a BMC password. The API turns any of
these into Ironic's error body, so the conductor raises them as they are.
"""

from powerbridge import exception as common_exception


class BaremetalException(common_exception.ServiceError):
    """Base class of this service's errors."""


class Invalid(BaremetalException):
    msg_fmt = 'Unacceptable parameters.'
    code = 400


class NotFound(BaremetalException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class Conflict(BaremetalException):
    msg_fmt = 'Conflict.'
    code = 409


class NotAcceptable(BaremetalException):
    # NOTE: Ironic's answer to a feature the requested version lacks.
    msg_fmt = 'Request not acceptable.'
    code = 406


class TemporaryFailure(BaremetalException):
    msg_fmt = 'Resource temporarily unavailable, please retry.'
    code = 503


class HTTPForbidden(BaremetalException):
    msg_fmt = 'Access was denied to the following resource: %(resource)s'
    code = 403


# -- bad requests ------------------------------------------------------------

class InvalidParameterValue(Invalid):
    msg_fmt = '%(err)s'


class InvalidUUID(Invalid):
    msg_fmt = 'Expected a UUID but received %(uuid)s.'


class InvalidUuidOrName(Invalid):
    msg_fmt = 'Expected a logical name or UUID but received %(name)s.'


class InvalidName(Invalid):
    msg_fmt = "Cannot create node with invalid name '%(name)s'"


class InvalidConductorGroup(Invalid):
    msg_fmt = 'Expected a conductor group but received %(group)s.'


class PatchError(Invalid):
    msg_fmt = "Couldn't apply patch '%(patch)s'. Reason: %(reason)s"


class InvalidStateRequested(Invalid):
    msg_fmt = ('The requested action "%(action)s" can not be performed on '
               'node "%(node)s" while it is in state "%(state)s".')


class NoValidHost(Invalid):
    # NOTE: Ironic raises this as a 404 and its node POST turns it into a
    # 400, since a client can list the drivers it may use.
    msg_fmt = 'No valid host was found. Reason: %(reason)s'


# -- not found ---------------------------------------------------------------

class NodeNotFound(NotFound):
    msg_fmt = 'Node %(node)s could not be found.'


# -- conflicts ---------------------------------------------------------------

class NodeLocked(Conflict):
    msg_fmt = ('Node %(node)s is locked by host %(host)s, please retry after '
               'the current operation is completed.')


class NodeNotLocked(Conflict):
    msg_fmt = ('Node %(node)s found not to be locked on release by host '
               '%(host)s.')


class NodeAssociated(Conflict):
    msg_fmt = 'Node %(node)s is associated with instance %(instance)s.'


class InstanceAssociated(Conflict):
    msg_fmt = ('Instance %(instance_uuid)s is already associated with a '
               'node, it cannot be associated with this other node %(node)s')


class DuplicateName(Conflict):
    msg_fmt = 'A node with name %(name)s already exists.'


class NodeAlreadyExists(Conflict):
    msg_fmt = 'A node with UUID %(uuid)s already exists.'


class InvalidState(Conflict):
    msg_fmt = 'Invalid resource state.'


class NodeChanged(Conflict):
    """A compare-and-swap on a node lost to a concurrent writer."""

    msg_fmt = ('Node %(node)s was modified by another request, please retry '
               'the update.')


class PowerStateFailure(InvalidState):
    msg_fmt = 'Failed to set node power state to %(pstate)s.'


# -- server side -------------------------------------------------------------

class NoFreeConductorWorker(TemporaryFailure):
    msg_fmt = 'Requested action cannot be performed due to lack of free ' \
              'conductor workers.'


class DatabaseWriteFailed(BaremetalException):
    """A database write failed; the driver's text (which may quote the
    statement's parameters, a BMC password among them) is left out."""

    msg_fmt = 'Database error while writing node %(node)s (%(error)s).'


# -- node lifecycle, drivers and traits ------------------------------------

class NodeInMaintenance(Invalid):
    msg_fmt = ("The %(op)s operation can't be performed on node %(node)s "
               "because it's in maintenance mode.")


class UnsupportedDriverExtension(Invalid):
    msg_fmt = ('Driver %(driver)s does not support %(extension)s '
               '(disabled or not implemented).')


class IncompatibleInterface(InvalidParameterValue):
    msg_fmt = ("%(interface_type)s interface implementation "
               "'%(interface_impl)s' is not supported by hardware type "
               "%(hardware_type)s.")


class DriverNotFound(NotFound):
    msg_fmt = ('Could not find the following driver(s) or hardware '
               'type(s): %(driver_name)s.')


class ChassisNotFound(NotFound):
    msg_fmt = 'Chassis %(chassis)s could not be found.'


class NodeTraitNotFound(NotFound):
    msg_fmt = 'Node %(node_id)s doesn\'t have a trait \'%(trait)s\''
