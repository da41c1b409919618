"""What one IPMI request is: a BMC's address and credentials, and the
request with its retry budget (the engine in ipmi_engine.py runs them)."""

import collections


class Creds(collections.namedtuple('Creds', 'address port username '
                                            'password')):
    """Where a BMC is and how to log in; username/password are bytes."""

    __slots__ = ()

    def __repr__(self):
        return 'Creds(%s:%d)' % (self.address, self.port)

    __str__ = __repr__


class Op:
    """One IPMI request for one node, with its retry budget."""

    __slots__ = ('key', 'creds', 'what', 'netfn', 'command', 'data',
                 'parse', 'on_done', 'deadline', 'attempts', 'failures',
                 'token', 'step', 'step_deadline', 'last_error', 'done',
                 'persist')

    def __init__(self, key, creds, what, netfn, command, data, parse,
                 on_done, deadline, attempts, persist=False):
        self.key = key
        self.creds = creds
        self.what = what
        self.netfn = netfn
        self.command = command
        self.data = data
        self.parse = parse
        self.on_done = on_done  # on_done(op, value, error), loop thread
        self.deadline = deadline
        self.attempts = attempts
        self.failures = 0
        self.token = None
        self.step = None
        self.step_deadline = None
        self.last_error = None
        self.done = False
        self.persist = persist

    def __repr__(self):
        return '<Op %s node=%s %s step=%s>' % (self.what, self.key,
                                               self.creds, self.step)
