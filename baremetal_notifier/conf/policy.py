from compute_ext.conf import policy as compute_policy


def register_opts(conf):
    compute_policy.register_opts(conf)


def list_opts():
    return {}
