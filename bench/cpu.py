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
