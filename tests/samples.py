"""Compare a live JSON body with a published sample: same keys, same types.

Values differ between a sample and a live response (ids, times, hosts);
what a client relies on is the shape. ``shape_differences`` walks both
bodies and lists every place where the keys or the JSON types disagree.

Lists: every live item is compared with the sample's items merged into
one shape, where a key may have each type it has in any sample item (the
services sample has ``disabled_reason`` as a string in one item and null
in another). An empty sample list says nothing about its items.
"""

import collections
import json
import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared/reference from the repository root.
REFERENCE_DIR = os.path.join(os.path.dirname(REPO_ROOT), 'shared',
                             'reference')
NOVA_SAMPLES_DIR = os.path.join(REFERENCE_DIR, 'nova_api_samples')
IRONIC_SAMPLES_DIR = os.path.join(REFERENCE_DIR, 'ironic_api_samples')


def json_type(value):
    """The JSON type name of a decoded value (bool is not a number)."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, int):
        return 'integer'
    if isinstance(value, float):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'array'
    if isinstance(value, dict):
        return 'object'
    raise TypeError('not a JSON value: %r' % (value,))


class _Merged:
    """Several sample values seen at one place, merged into one shape."""

    def __init__(self, values):
        self.types = {json_type(v) for v in values}
        objects = [v for v in values if isinstance(v, dict)]
        self.keys = {k for obj in objects for k in obj}
        # Keys missing from some sample items are optional.
        self.required = (set.intersection(*(set(o) for o in objects))
                         if objects else set())
        self.members = {k: _Merged([o[k] for o in objects if k in o])
                        for k in self.keys}
        self.items = _Merged([i for v in values if isinstance(v, list)
                              for i in v]) if 'array' in self.types else None
        self.has_items = bool(self.items and self.items.types)


def _compare(merged, actual, path, problems):
    actual_type = json_type(actual)
    if actual_type not in merged.types:
        problems.append('%s: type %s, sample has %s'
                        % (path, actual_type, '/'.join(sorted(merged.types))))
        return
    if actual_type == 'object':
        extra = set(actual) - merged.keys
        missing = merged.required - set(actual)
        for key in sorted(extra):
            problems.append('%s.%s: not in the sample' % (path, key))
        for key in sorted(missing):
            problems.append('%s.%s: missing (the sample has it)'
                            % (path, key))
        for key in sorted(set(actual) & merged.keys):
            _compare(merged.members[key], actual[key],
                     '%s.%s' % (path, key), problems)
    elif actual_type == 'array' and merged.has_items:
        for index, item in enumerate(actual):
            _compare(merged.items, item, '%s[%d]' % (path, index), problems)


def shape_differences(sample, actual):
    """Where ``actual`` differs from ``sample`` in keys or types ([] if
    nowhere)."""
    problems = []
    _compare(_Merged([sample]), actual, '$', problems)
    return problems


def load(path):
    with open(path, encoding='utf-8') as sample_file:
        return json.load(sample_file)


def nova_sample(name):
    """A Nova sample by its path in Nova, e.g. 'os-services/v2.53/x.json'."""
    return load(os.path.join(NOVA_SAMPLES_DIR, 'doc__api_samples__'
                             + name.replace('/', '__')))


class Row(collections.namedtuple(
        'Row', 'sample method path version request status')):
    """One sample checked against a live response.

    ``sample``: the response sample; ``path`` may hold ``{names}`` that the
    test fills in; ``version``: the microversion asked for (None: no
    header); ``request``: the request body sample sent, if any.
    """

    __slots__ = ()

    def __new__(cls, sample, method, path, version=None, request=None,
                status=200):
        return super().__new__(cls, sample, method, path, version, request,
                               status)

    @property
    def title(self):
        return '%s %s %s at %s' % (self.sample, self.method, self.path,
                                   self.version or '-')


def scenarios(rows):
    """testscenarios entries, one per row, as ``self.row``."""
    return [(row.title, {'row': row}) for row in rows]


class SampleAssertions:
    """Mixin for testtools/unittest cases.

    For table-driven tests, a class sets ``scenarios = scenarios(ROWS)``
    and implements ``load_sample(name)`` and ``send(row, body)`` (which
    returns the status and the decoded body); ``check_row`` does the rest.
    """

    def check_row(self, row):
        body = self.load_sample(row.request) if row.request else None
        status, actual = self.send(row, body)
        self.assertEqual(row.status, status, actual)
        self.assertSameShape(self.load_sample(row.sample), actual,
                             row.sample)

    def assertSameShape(self, sample, actual, what='response'):
        problems = shape_differences(sample, actual)
        if problems:
            self.fail('%s does not match its sample:\n  %s\nactual: %s'
                      % (what, '\n  '.join(problems),
                         json.dumps(actual, indent=1)[:2000]))

    def skipWithoutReference(self, directory=NOVA_SAMPLES_DIR):
        if not os.path.isdir(directory):
            self.skipTest('reference samples not found at %s' % directory)
