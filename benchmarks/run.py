"""Run every benchmark in this directory; exit 1 if any of them failed.

    python benchmarks/run.py [--quick] [--plot] [NAME ...]

Each ``benchmarks/*.py`` other than this file (and ``_*.py`` helpers) is
a benchmark: it runs as a script, prints ``NAME: VALUE UNIT (goal GOAL)``
lines and exits non-zero when it misses a goal. NAMEs limit the run to
those benchmarks (file names without ``.py``). ``--plot``: the
benchmarks that draw charts write them into doc/source/images (README
shows them).
"""

import argparse
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(os.path.dirname(HERE), 'doc', 'source', 'images')


def discover():
    names = []
    for path in sorted(glob.glob(os.path.join(HERE, '*.py'))):
        name = os.path.splitext(os.path.basename(path))[0]
        if path != os.path.abspath(__file__) and not name.startswith('_'):
            names.append(name)
    return names


def draws_charts(name):
    with open(os.path.join(HERE, name + '.py'), encoding='utf-8') as src:
        return "'--plot'" in src.read()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='pass --quick to every benchmark')
    parser.add_argument('--plot', action='store_true',
                        help='write charts into %s' % IMAGES)
    parser.add_argument('names', nargs='*', help='benchmarks to run')
    args = parser.parse_args(argv)
    available = discover()
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error('unknown benchmark(s) %s; available: %s'
                     % (', '.join(unknown), ', '.join(available)))
    failed = []
    for name in args.names or available:
        argv = [sys.executable, os.path.join(HERE, name + '.py')]
        if args.quick:
            argv.append('--quick')
        if args.plot and draws_charts(name):
            argv += ['--plot', IMAGES]
        print('== %s' % name, flush=True)
        started = time.monotonic()
        returncode = subprocess.call(argv)
        print('== %s: %s in %.0f s' % (
            name, 'ok' if returncode == 0 else 'FAILED (%d)' % returncode,
            time.monotonic() - started), flush=True)
        if returncode != 0:
            failed.append(name)
    ran = len(args.names or available)
    print('%d benchmarks, %d failed%s' % (
        ran, len(failed), (': ' + ', '.join(failed)) if failed else ''))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
