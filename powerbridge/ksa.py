"""keystoneauth1 session/auth/adapter options for service-to-service calls.

Both services talk to their peer the way Ironic talks to Nova: through a
keystoneauth Adapter loaded from one config section, so the peer can be a
real OpenStack service found in the catalog or an endpoint override.
"""

import copy

from keystoneauth1 import loading as ks_loading


def register_auth_opts(conf, group, service_type, valid_interfaces=None):
    """Register session, auth and adapter options under ``group``."""
    ks_loading.register_session_conf_options(conf, group)
    ks_loading.register_auth_conf_options(conf, group)
    ks_loading.register_adapter_conf_options(conf, group)
    conf.set_default('service_type', service_type, group=group)
    conf.set_default('valid_interfaces',
                     valid_interfaces or ['internal', 'public'], group=group)


def list_auth_opts(service_type):
    """Options for the sample config, including the common auth plugins."""
    opts = copy.deepcopy(ks_loading.get_session_conf_options())
    opts.extend(copy.deepcopy(ks_loading.get_auth_common_conf_options()))
    names = {o.dest for o in opts}
    for plugin in ('password', 'v3password', 'admin_token', 'none'):
        for opt in ks_loading.get_auth_plugin_conf_options(plugin):
            if opt.dest not in names:
                opts.append(copy.deepcopy(opt))
                names.add(opt.dest)
    for opt in ks_loading.get_adapter_conf_options(include_deprecated=False):
        if opt.dest not in names:
            opt = copy.deepcopy(opt)
            if opt.dest == 'service_type':
                opt.default = service_type
            if opt.dest == 'valid_interfaces':
                opt.default = ['internal', 'public']
            opts.append(opt)
            names.add(opt.dest)
    return opts


def load_adapter(conf, group, **kwargs):
    """Build a keystoneauth Adapter from ``[group]``."""
    auth = ks_loading.load_auth_from_conf_options(conf, group)
    session = ks_loading.load_session_from_conf_options(conf, group,
                                                        auth=auth)
    return ks_loading.load_adapter_from_conf_options(
        conf, group, session=session, auth=auth, **kwargs)
