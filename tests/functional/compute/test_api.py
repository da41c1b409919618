"""Run the Compute API gabbits over wsgi-intercept (no sockets)."""

import os

from gabbi import driver

from tests.functional.compute import gabbi_fixtures

TESTS_DIR = 'gabbits'


def load_tests(loader, tests, pattern):
    test_dir = os.path.join(os.path.dirname(__file__), TESTS_DIR)
    return driver.build_tests(test_dir, loader, host=None,
                              intercept=gabbi_fixtures.setup_app,
                              fixture_module=gabbi_fixtures,
                              test_loader_name=__name__)
