"""Option listing for oslo-config-generator."""

import collections

from compute_ext.conf import api
from compute_ext.conf import baremetal
from compute_ext.conf import compute
from compute_ext.conf import metrics
from powerbridge.conf import paths
from compute_ext.conf import service


def list_opts():
    merged = collections.OrderedDict()
    for module in (paths, service, compute, api, baremetal, metrics):
        for group, opts in module.list_opts().items():
            merged.setdefault(group, []).extend(opts)
    return list(merged.items())
