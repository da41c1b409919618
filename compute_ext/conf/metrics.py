"""[metrics]: the Prometheus listener of a compute_ext process."""

from powerbridge import metrics

SERVICE = 'Compute API or compute agent'
# NOTE: the API and an agent on one host each need a port of their own
# (a second config file overriding it).
DEFAULT_PORT = 9609


def register_opts(conf):
    metrics.register_opts(conf, SERVICE, DEFAULT_PORT)


def list_opts():
    return metrics.list_opts(SERVICE, DEFAULT_PORT)
