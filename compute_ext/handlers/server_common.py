"""What the server routes share: finding the server a request names (as
Nova's common.get_instance does) and reading paging and date parameters."""

from oslo_utils import timeutils
from oslo_utils import uuidutils

from powerbridge import validation
from compute_ext import exception
from compute_ext.objects import instances as instance_obj
from compute_ext.views import links as links_view


def server_id(req):
    """The {server_id} of the route."""
    return req.environ['wsgiorg.routing_args'][1]['server_id']


def get_instance(ctx, server_id, read_deleted=False):
    """The server as this caller may see it, else InstanceNotFound (404).

    A non-admin only finds servers of their own project, so another
    project's server is as absent as an unknown one. Anything that is not
    a uuid cannot name a server (clients then look the name up).
    """
    if not uuidutils.is_uuid_like(server_id):
        raise exception.InstanceNotFound(instance_id=server_id)
    return instance_obj.get_by_uuid(
        ctx, server_id, project_id=None if ctx.is_admin else ctx.project_id,
        read_deleted=read_deleted)


def query_datetime(params, name):
    """A date-time query parameter (the last one given), naive UTC.

    The error reads like a schema error, as in Nova (where the schema's
    date-time format checks it).
    """
    value = params[name][-1]
    try:
        # OverflowError: an offset that moves the time past year 1 or
        # 9999 when normalized to UTC.
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except (ValueError, OverflowError):
        raise validation.ValidationError(
            "Invalid input for query parameters %s. Value: %s. '%s' is not "
            "a 'date-time'" % (name, params[name], value)) from None


def paging(params):
    """Nova's get_limit_and_marker: the page size is at most max_limit."""
    limit = links_view.MAX_LIMIT
    if 'limit' in params:
        # The schema allows ASCII digits only. More than 12 of them is
        # over max_limit anyway, and int() of thousands of digits fails.
        digits = params['limit'][-1].strip().lstrip('0') or '0'
        if len(digits) <= 12:
            limit = min(limit, int(digits))
    marker = params['marker'][-1] if 'marker' in params else None
    return limit, marker
