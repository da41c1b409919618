"""The demo's reading of /metrics pages: sums and histogram quantiles."""

import testtools

from powerbridge.stack import observe


def _samples(pairs):
    return {(name, frozenset(labels.items())): value
            for name, labels, value in pairs}


class TestFigures(testtools.TestCase):

    def test_total_sums_matching_labels(self):
        samples = _samples([
            ('x_total', {'result': 'a', 'tag': '1'}, 2.0),
            ('x_total', {'result': 'a', 'tag': '2'}, 3.0),
            ('x_total', {'result': 'b', 'tag': '1'}, 7.0)])
        self.assertEqual(5.0, observe.total(samples, 'x_total', result='a'))
        self.assertEqual(12.0, observe.total(samples, 'x_total'))
        self.assertIsNone(observe.total(samples, 'y_total'))

    def test_bucket_quantile_interpolates_like_prometheus(self):
        samples = _samples([
            ('lag_bucket', {'le': '0.1'}, 10.0),
            ('lag_bucket', {'le': '0.5'}, 90.0),
            ('lag_bucket', {'le': '1.0'}, 100.0),
            ('lag_bucket', {'le': '+Inf'}, 100.0)])
        self.assertAlmostEqual(0.3, observe.bucket_quantile(
            0.5, samples, 'lag'))
        self.assertAlmostEqual(0.95, observe.bucket_quantile(
            0.99, samples, 'lag'))
        self.assertAlmostEqual(0.05, observe.bucket_quantile(
            0.05, samples, 'lag'))

    def test_no_observations_no_quantile(self):
        samples = _samples([('lag_bucket', {'le': '+Inf'}, 0.0)])
        self.assertIsNone(observe.bucket_quantile(0.5, samples, 'lag'))
        self.assertIsNone(observe.bucket_quantile(0.5, {}, 'lag'))

    def test_an_unreachable_endpoint_reads_as_nothing(self):
        self.assertEqual({}, observe.scrape('http://127.0.0.1:9/metrics',
                                            timeout=0.5))
