"""How many CPUs this process may use, for sizing its pools of processes (the web server's
workers, Celery's worker processes)."""

import math
import os
from pathlib import Path

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def available_cpus() -> int:
    """CPUs this process may use: its CPU affinity, capped by a cgroup v2 quota (`docker run
    --cpus`), which `os.cpu_count()` and the affinity ignore inside a container: a worker
    limited to 2 CPUs of a 64-core host must not start 64 CPUs' worth of processes."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = CGROUP_CPU_MAX.read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus or 1)
