"""GET /os-services with 1000 compute services, through the real server.

    python benchmarks/services_list.py [--quick]

compute-ext-api runs as its own process (the console script: cheroot,
noauth2) on an SQLite database holding 1000 nova-compute services. One
keep-alive HTTP client measures ``GET /v2.1/os-services`` at microversion
2.53 (every service serialised with its computed state), then the same
client measures ``GET /v2.1/`` (the version document: no database, no
policy) as the baseline of the same run, so the ratio shows what the list
itself costs on this machine. A second phase runs four clients at once
for the throughput.

One line per figure, ``NAME: VALUE UNIT (goal GOAL)``; exit status 1 when
a goal is missed. ``--quick``: fewer requests, same database.
"""

import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import sqlalchemy as sa  # noqa: E402

import db_migrations  # noqa: E402
from compute_ext.db import models  # noqa: E402

SERVICES = 1000
GOAL_P50_MS = 50.0
LIST_PATH = '/v2.1/os-services'
HEADERS = {'X-Auth-Token': 'admin:admin', 'Accept': 'application/json',
           'OpenStack-API-Version': 'compute 2.53'}
LISTENING = re.compile(r'listening on http://127\.0\.0\.1:(\d+)/')


def fill_database(url, count):
    """``count`` nova-compute rows, half of them seen recently."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    rows = [dict(uuid=str(uuid.uuid4()), host='compute-%04d' % i,
                 binary='nova-compute', topic='compute', report_count=i,
                 disabled=(i % 10 == 0),
                 disabled_reason='maintenance' if i % 10 == 0 else None,
                 forced_down=(i % 50 == 0),
                 last_seen_up=now - datetime.timedelta(
                     seconds=5 if i % 2 else 3600),
                 created_at=now, updated_at=now, deleted=0)
            for i in range(count)]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(models.Service.__table__.insert(), rows)
    engine.dispose()


def start_api(workdir):
    """Start compute-ext-api on a free port; return (process, port)."""
    url = 'sqlite:///' + os.path.join(workdir, 'compute.sqlite')
    db_migrations.sync('compute', url)
    fill_database(url, SERVICES)
    config = os.path.join(workdir, 'compute-ext.conf')
    with open(config, 'w') as conf:
        conf.write('[DEFAULT]\nstate_path = %s\n[api]\nauth_strategy = '
                   'noauth2\nport = 0\n[database]\nconnection = %s\n'
                   % (workdir, url))
    script = os.path.join(os.path.dirname(sys.executable), 'compute-ext-api')
    log_path = os.path.join(workdir, 'api.log')
    with open(log_path, 'wb') as log:
        process = subprocess.Popen([script, '--config-file', config],
                                   stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(log_path, errors='replace') as log:
            match = LISTENING.search(log.read())
        if match:
            return process, int(match.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    with open(log_path, errors='replace') as log:
        raise SystemExit('compute-ext-api did not start:\n' + log.read())


def timed_gets(port, path, count, check):
    """``count`` GETs on one keep-alive connection; latencies in ms."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    latencies = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            conn.request('GET', path, headers=HEADERS)
            response = conn.getresponse()
            body = response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit('GET %s: %s %s' % (path, response.status,
                                                    body[:300]))
            check(body)
    finally:
        conn.close()
    return latencies


def check_list(body):
    services = json.loads(body)['services']
    if len(services) != SERVICES or not isinstance(services[0]['id'], str):
        raise SystemExit('unexpected list: %d services' % len(services))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def report(name, value, unit, goal='none'):
    print('%s: %.2f %s (goal %s)' % (name, value, unit, goal))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='fewer requests (CI)')
    args = parser.parse_args()
    requests = 100 if args.quick else 500
    workdir = tempfile.mkdtemp(prefix='services-list-bench-')
    process, port = start_api(workdir)
    try:
        # Warm up: imports, the SQLite page cache, cheroot's threads.
        timed_gets(port, LIST_PATH, 10, check_list)
        listing = timed_gets(port, LIST_PATH, requests, check_list)
        baseline = timed_gets(port, '/v2.1/', requests, lambda body: None)
        clients = 4
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            list(pool.map(lambda _: timed_gets(port, LIST_PATH,
                                               requests // clients,
                                               check_list),
                          range(clients)))
        parallel_rps = (requests // clients * clients
                        / (time.perf_counter() - started))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)

    p50 = statistics.median(listing)
    base_p50 = statistics.median(baseline)
    report('services_list_1000_p50', p50, 'ms', '<= %.0f ms' % GOAL_P50_MS)
    report('services_list_1000_p99', percentile(listing, 0.99), 'ms')
    report('services_list_1000_rps_1_client', 1000 / statistics.mean(listing),
           'req/s')
    report('services_list_1000_rps_4_clients', parallel_rps, 'req/s')
    report('version_doc_p50', base_p50, 'ms')
    report('services_list_1000_vs_version_doc_p50', p50 / base_p50, 'x')
    return 0 if p50 <= GOAL_P50_MS else 1


if __name__ == '__main__':
    sys.exit(main())
