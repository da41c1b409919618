from powerbridge import db


def register_opts(conf):
    db.register_database_opts(conf, 'baremetal.sqlite')


def list_opts():
    return {}
