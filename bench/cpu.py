"""CPU time of a process (all its threads), from `/proc/<pid>/stat` (Linux; 10 ms ticks).

On a machine shared with other work, wall times stretch with the load while the CPU time a
process spends on the same work changes far less: the bench reports both.
"""

from __future__ import annotations

import os

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime and stime: fields 14 and 15 of stat


def cpu_seconds_fine(pid: int) -> float:
    """CPU time of process `pid`'s live threads in nanosecond resolution (`/proc/<pid>/task/*/schedstat`:
    the first field is the time each thread ran). Threads that ended no longer count, so use it across
    work done by long-lived threads (the plugin's gRPC workers)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile
    return total / 1e9
