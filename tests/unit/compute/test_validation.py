"""Schema validation messages, body decoding and Nova's booleans."""

import testtools
import webob

from powerbridge import validation
from compute_ext.schemas import services as schema


class TestBodyMessages(testtools.TestCase):

    def assertInvalid(self, message, body_schema, body):
        error = self.assertRaises(validation.ValidationError,
                                  validation.validate, body_schema, body)
        self.assertEqual(message, str(error))

    def test_valid_bodies_pass(self):
        validation.validate(schema.UPDATE, {'host': 'host_1.example-a',
                                            'binary': 'nova-compute'})
        validation.validate(schema.UPDATE_V253, {})

    def test_field_error_names_field_and_value(self):
        self.assertInvalid(
            "Invalid input for field/attribute host. Value: bad host!. "
            "'bad host!' does not match '^[a-zA-Z0-9-._]*$'",
            schema.UPDATE, {'host': 'bad host!', 'binary': 'nova-compute'})

    def test_wrong_type(self):
        self.assertInvalid(
            "Invalid input for field/attribute binary. Value: 5. "
            "5 is not of type 'string'",
            schema.UPDATE, {'host': 'h', 'binary': 5})

    def test_missing_required_field(self):
        self.assertInvalid("'binary' is a required property",
                           schema.UPDATE, {'host': 'h'})

    def test_unknown_field(self):
        self.assertInvalid(
            "Additional properties are not allowed ('colour' was "
            "unexpected)", schema.UPDATE_V253, {'colour': 'blue'})

    def test_the_first_error_in_schema_order_is_reported(self):
        # Nova raises the first error jsonschema finds: properties come
        # before required in the schema, so the bad host is named.
        error = self.assertRaises(validation.ValidationError,
                                  validation.validate, schema.UPDATE,
                                  {'host': 'bad host!'})
        self.assertIn('field/attribute host', str(error))

    def test_not_an_object(self):
        self.assertInvalid("[] is not of type 'object'", schema.UPDATE_V253,
                           [])

    def test_enum(self):
        self.assertInvalid(
            "Invalid input for field/attribute status. Value: up. 'up' is "
            "not one of ['enabled', 'disabled']",
            schema.UPDATE_V253, {'status': 'up'})

    def test_length_limits(self):
        self.assertRaises(validation.ValidationError, validation.validate,
                          schema.UPDATE_V253, {'disabled_reason': ''})
        self.assertRaises(validation.ValidationError, validation.validate,
                          schema.UPDATE_V253, {'disabled_reason': 'x' * 256})
        validation.validate(schema.UPDATE_V253, {'disabled_reason': 'x' * 255})

    def test_uuid_format(self):
        uuid_schema = {'type': 'object',
                       'properties': {'id': {'type': 'string',
                                             'format': 'uuid'}}}
        validation.validate(uuid_schema,
                            {'id': 'e81d66a4-ddd3-4aba-8a84-171d1cb4d339'})
        self.assertInvalid(
            "Invalid input for field/attribute id. Value: nope. 'nope' is "
            "not a 'uuid'", uuid_schema, {'id': 'nope'})


class TestQueryMessages(testtools.TestCase):

    def test_unknown_parameter(self):
        error = self.assertRaises(validation.ValidationError,
                                  validation.validate_query,
                                  schema.INDEX_QUERY_V275, {'foo': ['bar']})
        self.assertEqual(
            "Additional properties are not allowed ('foo' was unexpected)",
            str(error))

    def test_bad_value_names_the_parameter_not_the_index(self):
        query_schema = {'type': 'object', 'properties': {
            'limit': {'type': 'array',
                      'items': {'type': 'string', 'pattern': '^[0-9]+$'}}}}
        error = self.assertRaises(validation.ValidationError,
                                  validation.validate_query, query_schema,
                                  {'limit': ['1', 'x']})
        self.assertEqual(
            "Invalid input for query parameters limit. Value: x. 'x' does "
            "not match '^[0-9]+$'", str(error))

    def test_repeated_parameters_become_lists(self):
        req = webob.Request.blank('/?host=a&binary=b&host=c')
        self.assertEqual({'host': ['a', 'c'], 'binary': ['b']},
                         validation.query_to_lists(req))
        validation.validate_query(schema.INDEX_QUERY_V275,
                                  validation.query_to_lists(req))


class TestJsonBody(testtools.TestCase):

    def _load(self, body):
        return validation.load_json_body(
            webob.Request.blank('/', method='PUT', body=body))

    def test_json(self):
        self.assertEqual({'a': [1]}, self._load(b'{"a": [1]}'))

    def test_malformed(self):
        for body in (b'', b'{"a": ', b'\xff\xfe', b'nan-ish'):
            error = self.assertRaises(validation.MalformedBody, self._load,
                                      body)
            self.assertEqual('Malformed request body', str(error))

    def test_malformed_is_a_validation_error(self):
        # Handlers map ValidationError to 400; a malformed body is one.
        self.assertTrue(issubclass(validation.MalformedBody,
                                   validation.ValidationError))


class TestBooleans(testtools.TestCase):

    def test_every_nova_spelling(self):
        for value in validation.TRUE_VALUES:
            validation.validate(validation.BOOLEAN, value)
            self.assertIs(True, validation.to_bool(value))
        for value in validation.FALSE_VALUES:
            validation.validate(validation.BOOLEAN, value)
            self.assertIs(False, validation.to_bool(value))

    def test_other_values_are_refused(self):
        for value in ('Invalid', 'y', 'tRUE', 1, 0, None, [], ''):
            self.assertRaises(validation.ValidationError,
                              validation.validate, validation.BOOLEAN, value)

    def test_to_bool_refuses_unknown_spellings(self):
        self.assertRaises(ValueError, validation.to_bool, 'maybe')


class TestPortableRegex(testtools.TestCase):
    """The servers name filter's regex core (see check_regex); that the
    databases agree on it is tested per database in
    tests.functional.compute.test_hostile_input."""

    def test_the_portable_core_passes(self):
        for pattern in ('bm-1', '^bm-.*$', 'a|b', '(web|db)-[0-9]{2}',
                        '[^a-z]', 'x{3}', 'x{0,255}', 'a\\.b', '', '.+',
                        'caf\u00e9', '[-a]', '(a)(b)'):
            validation.check_regex(pattern)

    def test_what_a_database_refuses_or_reads_its_own_way(self):
        for pattern in ('a{1,100000}', 'a{256}', '\\d', '\\w+', '\\bx',
                        '\\1(a)', '\\p{L}', '[[:alpha:]]', '[\\]]',
                        '(?i)a', '(?=a)', '(a+)+$', '(.*a){20}', '*',
                        'a{2,1}', 'a{,5}', '[z-a]', '[', '(', 'a)',
                        '}', 'a]', 'a' * 256, 'a*b*c*', 'a\x00',
                        '(' * 9 + ')' * 9, '\ud800'):
            self.assertRaises(validation.ValidationError,
                              validation.check_regex, pattern)

    def test_the_message_names_pattern_and_reason(self):
        error = self.assertRaises(validation.ValidationError,
                                  validation.check_regex, 'a{1,100000}',
                                  'Regular expression')
        self.assertEqual('Regular expression a{1,100000} is not supported: '
                         'counts go up to 255', str(error))
