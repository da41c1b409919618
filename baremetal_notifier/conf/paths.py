from compute_ext.conf import paths as compute_paths


def register_opts(conf):
    # One state_path option, shared in meaning with the compute side.
    compute_paths.register_opts(conf)


def list_opts():
    return compute_paths.list_opts()
