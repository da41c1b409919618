"""The Bare Metal API gabbits, run over wsgi-intercept (no sockets)."""

import os

from gabbi import driver

from tests.functional.baremetal import gabbi_fixtures

GABBITS = os.path.join(os.path.dirname(__file__), 'gabbits')


def load_tests(loader, tests, pattern):
    """One test per request of each YAML file, behind the file's fixtures."""
    return driver.build_tests(
        GABBITS, loader, test_loader_name=__name__, host=None,
        fixture_module=gabbi_fixtures, intercept=gabbi_fixtures.setup_app)
