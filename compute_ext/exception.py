"""Errors of the compute service; each knows its HTTP status."""

from powerbridge import exception as common_exception


class ComputeException(common_exception.ServiceError):
    """Base class of this service's errors."""


class Invalid(ComputeException):
    msg_fmt = 'Bad request: %(detail)s'
    code = 400


class NotFound(ComputeException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class Conflict(ComputeException):
    code = 409


class MarkerNotFound(NotFound):
    """A pagination marker names nothing; the API answers 400, as Nova."""

    msg_fmt = 'Marker %(marker)s could not be found.'


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class HostBinaryNotFound(NotFound):
    msg_fmt = 'Could not find binary %(binary)s on host %(host)s.'


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class InstanceInvalidState(Conflict):
    msg_fmt = ('Cannot \'%(action)s\' instance %(instance_uuid)s while it '
               'is in %(attr)s %(state)s')


class UnexpectedTaskState(Conflict):
    """A compare-and-swap on an instance's state lost the race."""

    msg_fmt = ('Conflict updating instance %(instance_uuid)s. Expected: '
               '%(expected)s. Actual: %(actual)s')


class ServiceInUse(Conflict):
    msg_fmt = ('Unable to delete compute service that is hosting instances. '
               'Migrate or delete the instances first.')


class PolicyNotAuthorized(ComputeException):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."
    code = 403


class BaremetalError(ComputeException):
    """The Bare Metal API refused or failed a request."""

    msg_fmt = 'Bare Metal API error: %(reason)s'
