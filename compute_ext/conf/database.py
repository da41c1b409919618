from powerbridge import db


def register_opts(conf):
    db.register_database_opts(conf, 'compute.sqlite')


def list_opts():
    # oslo.db publishes its own [database] options under 'oslo.db'.
    return {}
