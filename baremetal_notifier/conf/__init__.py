"""Configuration for baremetal_notifier: no global CONF."""

from baremetal_notifier.conf import api
from baremetal_notifier.conf import conductor
from baremetal_notifier.conf import database
from baremetal_notifier.conf import ipmi
from baremetal_notifier.conf import metrics
from baremetal_notifier.conf import nova
from baremetal_notifier.conf import rbac
from powerbridge.conf import paths
from powerbridge.conf import policy

_MODULES = (paths, api, conductor, ipmi, nova, database, policy, metrics,
            rbac)


def register_opts(conf):
    """Register every baremetal_notifier option group on ``conf``."""
    for module in _MODULES:
        module.register_opts(conf)
