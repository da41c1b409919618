import itertools

from compute_ext.policies import base
from compute_ext.policies import instance_actions
from compute_ext.policies import server_external_events
from compute_ext.policies import servers
from compute_ext.policies import services


def list_rules():
    return list(itertools.chain(
        base.list_rules(),
        services.list_rules(),
        server_external_events.list_rules(),
        servers.list_rules(),
        instance_actions.list_rules(),
    ))
