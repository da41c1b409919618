"""The neutral package below both halves of powerbridge.

It holds the service plumbing that ``compute_ext`` and
``baremetal_notifier`` both build on (WSGI server, database set-up, config
helpers, the manage scaffold, periodic runner, keystoneauth loading,
request-context base, microversion parsing, router and fault machinery),
and the tools that use the pair only through its public interfaces: the
virtual BMC fleet and the demo launcher. It imports neither half.
"""
