"""The Bare Metal API gabbits, run over wsgi-intercept (no sockets)."""

import os

from gabbi import driver

from tests.functional.baremetal import gabbi_fixtures

GABBITS = os.path.join(os.path.dirname(__file__), 'gabbits')


def load_tests(loader, tests, pattern):
    return driver.build_tests(GABBITS, loader, host=None,
                              intercept=gabbi_fixtures.setup_app,
                              fixture_module=gabbi_fixtures,
                              test_loader_name=__name__)
