"""power-update ingest and the servers list, through the real server.

    python benchmarks/event_ingest.py [--quick]

compute-ext-api runs in its own process on SQLite with noauth2; this
process posts power-update events as a service user would (the Bare
Metal service), over one keep-alive connection, in batches of 1, 10 and
100 events per request. Every event flips its server (POWER_OFF, then
POWER_ON on the next round), so each one is a real state change recorded
as an instance action, not a no-op. Batches of 1 are the baseline
measured in the same run.

Then ``GET /servers/detail`` as an admin over 1000 servers (one full
page).

Each figure is one line ``NAME: VALUE UNIT (goal GOAL)``; the exit status
is 1 when a goal is missed. ``--quick`` sends fewer requests. The
``server_cpu`` figures are the server's own CPU time per request, which
the load of other processes on the machine does not inflate.
"""

import argparse
import datetime
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import _proc  # noqa: E402

import db_migrations  # noqa: E402
from powerbridge import db  # noqa: E402
from compute_ext import context as compute_context  # noqa: E402
from compute_ext.objects import instances as instance_obj  # noqa: E402
from compute_ext.objects import services as service_obj  # noqa: E402
from tests.fixtures import processes  # noqa: E402

EVENT_SERVERS = 100
LIST_SERVERS = 1000
GOAL_EVENTS_PER_S = 2000.0
GOAL_DETAIL_P50_MS = 100.0
PHASE_DEADLINE = 60.0
SERVICE = {'X-Auth-Token': 'ironic:service:service',
           'OpenStack-API-Version': 'compute 2.76',
           'Content-Type': 'application/json'}
ADMIN = {'X-Auth-Token': 'admin:admin',
         'OpenStack-API-Version': 'compute 2.76'}


class Report:
    """Prints each figure as it is measured; remembers missed goals."""

    def __init__(self):
        self.missed = []

    def figure(self, name, value, unit, goal=None):
        line = '%s: %.1f %s' % (name, value, unit)
        if goal is not None:
            op, target = goal
            line += ' (goal %s %s)' % (op, target)
            met = value >= target if op == '>=' else value <= target
            if not met:
                self.missed.append(name)
        print(line, flush=True)


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def populate(url):
    """A compute host and the servers: EVENT_SERVERS of the service's
    events, LIST_SERVERS in the admin's project for the list."""
    database = db.Database(url)
    ctx = compute_context.admin_context(database)
    service_obj.create(ctx, 'compute-01', service_obj.COMPUTE_BINARY)
    created = datetime.datetime(2026, 1, 1)
    event_uuids = []
    with ctx.db.writer.using(ctx):
        for n in range(EVENT_SERVERS + LIST_SERVERS):
            instance = instance_obj.create(
                ctx, name='bm-%04d' % n, host='compute-01',
                node='%08d-0000-4000-8000-000000000000' % n,
                vm_state='active', power_state=1,
                project_id='admin' if n >= EVENT_SERVERS else 'ops',
                user_id='admin', launched_at=created,
                created_at=created + datetime.timedelta(seconds=n))
            if n < EVENT_SERVERS:
                event_uuids.append(instance.uuid)
    database.dispose()
    return event_uuids


class Client:
    """One keep-alive HTTP connection to the API."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port,
                                               timeout=30)

    def call(self, method, path, headers, body=None):
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - started


def ingest(client, uuids, batch, total, deadline):
    """Post ``total`` events in batches; (events/s, latencies in s)."""
    tags = ('POWER_OFF', 'POWER_ON')
    sent, latencies, cursor = 0, [], 0
    started = time.perf_counter()
    while sent < total and time.perf_counter() < deadline:
        events = []
        for _ in range(batch):
            # Each pass over the servers flips them all one way.
            server = uuids[cursor % len(uuids)]
            tag = tags[(cursor // len(uuids)) % 2]
            events.append({'name': 'power-update', 'server_uuid': server,
                           'tag': tag})
            cursor += 1
        status, data, latency = client.call(
            'POST', '/v2.1/os-server-external-events', SERVICE,
            json.dumps({'events': events}))
        if status != 200:
            raise SystemExit('event post failed: %s %s' % (status, data))
        sent += batch
        latencies.append(latency)
    return sent / (time.perf_counter() - started), latencies, cursor


def list_detail(client, requests, deadline):
    latencies = []
    for _ in range(requests):
        if time.perf_counter() > deadline:
            break
        status, data, latency = client.call(
            'GET', '/v2.1/servers/detail', ADMIN)
        if status != 200:
            raise SystemExit('list failed: %s %s' % (status, data[:200]))
        count = len(json.loads(data)['servers'])
        if count != LIST_SERVERS:
            raise SystemExit('listed %d servers, not %d'
                             % (count, LIST_SERVERS))
        latencies.append(latency)
    return latencies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='fewer requests (a smoke run)')
    args = parser.parse_args(argv)
    events_per_size = 600 if args.quick else 3000
    detail_requests = 15 if args.quick else 60
    report = Report()
    with tempfile.TemporaryDirectory() as workdir:
        url = 'sqlite:///' + os.path.join(workdir, 'compute.sqlite')
        db_migrations.sync('compute', url)
        uuids = populate(url)
        server = processes.ComputeAPIProcess(url)
        server.setUp()
        try:
            client = Client(server.url)
            ingest(client, uuids, 10, 100, time.perf_counter() + 30)
            rates = {}
            pid = server.process.pid
            for batch in (1, 10, 100):
                cpu = _proc.cpu_seconds(pid)
                rate, latencies, _ = ingest(
                    client, uuids, batch, events_per_size,
                    time.perf_counter() + PHASE_DEADLINE)
                cpu = _proc.cpu_seconds(pid) - cpu
                rates[batch] = rate
                goal = ('>=', GOAL_EVENTS_PER_S) if batch == 100 else None
                report.figure('event_ingest_batch%d_rate' % batch, rate,
                              'events/s', goal)
                report.figure('event_ingest_batch%d_p50' % batch,
                              percentile(latencies, 0.5) * 1e3, 'ms')
                report.figure('event_ingest_batch%d_p99' % batch,
                              percentile(latencies, 0.99) * 1e3, 'ms')
                # What the server spent, whatever else the machine runs.
                report.figure('event_ingest_batch%d_server_cpu' % batch,
                              cpu / len(latencies) * 1e3, 'ms/request')
            report.figure('event_ingest_batch100_vs_batch1',
                          rates[100] / rates[1], 'x')
            list_detail(client, 3, time.perf_counter() + 30)
            cpu = _proc.cpu_seconds(pid)
            latencies = list_detail(client, detail_requests,
                                    time.perf_counter() + PHASE_DEADLINE)
            cpu = _proc.cpu_seconds(pid) - cpu
            report.figure('servers_detail_1000_p50',
                          statistics.median(latencies) * 1e3, 'ms',
                          ('<=', GOAL_DETAIL_P50_MS))
            report.figure('servers_detail_1000_p99',
                          percentile(latencies, 0.99) * 1e3, 'ms')
            report.figure('servers_detail_1000_server_cpu',
                          cpu / len(latencies) * 1e3, 'ms/request')
        finally:
            server.cleanUp()
    if report.missed:
        print('missed: %s' % ', '.join(report.missed), flush=True)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
