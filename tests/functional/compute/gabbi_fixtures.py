"""Gabbi fixtures: each YAML file gets a fresh Compute API and database."""

from gabbi import fixture

from tests.functional.fixtures import compute as compute_fixtures

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
