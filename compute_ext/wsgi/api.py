"""Module-level ``application`` for WSGI servers that import one."""

from compute_ext import wsgi

application = wsgi.init_application()
