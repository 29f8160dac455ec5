"""How many processes a stage may keep busy at once."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """Cores this process may run on (respects CPU affinity, unlike os.cpu_count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
