"""Run a command and measure it from outside: wall and CPU seconds, and peak memory.

Peak memory is that of the whole process tree (the build and the worker processes it
starts, or Hugo), sampled from /proc, two ways. `peak_bytes` adds up each process's
resident pages, so a page a parent shares with its forked workers counts once per
process: an upper bound. `peak_shared_once_bytes` adds up their proportional set sizes
(a page shared by three processes counts a third in each), which is what the tree really
holds, and what a CI runner's memory limit (a cgroup) charges. For one process, as Hugo,
the two are the same. Where /proc is missing, the largest single process's high-water
mark stands in for both.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Sequence

from bench.aside import SetAside

SAMPLE_SECONDS = 0.02
#: Proportional sizes cost the kernel a walk of the page tables: 13 ms of CPU for a 10k
#: build's three processes, so reading them every 0.1 s took an eighth of a core from the
#: build being measured. They are read at most every SHARED_MIN_SECONDS, and less often
#: when a reading costs more than 1/SHARED_BUDGET of the time until the next.
SHARED_MIN_SECONDS = 0.25
SHARED_BUDGET = 20
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
    #: The peak with pages shared between processes counted once (see above).
    peak_shared_once_bytes: int = 0
    #: The part of `cpu_seconds` spent in the kernel (files, page faults, forks).
    system_seconds: float = 0.0


def measure(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run `command` in `cwd` to its end, sampling its process tree's memory meanwhile."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = _Sampler(process.pid)
    sampler.start()
    outputs = [_Drain(process.stdout), _Drain(process.stderr)]
    # wait4 gives this command's own usage: RUSAGE_CHILDREN's ru_maxrss is the largest of
    # every child so far, so a command measured after Hugo took Hugo's peak as its own.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = (drain.text() for drain in outputs)
    seconds = time.perf_counter() - started
    sampler.stop()
    cpu = usage.ru_utime + usage.ru_stime
    # ru_maxrss (KiB on Linux): the largest single process of the command's tree.
    single_peak = usage.ru_maxrss * 1024
    return Measured(process.returncode, seconds, cpu, max(sampler.peak, single_peak),
                    stdout, stderr, max(sampler.peak_shared_once, single_peak),
                    usage.ru_stime)


class _Drain(threading.Thread):
    """Reads a pipe to its end, so that a command writing much never blocks on it."""

    def __init__(self, pipe: IO[str]) -> None:
        super().__init__(daemon=True)
        self.pipe, self.chunks = pipe, []
        self.start()

    def run(self) -> None:
        with self.pipe:
            self.chunks = [self.pipe.read()]

    def text(self) -> str:
        self.join()
        return "".join(self.chunks)


class _Sampler(threading.Thread):
    """Polls the resident memory of a process and its descendants; keeps the maximum."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.peak_shared_once = 0
        self._done = threading.Event()

    def run(self) -> None:
        next_shared = 0.0
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            now = time.perf_counter()
            if now >= next_shared:
                spent = time.thread_time()
                self.peak_shared_once = max(self.peak_shared_once, tree_pss(self.pid))
                spent = time.thread_time() - spent
                next_shared = now + max(SHARED_MIN_SECONDS, SHARED_BUDGET * spent)
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (0 when it is gone or no /proc)."""
    return _tree_sum(pid, _rss)


def tree_pss(pid: int) -> int:
    """Proportional set size of `pid` and its descendants: shared pages counted once."""
    return _tree_sum(pid, _pss)


def _rss(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE


def _pss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def _tree_sum(pid: int, size: Callable[[int], int]) -> int:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            own = size(current)
            # Children are listed per thread: a pool may start workers from any of them.
            children = [pid for task in Path(f"/proc/{current}/task").iterdir()
                        for pid in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
        total += own
        todo += [int(child) for child in children]
    return total


def host_check(rounds: int = 3) -> float:
    """Wall seconds a fixed piece of work takes (the best of `rounds`). The work never
    changes, so a run of the benchmark that reports a larger figure ran on a busier or
    slower host: this machine's speed drifted by half within an hour."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        _fixed_work()
        best = min(best, time.perf_counter() - started)
    return best


def files_check(folder: Path, aside: SetAside, files: int = 2000, rounds: int = 3) -> float:
    """Wall seconds writing `files` files of 16 KiB into a new folder inside `folder` takes
    (the best of `rounds`; each folder put `aside` after its round, not deleted: see
    aside.py). It times the file system the sites are written to, which the CPU check
    above does not see."""
    data = b"x" * 16384
    best = float("inf")
    for round_number in range(rounds):
        target = folder / f".files-check-{os.getpid()}-{round_number}"
        target.mkdir(parents=True)
        started = time.perf_counter()
        for number in range(files):
            (target / f"page-{number}.html").write_bytes(data)
        best = min(best, time.perf_counter() - started)
        aside.put(target)
    return best


def _fixed_work() -> str:
    # What a build does most: small dicts and strings, sorting, JSON and hashing.
    rows = [{"ref": f"component:default/svc-{n:05d}", "group": n % 97} for n in range(60_000)]
    rows.sort(key=lambda row: (row["group"], row["ref"]))
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()
