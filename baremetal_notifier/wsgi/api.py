"""Module-level ``application`` for WSGI servers that import one
(``gunicorn baremetal_notifier.wsgi.api:application``); the config file
comes from $BAREMETAL_NOTIFIER_CONFIG_FILE."""

from baremetal_notifier import wsgi

application = wsgi.init_application()
