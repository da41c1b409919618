"""servicegroup.is_up: Nova's database driver rule with forced_down."""

import datetime

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from compute_ext.conf import service as service_conf
from compute_ext.objects import services as service_obj
from compute_ext import servicegroup

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0)


def make_service(**values):
    fields = dict(id=1, uuid='e81d66a4-ddd3-4aba-8a84-171d1cb4d339',
                  host='host1', binary='nova-compute', topic='compute',
                  report_count=3, disabled=False, disabled_reason=None,
                  forced_down=False, last_seen_up=None,
                  created_at=NOW - datetime.timedelta(days=1),
                  updated_at=None)
    fields.update(values)
    return service_obj.Service(**fields)


def ago(seconds):
    return NOW - datetime.timedelta(seconds=seconds)


class ServiceGroupTestCase(testtools.TestCase):

    def make_group(self, **overrides):
        conf = cfg.ConfigOpts()
        service_conf.register_opts(conf)
        conf([], project='compute-ext', default_config_files=[])
        self.useFixture(config_fixture.Config(conf)).config(**overrides)
        return servicegroup.ServiceGroup(conf)


class TestIsUp(ServiceGroupTestCase):

    def setUp(self):
        super().setUp()
        self.group = self.make_group()

    def test_defaults_are_novas(self):
        self.assertEqual(60, self.group.service_down_time)

    def test_fresh_heartbeat_is_up(self):
        self.assertTrue(self.group.is_up(make_service(last_seen_up=ago(5)),
                                         now=NOW))

    def test_forced_down_wins_over_a_fresh_heartbeat(self):
        service = make_service(last_seen_up=NOW, forced_down=True)
        self.assertFalse(self.group.is_up(service, now=NOW))

    def test_old_heartbeat_is_down(self):
        self.assertFalse(self.group.is_up(
            make_service(last_seen_up=ago(61)), now=NOW))

    def test_boundary_is_inclusive(self):
        self.assertTrue(self.group.is_up(
            make_service(last_seen_up=ago(60)), now=NOW))
        just_over = NOW - datetime.timedelta(seconds=60, microseconds=1)
        self.assertFalse(self.group.is_up(
            make_service(last_seen_up=just_over), now=NOW))

    def test_future_heartbeat_counts_as_up(self):
        # Clock skew between hosts: Nova compares the absolute difference.
        self.assertTrue(self.group.is_up(
            make_service(last_seen_up=ago(-30)), now=NOW))
        self.assertFalse(self.group.is_up(
            make_service(last_seen_up=ago(-61)), now=NOW))

    def test_created_at_stands_in_for_a_missing_heartbeat(self):
        self.assertTrue(self.group.is_up(
            make_service(last_seen_up=None, created_at=ago(10)), now=NOW))
        self.assertFalse(self.group.is_up(
            make_service(last_seen_up=None, created_at=ago(600)), now=NOW))

    def test_last_seen_up_is_preferred_over_created_at(self):
        self.assertFalse(self.group.is_up(
            make_service(last_seen_up=ago(600), created_at=ago(1)), now=NOW))

    def test_updated_at_is_not_a_heartbeat(self):
        # Admin updates bump updated_at; they say nothing about liveness.
        service = make_service(last_seen_up=ago(600), updated_at=NOW)
        self.assertFalse(self.group.is_up(service, now=NOW))

    def test_no_timestamp_at_all_is_down(self):
        service = make_service(last_seen_up=None, created_at=None)
        self.assertFalse(self.group.is_up(service, now=NOW))

    def test_now_defaults_to_the_clock(self):
        self.assertTrue(self.group.is_up(make_service(
            last_seen_up=datetime.datetime.now(datetime.UTC).replace(
                tzinfo=None))))


class TestDownTimeCorrection(ServiceGroupTestCase):

    def test_down_time_not_above_report_interval_is_raised(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='compute_ext.servicegroup'))
        group = self.make_group(report_interval=10, service_down_time=10)
        self.assertEqual(25, group.service_down_time)
        self.assertIn('Report interval must be less than service down time',
                      logger.output)

    def test_down_time_below_report_interval_is_raised(self):
        group = self.make_group(report_interval=30, service_down_time=20)
        self.assertEqual(75, group.service_down_time)
        self.assertTrue(group.is_up(make_service(last_seen_up=ago(70)),
                                    now=NOW))

    def test_sane_values_are_kept(self):
        group = self.make_group(report_interval=10, service_down_time=11)
        self.assertEqual(11, group.service_down_time)
