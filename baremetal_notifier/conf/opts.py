"""Option listing for oslo-config-generator."""

import collections

from baremetal_notifier.conf import api
from baremetal_notifier.conf import conductor
from baremetal_notifier.conf import ipmi
from baremetal_notifier.conf import metrics
from baremetal_notifier.conf import nova
from baremetal_notifier.conf import rbac
from powerbridge.conf import paths


def list_opts():
    merged = collections.OrderedDict()
    for module in (paths, rbac, conductor, api, ipmi, nova, metrics):
        for group, opts in module.list_opts().items():
            merged.setdefault(group, []).extend(opts)
    return list(merged.items())
