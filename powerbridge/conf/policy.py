from oslo_policy import opts as policy_opts


def register_opts(conf):
    # [oslo_policy] policy_file and friends, so an operator's override file
    # is found before the first request.
    policy_opts.set_defaults(conf)


def list_opts():
    # oslo.policy publishes these under its own 'oslo.policy' namespace.
    return {}
