"""Gabbi fixtures: each YAML file gets a fresh Compute API and database."""

import datetime

from gabbi import fixture

from compute_ext.objects import instance_actions as action_obj
from compute_ext.objects import instances as instance_obj
from tests.fixtures import compute as compute_fixtures

# gabbi's intercept hook takes no arguments, so the fixture of the YAML
# file being run leaves its application here.
_CURRENT = {}


def _current_app(environ, start_response):
    return _CURRENT['app'](environ, start_response)


def setup_app():
    # Resolved per request: the fixture of the running YAML file decides.
    return _current_app


class APIFixture(fixture.GabbiFixture):
    """An empty Compute API (noauth2) on SQLite."""

    def start_fixture(self):
        self.api = compute_fixtures.ComputeAPI()
        self.api.setUp()
        _CURRENT['app'] = self.api.app
        self.populate(self.api.ctx)

    def populate(self, ctx):
        pass

    def stop_fixture(self):
        self.api.cleanUp()
        _CURRENT.pop('app', None)


class ServicesFixture(APIFixture):
    """Nova's sample layout: host1 up, host2 down, a scheduler on each."""

    def populate(self, ctx):
        add = compute_fixtures.add_service
        add(ctx, 'host1', 'nova-scheduler', disabled=True,
            disabled_reason='test1')
        add(ctx, 'host1', 'nova-compute', disabled=True,
            disabled_reason='test2')
        add(ctx, 'host2', 'nova-scheduler', seen_ago=3600)
        add(ctx, 'host2', 'nova-compute', seen_ago=3600, disabled=True,
            disabled_reason='test4')


# Servers: fixed ids so the YAML files can name them. Project 'admin' is
# the admin's own (token admin:admin), 'demo' belongs to alice
# (alice:demo, member and reader); 'demo-stopped' is on a disabled host,
# 'demo-active' on a forced down one.
ADMIN_ACTIVE = 'a0000000-0000-4000-8000-000000000001'
ADMIN_STOPPED = 'a0000000-0000-4000-8000-000000000002'
DEMO_ACTIVE = 'a0000000-0000-4000-8000-000000000003'
DEMO_STOPPED = 'a0000000-0000-4000-8000-000000000004'
DEMO_UNPLACED = 'a0000000-0000-4000-8000-000000000005'
DEMO_ERROR = 'a0000000-0000-4000-8000-000000000006'
DEMO_DELETED = 'a0000000-0000-4000-8000-000000000007'


def _node(n):
    return '00000000-0000-4000-8000-0000000000%02d' % n


class ServersFixture(APIFixture):
    """Seven servers in two projects on three compute hosts."""

    SERVERS = (
        # uuid, name, project, user, host, vm_state, power_state
        (ADMIN_ACTIVE, 'admin-active', 'admin', 'admin', 'host1', 'active',
         1),
        (ADMIN_STOPPED, 'admin-stopped', 'admin', 'admin', 'host1',
         'stopped', 4),
        (DEMO_ACTIVE, 'demo-active', 'demo', 'alice', 'host2', 'active', 1),
        (DEMO_STOPPED, 'demo-stopped', 'demo', 'alice', 'host3', 'stopped',
         4),
        (DEMO_UNPLACED, 'demo-unplaced', 'demo', 'alice', None, 'building',
         0),
        (DEMO_ERROR, 'web-error', 'demo', 'alice', 'host1', 'error', 1),
        (DEMO_DELETED, 'demo-deleted', 'demo', 'alice', 'host1', 'deleted',
         4),
    )

    def populate(self, ctx):
        add = compute_fixtures.add_service
        add(ctx, 'host1')
        add(ctx, 'host2', forced_down=True)
        add(ctx, 'host3', disabled=True, disabled_reason='maintenance')
        start = datetime.datetime(2026, 1, 1)
        for n, (uuid, name, project, user, host, vm_state,
                power_state) in enumerate(self.SERVERS, 1):
            instance_obj.create(
                ctx, uuid=uuid, name=name, project_id=project, user_id=user,
                host=host, node=_node(n) if host else None,
                vm_state=vm_state, power_state=power_state,
                created_at=start + datetime.timedelta(minutes=n),
                updated_at=start + datetime.timedelta(minutes=n),
                launched_at=(start + datetime.timedelta(minutes=n, seconds=1)
                             if host else None),
                deleted=n if vm_state == 'deleted' else 0)


class InstanceActionsFixture(ServersFixture):
    """demo-active's history: created, stopped (failed), started."""

    # request id, action, minute, event, result, traceback
    HISTORY = (
        ('req-00000000-0000-4000-8000-000000000001', 'create', 1,
         'compute_build_and_run_instance', 'Success', None),
        ('req-00000000-0000-4000-8000-000000000002', 'stop', 2,
         'compute_stop_instance', 'Error', 'Traceback: BMC timed out'),
        ('req-00000000-0000-4000-8000-000000000003', 'start', 3,
         'compute_start_instance', 'Success', None),
    )

    def populate(self, ctx):
        super().populate(ctx)
        base = datetime.datetime(2026, 1, 2)
        for request_id, action, minute, event, result, trace in self.HISTORY:
            action_id = action_obj.action_start(
                ctx, DEMO_ACTIVE, action, request_id, 'alice', 'demo')
            action_obj.event_start(ctx, action_id, event, 'host2')
            action_obj.event_finish(ctx, action_id, event, result,
                                    traceback=trace)
            # Pin the times so paging and changes-since are predictable.
            when = base + datetime.timedelta(minutes=minute)
            with ctx.db.writer.using(ctx) as session:
                session.execute(action_obj.ACTIONS.update().where(
                    action_obj.ACTIONS.c.id == action_id).values(
                        start_time=when, created_at=when, updated_at=when))
                session.execute(action_obj.EVENTS.update().where(
                    action_obj.EVENTS.c.action_id == action_id).values(
                        start_time=when, created_at=when,
                        finish_time=when + datetime.timedelta(seconds=5)))
