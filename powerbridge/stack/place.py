"""Run many `compute-ext-manage server create` commands in one interpreter.

    python -m powerbridge.stack.place --config-file F < pairs

Each line of stdin is ``NAME NODE_UUID``; for each, the same entry point
as the console script runs with ``server create --name NAME --node
NODE_UUID``. A stack of 1000 nodes would otherwise start 1000 Python
interpreters. One line per instance goes to stdout: ``ok NAME`` or
``failed NAME``; the command's own error line goes to stderr.
"""

import contextlib
import sys

from compute_ext.cmd import manage


def place(config_file, name, node):
    argv = ['--config-file', config_file, 'server', 'create', '--name',
            name, '--node', node]
    # NOTE: stdout carries only this helper's own result lines.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            code = manage.main(argv)
        except SystemExit as exc:
            code = exc.code
    return not code


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != '--config-file':
        sys.stderr.write('usage: python -m powerbridge.stack.place '
                         '--config-file F < "NAME NODE_UUID" lines\n')
        return 2
    failed = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        name, node = line.split()
        ok = place(argv[1], name, node)
        failed += not ok
        sys.stdout.write('%s %s\n' % ('ok' if ok else 'failed', name))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
