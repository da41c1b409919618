"""Request context: who is calling, and the database they act on."""

from baremetal_notifier import exception
from powerbridge import context as base_context

# Where the middleware leaves the context and the application's state
# (conf, conductor) for the handlers.
CONTEXT_KEY = 'baremetal.context'
STATE_KEY = 'baremetal.state'


class RequestContext(base_context.RequestContext):
    """The shared context with Ironic's policy failure and values."""

    def default_target(self):
        return policy_target(self)

    def forbidden(self, action):
        return exception.HTTPForbidden(resource=action)

    def check(self, action, target=None):
        """A rule that shapes a response: evaluated even under noauth."""
        if target is None:
            target = self.default_target()
        return self.enforcer.check(action, target, self)

    def to_policy_values(self):
        values = super().to_policy_values()
        # Ironic's service_role rule matches on the project's name.
        values['project_name'] = self.project_name
        # Ironic's reserved target field, only with elevated access: the
        # service role is otherwise scoped like any project role.
        project = getattr(self.enforcer, 'service_project_name', None)
        if project is not None:
            values['config.service_project_name'] = project
        return values


def policy_target(ctx, node=None):
    """The policy target, as Ironic's check_owner_policy builds it: the
    caller's own policy values, plus ``node.owner`` / ``node.lessee``
    when the node has them. No node here has either (the fields come
    after this API's versions), so the project clauses never match.
    """
    values = dict(ctx.to_policy_values())
    for field in ('owner', 'lessee'):
        value = getattr(node, field, None)
        if value:
            values['node.' + field] = value
    return values


def admin_context(db, enforcer=None):
    """A system-scoped admin context for the manage command and tools."""
    return RequestContext(db=db, enforcer=enforcer, is_admin=True,
                          roles=['admin', 'member', 'reader'],
                          system_scope='all', overwrite=False)


def of_request(req):
    """The RequestContext the context middleware built for ``req``."""
    return req.environ[CONTEXT_KEY]


def app_state(req):
    """The application's state: ``conf`` and ``conductor``."""
    return req.environ[STATE_KEY]
