"""[metrics]: the Prometheus listener of a baremetal-notifier process."""

from powerbridge import metrics

SERVICE = 'Bare Metal service'
# NOTE: after Ironic's exporter convention of a port of its own, in the
# range Prometheus lists for exporters; never the API port.
DEFAULT_PORT = 9608


def register_opts(conf):
    metrics.register_opts(conf, SERVICE, DEFAULT_PORT)


def list_opts():
    return metrics.list_opts(SERVICE, DEFAULT_PORT)
