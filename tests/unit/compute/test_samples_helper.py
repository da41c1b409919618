"""tests/fixtures/samples.py: the keys-and-types comparison of samples."""

import testtools

from tests.fixtures import samples


class TestShapeDifferences(testtools.TestCase):

    def diff(self, sample, actual):
        return samples.shape_differences(sample, actual)

    def test_same_shape_other_values(self):
        self.assertEqual([], self.diff(
            {'id': 1, 'host': 'a', 'up': True, 'at': None, 'r': 1.5},
            {'id': 9, 'host': 'b', 'up': False, 'at': None, 'r': 0.1}))

    def test_extra_and_missing_keys(self):
        self.assertEqual(['$.b: not in the sample',
                          '$.a: missing (the sample has it)'],
                         self.diff({'a': 1}, {'b': 1}))

    def test_types_are_json_types(self):
        self.assertEqual(['$.a: type boolean, sample has integer'],
                         self.diff({'a': 1}, {'a': True}))
        self.assertEqual(['$.a: type string, sample has null'],
                         self.diff({'a': None}, {'a': 'x'}))
        self.assertEqual(['$: type array, sample has object'],
                         self.diff({}, []))

    def test_list_items_take_every_type_the_sample_items_have(self):
        sample = {'services': [{'reason': 'x'}, {'reason': None}]}
        self.assertEqual([], self.diff(sample, {'services': [
            {'reason': None}, {'reason': 'y'}]}))
        self.assertEqual(['$.services[1].reason: type integer, sample has '
                          'null/string'],
                         self.diff(sample, {'services': [{'reason': None},
                                                         {'reason': 3}]}))

    def test_nested_objects_in_list_items(self):
        sample = {'versions': [{'links': [{'href': 'h', 'rel': 'self'}]}]}
        self.assertEqual(['$.versions[0].links[0].type: not in the sample'],
                         self.diff(sample, {'versions': [{'links': [
                             {'href': 'x', 'rel': 'self', 'type': 't'}]}]}))

    def test_empty_sample_list_says_nothing_about_items(self):
        self.assertEqual([], self.diff({'a': []}, {'a': [1, 'x']}))

    def test_empty_actual_list_matches(self):
        self.assertEqual([], self.diff({'a': [{'b': 1}]}, {'a': []}))
