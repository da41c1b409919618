"""What a process has used so far, from /proc (Linux), for the benchmarks.

Standard library only: the conductor child processes read their own
figures with it, and an extra library would count in the RSS they
report.
"""

import os


def cpu_seconds(pid):
    """User + system CPU seconds process ``pid`` has used so far."""
    with open('/proc/%d/stat' % pid, encoding='ascii') as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def own_memory_mb(field='VmRSS'):
    """This process's ``field`` of /proc/self/status (VmRSS, VmHWM), MB."""
    with open('/proc/self/status', encoding='ascii') as status:
        for line in status:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024.0
    raise LookupError('no %s in /proc/self/status' % field)
