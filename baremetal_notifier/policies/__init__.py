import itertools

from baremetal_notifier.policies import base
from baremetal_notifier.policies import drivers
from baremetal_notifier.policies import nodes


def list_rules():
    return list(itertools.chain(base.list_rules(), nodes.list_rules(),
                                drivers.list_rules()))
