"""Run a command and measure it from outside: wall and CPU seconds, and peak memory.

Peak memory is that of the whole process tree (the build and the worker processes it
starts, or Hugo), sampled every few milliseconds from /proc: what a CI runner's memory
limit sees. Resident pages shared between a parent and its forked workers are counted
once per process, so the figure is an upper bound. Where /proc is missing, the largest
single process's high-water mark stands in.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

SAMPLE_SECONDS = 0.02
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Measured:
    """How a command went: exit code, wall and CPU seconds, peak tree memory, output."""

    returncode: int
    seconds: float
    cpu_seconds: float
    peak_bytes: int
    stdout: str
    stderr: str


def measure(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run `command` in `cwd` to its end, sampling its process tree's memory meanwhile."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = _Sampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # ru_maxrss (KiB on Linux) is the largest single process that has ended so far.
    single_peak = after.ru_maxrss * 1024
    return Measured(process.returncode, seconds, cpu, max(sampler.peak, single_peak),
                    stdout, stderr)


class _Sampler(threading.Thread):
    """Polls the resident memory of a process and its descendants; keeps the maximum."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (0 when it is gone or no /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            pages = int(Path(f"/proc/{current}/statm").read_text().split()[1])
            # Children are listed per thread: a pool may start workers from any of them.
            children = [pid for task in Path(f"/proc/{current}/task").iterdir()
                        for pid in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
        total += pages * _PAGE
        todo += [int(child) for child in children]
    return total
