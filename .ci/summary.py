"""Print the last stestr run as one line: 'N passed, N failed, N skipped'.

CI reads this line, not stestr's own summary. Exits non-zero when any test
failed or none ran.
"""

import io
import subprocess
import sys

import subunit
import testtools


def main():
    stream = subprocess.run(
        [sys.executable, '-m', 'stestr', 'last', '--subunit'],
        stdout=subprocess.PIPE, check=False).stdout
    case = subunit.ByteStreamToStreamResult(io.BytesIO(stream),
                                            non_subunit_name='stdout')
    summary = testtools.StreamSummary()
    counts = {'success': 0, 'fail': 0, 'skip': 0}

    class Tally(testtools.StreamResult):
        def status(self, test_id=None, test_status=None, **kwargs):
            if test_status in ('success', 'xfail'):
                counts['success'] += 1
            elif test_status in ('fail', 'uxsuccess'):
                counts['fail'] += 1
            elif test_status == 'skip':
                counts['skip'] += 1

    result = testtools.CopyStreamResult([summary, Tally()])
    result.startTestRun()
    case.run(result)
    result.stopTestRun()
    print('%d passed, %d failed, %d skipped'
          % (counts['success'], counts['fail'], counts['skip']))
    return 1 if counts['fail'] or not counts['success'] else 0


if __name__ == '__main__':
    sys.exit(main())
