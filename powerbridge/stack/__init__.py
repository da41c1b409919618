"""Run the whole product as real processes (demo, e2e tests, benchmarks)."""

from powerbridge.stack.layout import Settings  # noqa: F401
from powerbridge.stack.process import StackError  # noqa: F401
from powerbridge.stack.process import wait_for  # noqa: F401
from powerbridge.stack.stack import COMPUTE_API  # noqa: F401
from powerbridge.stack.stack import NOTIFIER  # noqa: F401
from powerbridge.stack.stack import Stack  # noqa: F401
from powerbridge.stack.stack import VBMC  # noqa: F401
