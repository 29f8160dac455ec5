"""One `playbill build`, timed stage by stage: `python -m bench.runner TIMINGS -- ARGS`.

The benchmark runs every build in a fresh process, as CI does, so that a warm build gets
nothing from the cold one but what is on disk (clones, docs cache, the site), and so that
its memory is the build's own. This module is that process: it wraps the pipeline's stage
functions with timers, runs the real command line (`playbill build ARGS`) in-process, and
writes what it measured to TIMINGS as JSON.

Timers wrap module attributes, so they see the calls the pipeline makes however it is
wired; a stage calling another timed function is charged only its own time. A wrapped
function that no longer exists is listed under "missing" rather than failing the run:
the report then shows that stage as not measured.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any, Callable

#: (module, function, stage): the pipeline's stage entry points, in pipeline order.
HOOKS = (
    ("generator.sources", "fetch_sources", "sources"),
    ("generator.load", "load_catalog", "load"),
    ("generator.validate", "validate", "validate"),
    ("generator.graph", "build_graph", "graph"),
    ("generator.cli", "snapshot_for_build", "status"),
    ("generator.docs", "build_docs", "docs"),
    ("generator.docs.publish", "publish", "docs"),
    ("generator.build", "render_site", "render"),
    ("generator.search", "write_index", "search"),
)
STAGES = tuple(dict.fromkeys(stage for _, _, stage in HOOKS))


class Clock:
    """Wall and CPU seconds per stage, each exclusive of the timed calls nested in it.
    CPU seconds include the worker processes a stage started and waited for.

    A stage timed in a forked worker (the search index is written by a render worker,
    while pages render) is written to `beside_file` as a JSON line, since the worker's
    memory goes with it; `beside` reads them back. Its seconds overlap the stage it ran
    in, whose CPU seconds include them."""

    def __init__(self, beside_file: Path | None = None) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._nested: list[list[float]] = []  # per open call: [wall, cpu] of its inner calls
        self.pid = os.getpid()
        self.beside_file = beside_file

    def wrap(self, stage: str, function: Callable) -> Callable:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._nested.append([0.0, 0.0])
            wall, cpu = time.perf_counter(), cpu_seconds()
            try:
                return function(*args, **kwargs)
            finally:
                spent = [time.perf_counter() - wall, cpu_seconds() - cpu]
                self._add(stage, spent, self._nested.pop())
        return timed

    def _add(self, stage: str, spent: list[float], inner: list[float]) -> None:
        wall, cpu = spent[0] - inner[0], spent[1] - inner[1]
        if os.getpid() != self.pid:  # in a forked worker: only a file outlives it
            self._note_beside(stage, wall, cpu)
            return
        self.wall[stage] = self.wall.get(stage, 0.0) + wall
        self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu
        if self._nested:
            self._nested[-1][0] += spent[0]
            self._nested[-1][1] += spent[1]

    def _note_beside(self, stage: str, wall: float, cpu: float) -> None:
        if self.beside_file is not None:
            with self.beside_file.open("a", encoding="utf-8") as lines:
                lines.write(json.dumps({"stage": stage, "wall": wall, "cpu": cpu}) + "\n")

    def beside(self) -> dict[str, list[float]]:
        """(wall, cpu) seconds per stage timed in forked workers."""
        found: dict[str, list[float]] = {}
        if self.beside_file is None or not self.beside_file.is_file():
            return found
        for line in self.beside_file.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            total = found.setdefault(row["stage"], [0.0, 0.0])
            total[0] += row["wall"]
            total[1] += row["cpu"]
        return found


def cpu_seconds() -> float:
    """CPU time of this process and of the worker processes it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def install(clock: Clock) -> list[str]:
    """Wrap every hook that exists; return those that do not, as `module.function`."""
    missing = []
    for module_name, name, stage in HOOKS:
        try:
            module = importlib.import_module(module_name)
            function = getattr(module, name)
        except (ImportError, AttributeError):
            missing.append(f"{module_name}.{name}")
            continue
        setattr(module, name, clock.wrap(stage, function))
    return missing


def run(timings_file: Path, args: list[str]) -> int:
    """`playbill build` with `args`, timed; writes the timings and returns the exit code."""
    beside = timings_file.with_name(timings_file.name + ".beside")
    beside.unlink(missing_ok=True)
    clock = Clock(beside)
    started, cpu = time.perf_counter(), cpu_seconds()
    missing = install(clock)
    from generator.cli import run as playbill

    imported = time.perf_counter() - started, cpu_seconds() - cpu

    def write_timings() -> None:
        timings = {
            "wall": clock.wall,
            "cpu": clock.cpu,
            "import_seconds": imported[0],
            "import_cpu": imported[1],
            "in_process_seconds": time.perf_counter() - started,
            "in_process_cpu": cpu_seconds() - cpu,
            "missing": missing,
            "beside": clock.beside(),
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "worker_peak_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        }
        timings_file.write_text(json.dumps(timings, indent=1), encoding="utf-8")

    # The playbill program ends the process itself, once its atexit handlers have run.
    atexit.register(write_timings)
    try:
        playbill(["build", *args])  # as the `playbill` program, whose exit is part of it
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    atexit.unregister(write_timings)
    write_timings()
    return code


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[2] != "--":
        sys.exit("usage: python -m bench.runner TIMINGS -- [playbill build arguments]")
    sys.exit(run(Path(sys.argv[1]), sys.argv[3:]))
