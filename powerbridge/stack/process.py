"""One service of a Stack as a child process with its own log file.

A child dies with its parent even when the parent is killed outright: it
runs in its own session (a Ctrl-C in the terminal reaches only the parent,
which then stops the children in order) and with PR_SET_PDEATHSIG, so the
kernel sends it SIGTERM when the thread that started it goes away.
"""

import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import time

# linux/prctl.h
_PR_SET_PDEATHSIG = 1


class StackError(Exception):
    """A process of the stack failed to start or to become ready."""


def find_script(name):
    """The console script ``name``: next to the interpreter, or on PATH."""
    candidate = os.path.join(os.path.dirname(os.path.abspath(
        sys.executable)), name)
    if os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(name)
    if found is None:
        raise StackError('console script %s not found next to %s nor on '
                         'PATH; is powerbridge installed?'
                         % (name, sys.executable))
    return found


def _death_signal_hook():
    """A preexec_fn that ties the child's life to this process."""
    libc_name = ctypes.util.find_library('c')
    if libc_name is None:
        return None
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    parent = os.getpid()

    def hook():
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        # NOTE: the parent may have died between fork and prctl.
        if os.getppid() != parent:
            os._exit(1)

    return hook


def wait_for(condition, timeout, interval=0.1, what='condition'):
    """Poll ``condition()`` until it returns something true; return that.

    :raises StackError: when ``timeout`` seconds pass first; the message
        says what was awaited and the last value seen.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise StackError('timed out after %.1f s waiting for %s (last: '
                             '%r)' % (timeout, what, value))
        time.sleep(interval)


class Process:
    """A console script run with arguments, logging to ``log_path``.

    The log file is appended to across restarts, with a marker line per
    start, so a test failure shows the whole story.
    """

    def __init__(self, name, script, args, log_path, env=None):
        self.name = name
        self.script = script
        self.args = list(args)
        self.log_path = log_path
        self.env = env
        self.popen = None
        self.starts = 0
        self._log_offset = 0

    def __repr__(self):
        return '<Process %s pid=%s>' % (self.name, self.pid)

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    @property
    def argv(self):
        return [find_script(self.script)] + self.args

    def start(self):
        if self.alive():
            raise StackError('%s is already running' % self.name)
        argv = self.argv
        with open(self.log_path, 'ab') as log:
            log.write(('--- %s start #%d: %s\n' % (
                time.strftime('%H:%M:%S'), self.starts + 1,
                ' '.join(argv))).encode('utf-8'))
            log.flush()
            self._log_offset = log.tell()
            self.popen = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=self.env, close_fds=True,
                start_new_session=True, preexec_fn=_death_signal_hook())
        self.starts += 1
        return self

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    @property
    def returncode(self):
        return None if self.popen is None else self.popen.poll()

    def send(self, signum):
        if self.alive():
            self.popen.send_signal(signum)

    def stop(self, timeout=10.0, signum=signal.SIGTERM):
        """Send ``signum``, then SIGKILL if still alive after ``timeout``.

        Returns the exit code (negative: the signal that ended it).
        """
        if self.popen is None:
            return None
        if self.alive():
            # NOTE: a stopped (SIGSTOP) process would never act on SIGTERM.
            self.popen.send_signal(signal.SIGCONT)
            self.popen.send_signal(signum)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return self.popen.returncode

    def kill(self):
        """SIGKILL: no chance to clean up, as in a crash."""
        return self.stop(timeout=5.0, signum=signal.SIGKILL)

    def pause(self):
        """SIGSTOP: the process holds its sockets but answers nothing."""
        self.send(signal.SIGSTOP)

    def resume(self):
        self.send(signal.SIGCONT)

    def log_text(self, since_start=False):
        """The log file's text (of the latest start only, if asked)."""
        try:
            with open(self.log_path, 'rb') as log:
                if since_start:
                    log.seek(self._log_offset)
                return log.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def check_alive(self):
        """Raise StackError with the log's tail when the process exited."""
        if self.popen is not None and not self.alive():
            tail = '\n'.join(self.log_text(since_start=True).splitlines()
                             [-15:])
            raise StackError('%s exited with code %s:\n%s'
                             % (self.name, self.returncode, tail))

    def wait_for_log(self, needle, timeout):
        """Wait until the latest start's log holds ``needle``; the line."""
        def found():
            self.check_alive()
            for line in self.log_text(since_start=True).splitlines():
                if needle in line:
                    return line
            return None
        return wait_for(found, timeout, interval=0.05,
                        what='%r in the log of %s' % (needle, self.name))
