"""Start-up steps the console scripts share."""

import gc

import testtools

from powerbridge import service


class TestTuneGc(testtools.TestCase):

    def setUp(self):
        super().setUp()
        threshold = gc.get_threshold()
        self.addCleanup(gc.set_threshold, *threshold)
        self.addCleanup(gc.unfreeze)

    def test_start_up_objects_leave_collections_and_young_ones_wait(self):
        built_at_start = [{'session': n} for n in range(1000)]
        service.tune_gc()
        self.assertGreaterEqual(gc.get_freeze_count(), len(built_at_start))
        self.assertEqual(service.GC_YOUNG_THRESHOLD, gc.get_threshold()[0])

    def test_garbage_cycles_are_still_collected(self):
        service.tune_gc()

        class Node:
            pass

        node = Node()
        node.me = node
        del node
        self.assertGreaterEqual(gc.collect(), 1)
