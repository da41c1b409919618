"""Ownership of a conductor that owns every node.

The interface of conductor/ownership.py's ``Ownership`` (constructed the
same way), for a deployment of one conductor: every node is this host's,
and the live conductors are those online in ``conductors`` with a
heartbeat within ``[conductor] heartbeat_timeout``. The action queue only
needs the live hosts to tell a dead conductor's requests from a busy
one's.
"""

from baremetal_notifier.objects import conductors


class SingleOwnership:

    def __init__(self, ctx, host, conductor_group, conf):
        self.ctx = ctx
        self.host = host
        self.conductor_group = conductor_group
        self.conf = conf
        self._live = set()

    def refresh(self):
        self._live = set(conductors.alive(
            self.ctx, self.conf.conductor.heartbeat_timeout))

    def owns(self, node_uuid, conductor_group=''):
        return True

    def live_hosts(self):
        return set(self._live)
