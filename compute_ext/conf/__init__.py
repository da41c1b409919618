"""Configuration for compute_ext: no global CONF, callers pass ConfigOpts."""

from compute_ext.conf import api
from compute_ext.conf import baremetal
from compute_ext.conf import compute
from compute_ext.conf import database
from compute_ext.conf import metrics
from powerbridge.conf import paths
from powerbridge.conf import policy
from compute_ext.conf import service

_MODULES = (paths, service, api, compute, baremetal, database, policy,
            metrics)


def register_opts(conf):
    """Register every compute_ext option group on ``conf``."""
    for module in _MODULES:
        module.register_opts(conf)
