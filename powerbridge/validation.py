"""JSON body and query validation with OpenStack-style error messages."""

import json
import re

import jsonschema
from oslo_utils import uuidutils

# Nova's parameter_types.boolean: the spellings bool_from_string accepts.
TRUE_VALUES = [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
               'YES', 'Yes', 'yes']
FALSE_VALUES = [False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',
                'NO', 'No', 'no']
BOOLEAN = {'type': ['boolean', 'string'], 'enum': TRUE_VALUES + FALSE_VALUES}

_FORMAT_CHECKER = jsonschema.FormatChecker()


@_FORMAT_CHECKER.checks('uuid')
def _is_uuid(instance):
    if not isinstance(instance, str):
        return True
    return uuidutils.is_uuid_like(instance)


class ValidationError(Exception):
    """The request does not match its schema; message is for the client."""


class MalformedBody(ValidationError):
    """The body is not JSON (or not UTF-8)."""


def _first_error(schema, instance):
    # NOTE: the first error in schema order, as Nova reports it;
    # jsonschema's best_match would prefer a different one when a body
    # has several faults.
    validator = jsonschema.Draft4Validator(schema,
                                           format_checker=_FORMAT_CHECKER)
    return next(iter(validator.iter_errors(instance)), None)


def validate(schema, instance):
    """Validate like Nova: name the failing field and its value."""
    error = _first_error(schema, instance)
    if error is None:
        return
    if len(error.path) > 0:
        detail = ('Invalid input for field/attribute %(path)s. '
                  'Value: %(value)s. %(message)s'
                  % {'path': error.path.pop(), 'value': error.instance,
                     'message': error.message})
    else:
        detail = error.message
    raise ValidationError(detail)


def validate_query(schema, params):
    """Validate query parameters (each name maps to a list of values)."""
    error = _first_error(schema, params)
    if error is None:
        return
    if len(error.path) > 0:
        # The path is (name, index in the list of values): name the
        # parameter, not the index.
        raise ValidationError(
            'Invalid input for query parameters %(path)s. Value: %(value)s. '
            '%(message)s' % {'path': error.path.popleft(),
                             'value': error.instance,
                             'message': error.message})
    raise ValidationError(error.message)


def query_to_lists(req):
    """Multi-valued query parameters as {name: [values]}.

    Handlers read the query string through this, never req.GET directly:
    webob raises UnicodeDecodeError for a percent-escape that is not
    UTF-8, which must be a 400 and not a 500.
    """
    try:
        items = list(req.GET.items())
    except UnicodeDecodeError:
        raise ValidationError('Query string is not valid UTF-8') from None
    result = {}
    for key, value in items:
        check_text(key, 'Query parameter names')
        check_text(value, 'Query parameter values')
        result.setdefault(key, []).append(value)
    return result


# How deep a request body may nest. Nothing either API accepts nests past
# a handful of levels; the limit keeps every stored document well inside
# what json, jsonpatch and copy.deepcopy can walk without recursing out.
MAX_JSON_DEPTH = 32


def _reject_constant(name):
    # NaN and Infinity are not JSON: PostgreSQL's JSON type and every
    # client refuse them, so they must never be stored.
    raise ValueError('%s is not JSON' % name)


def check_text(value, what='Value'):
    """Raise ValidationError for a string no database stores faithfully.

    NUL is refused by PostgreSQL and truncates elsewhere; an unpaired
    surrogate cannot be encoded as UTF-8 at all. Both are refused alike
    on every database, before any handler uses the string.
    """
    if '\x00' in value:
        raise ValidationError('%s must not contain NUL characters' % what)
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise ValidationError(
            '%s must not contain unpaired surrogates' % what) from None


def check_document(document, max_depth=MAX_JSON_DEPTH):
    """Walk a decoded JSON document without recursion: bounded nesting,
    storable strings (keys included). Raises ValidationError."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            check_text(value, 'Strings')
        elif isinstance(value, (dict, list)):
            if depth > max_depth:
                raise ValidationError(
                    'JSON nested deeper than %d levels' % max_depth)
            if isinstance(value, dict):
                for key, item in value.items():
                    check_text(key, 'Keys')
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def load_json_body(req, max_depth=MAX_JSON_DEPTH):
    """Decode a JSON request body, or raise MalformedBody/ValidationError.

    Anything a handler gets from here can be stored and read back on all
    three databases: no NaN/Infinity, no NUL or unpaired surrogate, no
    nesting past ``max_depth``, no integer too long for Python to parse.
    """
    try:
        raw = req.body
    except (ValueError, OSError):
        # webob's reading of a broken chunked body or a short one.
        raise MalformedBody('Malformed request body') from None
    if not raw:
        raise MalformedBody('Malformed request body')
    try:
        document = json.loads(raw.decode('utf-8'),
                              parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deep enough to exhaust the decoder.
        raise MalformedBody('Malformed request body') from None
    try:
        check_document(document, max_depth)
    except ValidationError as exc:
        raise MalformedBody('Malformed request body: %s' % exc) from None
    return document


def to_bool(value):
    """Turn one of the BOOLEAN spellings into a bool."""
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ValueError('Unrecognized value %r' % (value,))


# The largest value an INTEGER column holds on all three databases.
MAX_DB_INT = 2 ** 31 - 1


def bounded_int(value, what, minimum=0, maximum=MAX_DB_INT):
    """Parse a decimal integer from a query string or header.

    Anything outside [minimum, maximum] (a thousand-digit number included,
    which would otherwise reach the database or Python's digit limit) is a
    ValidationError naming ``what``.
    """
    text = value.strip()
    # NOTE: the length test comes first: int() of a huge digit string is
    # slow, and past 4300 digits Python refuses it with its own message.
    digits = text.lstrip('+-')
    if not digits.isdigit() or not digits.isascii() or len(digits) > 12:
        raise ValidationError('%s must be an integer between %d and %d'
                              % (what, minimum, maximum))
    number = int(text)
    if not minimum <= number <= maximum:
        raise ValidationError('%s must be an integer between %d and %d'
                              % (what, minimum, maximum))
    return number


# Regular expressions every database evaluates alike. The servers name
# filter is a regex (Nova: REGEXP on MySQL, ~ on PostgreSQL, Python's re
# on SQLite); the three dialects only agree on a small core, and each
# refuses or explodes on different things (PostgreSQL: counts over 255,
# "too complex"; MariaDB's PCRE: backtracking limits; Python: nested or
# stacked quantifiers take minutes). Only that core is accepted.
MAX_REGEX_LENGTH = 255
MAX_REGEX_COUNT = 255
# Variable-length quantifiers (*, +, ?, {m,n}) per pattern: each one
# multiplies the backtracking work of a search by the name's length.
MAX_REGEX_QUANTIFIERS = 2
MAX_REGEX_GROUP_DEPTH = 8
_REGEX_COUNT = re.compile(r'\{([0-9]+)(,([0-9]*))?\}')


def _regex_class_end(pattern, start, fail):
    """Index of the ']' closing the class opened at ``start``: plain
    characters and ranges only (no escapes, no POSIX classes)."""
    index = start + 1
    if pattern[index:index + 1] == '^':
        index += 1
    first = index
    while index < len(pattern):
        char = pattern[index]
        if char == ']' and index > first:
            return index
        if char in '[]\\':
            fail('character classes hold plain characters and ranges only')
        if (pattern[index + 1:index + 2] == '-'
                and pattern[index + 2:index + 3] not in ('', ']')):
            if pattern[index + 2] in '[\\' or pattern[index + 2] < char:
                fail('invalid range in a character class')
            index += 3
            continue
        index += 1
    fail('unterminated character class')


def check_regex(pattern, what='Regular expression'):
    """Raise ValidationError unless ``pattern`` is in the portable core:
    literals, ``\\`` before punctuation, ``.``, ``^``, ``$``, ``|``,
    plain groups, classes of characters and ranges, and quantifiers
    (``*``, ``+``, ``?``, ``{m}``, ``{m,}``, ``{m,n}`` up to 255) on a
    single character, dot or class, at most two of variable length.
    """
    def fail(reason):
        raise ValidationError('%s %s is not supported: %s'
                              % (what, pattern[:MAX_REGEX_LENGTH], reason))

    check_text(pattern, what)
    if len(pattern) > MAX_REGEX_LENGTH:
        fail('longer than %d characters' % MAX_REGEX_LENGTH)
    index, depth, variable = 0, 0, 0
    # Whether the previous item is a single character, dot or class:
    # quantified groups are what backtracks exponentially.
    quantifiable = False
    while index < len(pattern):
        char = pattern[index]
        if char == '\\':
            escaped = pattern[index + 1:index + 2]
            if not escaped or escaped.isalnum() or not escaped.isascii():
                # \d, \w, \b, \1, \p{..}: each dialect reads them its way.
                fail('only punctuation may be escaped')
            index += 2
            quantifiable = True
        elif char == '[':
            index = _regex_class_end(pattern, index, fail) + 1
            quantifiable = True
        elif char == '(':
            if pattern[index + 1:index + 2] == '?':
                fail('no (? extensions')
            depth += 1
            if depth > MAX_REGEX_GROUP_DEPTH:
                fail('groups nested too deep')
            index += 1
            quantifiable = False
        elif char == ')':
            depth -= 1
            if depth < 0:
                fail('unbalanced parenthesis')
            index += 1
            quantifiable = False
        elif char in '*+?{':
            if not quantifiable:
                fail('a quantifier applies to one character, dot or class')
            if char == '{':
                match = _REGEX_COUNT.match(pattern, index)
                if not match:
                    fail('counts are {m}, {m,} or {m,n}')
                low, comma, high = match.group(1, 2, 3)
                if max(len(low), len(high or '')) > 3 or max(
                        int(low), int(high or 0)) > MAX_REGEX_COUNT:
                    fail('counts go up to %d' % MAX_REGEX_COUNT)
                if high and int(high) < int(low):
                    fail('a count range goes from low to high')
                # {m} is fixed; {m,} and {m,n} are variable-length.
                variable += comma is not None and high != low
                index = match.end()
            else:
                variable += 1
                index += 1
            if variable > MAX_REGEX_QUANTIFIERS:
                fail('at most %d variable-length quantifiers'
                     % MAX_REGEX_QUANTIFIERS)
            quantifiable = False
        elif char in ']}':
            fail('escape a literal %s' % char)
        else:
            quantifiable = char not in '^$|'
            index += 1
    if depth:
        fail('unbalanced parenthesis')
