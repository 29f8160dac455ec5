"""The stages the benchmark times, in pipeline order, and the loop that times them.

A stage is a row of the report: it takes the results of the stages before it (by name) and
returns its own. Later pipeline stages (render, search, docs) become rows by appending a
`Stage` to `STAGES`; nothing else changes. Modules are imported only when a stage runs, so
the benchmark still generates and reports what it can while some stages are unwritten.
"""

from __future__ import annotations

import gc
import importlib
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: `module.function(*arguments(results))`, where `results` holds
    the inputs and what earlier stages returned, by stage name."""

    name: str
    module: str
    function: str
    arguments: Callable[[dict[str, Any]], tuple]


STAGES: tuple[Stage, ...] = (
    Stage("load", "generator.load", "load_catalog", lambda r: (r["trees"],)),
    Stage("validate", "generator.validate", "validate", lambda r: (r["load"].documents,)),
    Stage("graph", "generator.graph", "build_graph", lambda r: (r["validate"].entities,)),
)


@dataclass
class Timing:
    """How one stage went: wall and CPU seconds, the process's peak RSS after it, problems."""

    stage: str
    seconds: float | None = None
    cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    problems: Counter = field(default_factory=Counter)
    skipped: str = ""  # why the stage did not run
    examples: list = field(default_factory=list)  # the first few error problems


def peak_rss_mb() -> float:
    """The process's high-water resident memory in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if peak > 1 << 32 else peak / 1024


def run_stages(inputs: dict[str, Any], stages: Sequence[Stage] = STAGES) -> list[Timing]:
    """Run `stages` in order on `inputs`, timing each; stop at the first that cannot run.

    Garbage from earlier work is collected before each stage so that it is not charged to
    the next one; the collector stays enabled during a stage, as in a real build.
    """
    results = dict(inputs)
    timings = []
    blocked_by = ""
    for stage in stages:
        timing = Timing(stage.name)
        timings.append(timing)
        if blocked_by:
            timing.skipped = f"needs {blocked_by}"
            continue
        try:
            function = getattr(importlib.import_module(stage.module), stage.function)
        except (ImportError, AttributeError) as exc:
            timing.skipped = f"{stage.module}.{stage.function} not available ({exc})"
            blocked_by = stage.name
            continue
        arguments = stage.arguments(results)
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(*arguments)
        timing.seconds = time.perf_counter() - wall
        timing.cpu_seconds = time.process_time() - cpu
        timing.peak_rss_mb = peak_rss_mb()
        problems = list(getattr(result, "problems", ()) or ())
        timing.problems = Counter(p.severity.value for p in problems)
        timing.examples = [p for p in problems if p.severity.value == "error"][:5]
        results[stage.name] = result
    return timings
