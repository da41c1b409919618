"""Virtual environments for peer services, built once and cached.

A peer (Keystone) is installed from the package index into its own
virtual environment under ``~/.cache/powerbridge/venvs/<name>-<version>``
the first time something needs it. A file lock makes a second process (a
parallel test worker) wait for the first one's build instead of building
the same environment at once; a marker file written last says the build
finished, so an interrupted build is started again from scratch.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import time

CACHE_ENV = 'POWERBRIDGE_VENV_CACHE'
MARKER = '.powerbridge-complete'
# A failed build is not retried by every caller of the same run: for this
# many seconds the next callers get the same error at once.
FAILURE_MEMORY = 600
# pip over a cold cache on 2 cores: generous.
BUILD_TIMEOUT = 900


class VenvError(Exception):
    """The environment could not be built (no index, no compiler...)."""


def cache_root():
    return os.environ.get(CACHE_ENV) or os.path.join(
        os.path.expanduser('~'), '.cache', 'powerbridge', 'venvs')


def ensure(name, version, requirements, timeout=BUILD_TIMEOUT):
    """The path of the venv ``<name>-<version>`` holding ``requirements``.

    Builds it when missing; returns at once when it is complete. The
    second value is the seconds spent building (0.0 when cached).
    """
    root = cache_root()
    os.makedirs(root, exist_ok=True)
    path = os.path.join(root, '%s-%s' % (name, version))
    marker = os.path.join(path, MARKER)
    if os.path.exists(marker):
        return path, 0.0
    started = time.monotonic()
    failed = path + '.failed'
    with open(path + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if os.path.exists(marker):  # built while we waited
                return path, time.monotonic() - started
            _recent_failure(failed)
            shutil.rmtree(path, ignore_errors=True)
            try:
                _build(path, requirements, timeout)
            except VenvError as exc:
                with open(failed, 'w') as handle:
                    handle.write(str(exc))
                raise
            with open(marker, 'w') as handle:
                handle.write('\n'.join(requirements) + '\n')
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path, time.monotonic() - started


def _recent_failure(failed):
    try:
        age = time.time() - os.stat(failed).st_mtime
    except FileNotFoundError:
        return
    if age < FAILURE_MEMORY:
        with open(failed) as handle:
            raise VenvError('an earlier build failed %.0f s ago: %s'
                            % (age, handle.read()))


def _run(argv, timeout):
    try:
        result = subprocess.run(argv, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise VenvError('%s took more than %d s' % (argv[0], timeout)) \
            from None
    if result.returncode:
        tail = '\n'.join((result.stderr or result.stdout).splitlines()[-5:])
        raise VenvError('%s failed (%d): %s' % (' '.join(argv[:4]),
                                                result.returncode, tail))


def _build(path, requirements, timeout):
    _run([sys.executable, '-m', 'venv', path], timeout)
    _run([os.path.join(path, 'bin', 'python'), '-m', 'pip', 'install', '-q',
          '--disable-pip-version-check'] + list(requirements), timeout)


def script(venv, name):
    return os.path.join(venv, 'bin', name)
