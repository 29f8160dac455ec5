"""The stages the benchmark times, in pipeline order, and the loop that times them.

A stage is a row of the report: it takes the results of the stages before it (by name) and
returns its own. Later pipeline stages (docs, ...) become rows by appending a `Stage` to
`STAGES`; nothing else changes. Modules are imported only when a stage runs, so the
benchmark still generates and reports what it can while some stages are unwritten.

The catalog stages run in one process and are timed on one core, so figures compare across
machines. `site` is `playbill build`'s last step (render, then the search index) and fans
out over processes as the build does, so it runs on every core this process may use; its
CPU seconds include the worker processes'.
"""

from __future__ import annotations

import gc
import importlib
import os
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: `module.function(*arguments(results))`, where `results` holds
    the inputs and what earlier stages returned, by stage name."""

    name: str
    module: str
    function: str
    arguments: Callable[[dict[str, Any]], tuple]
    all_cores: bool = False  # the stage starts worker processes, as the build does
    #: Figures about the result: {"parts": {name: seconds}, "<figure>": value, ...}
    describe: Callable[[Any, float], dict[str, Any]] | None = None


def _catalog(results: dict[str, Any]):
    """The Catalog the earlier stages make, as `generator.build.read_catalog` assembles it."""
    from generator.model.catalog import Catalog

    problems = [p for name in ("load", "validate", "graph") for p in results[name].problems]
    return Catalog.create(results["validate"].entities, results["graph"].graph, problems,
                          results["trees"])


def _describe_site(result, seconds: float) -> dict[str, Any]:
    """Split `build_site`'s time into render and search, and measure what it wrote."""
    indexed = result.search
    files = [path for path in Path(result.site_dir).rglob("*") if path.is_file()]
    return {
        "parts": {"render": seconds - indexed.seconds, "search": indexed.seconds},
        "pages": result.render.pages,
        "render workers": result.render.workers,
        "site files": len(files),
        "site bytes": sum(path.stat().st_size for path in files),
        "index files": len(indexed.files),
        "index shards": indexed.shards,
        "index bytes": indexed.bytes,
        "index gzipped bytes": indexed.gzipped_bytes,
    }


STAGES: tuple[Stage, ...] = (
    Stage("load", "generator.load", "load_catalog", lambda r: (r["trees"],)),
    Stage("validate", "generator.validate", "validate", lambda r: (r["load"].documents,)),
    Stage("graph", "generator.graph", "build_graph", lambda r: (r["validate"].entities,)),
    Stage("site", "generator.build", "build_site", lambda r: (_catalog(r), r["site_dir"]),
          all_cores=True, describe=_describe_site),
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
    figures: dict[str, Any] = field(default_factory=dict)  # from Stage.describe


def peak_rss_mb() -> float:
    """The process's high-water resident memory in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if peak > 1 << 32 else peak / 1024


def cpu_seconds() -> float:
    """CPU time of this process and of the worker processes it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def use_cores(cores: set[int] | None) -> None:
    """Let this process (and the workers it starts from now on) run on `cores` only."""
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cores)


def run_stages(inputs: dict[str, Any], stages: Sequence[Stage] = STAGES,
               one_core: set[int] | None = None, all_cores: set[int] | None = None
               ) -> list[Timing]:
    """Run `stages` in order on `inputs`, timing each; stop at the first that cannot run.

    Each stage runs on `one_core` or, when it starts workers, `all_cores` (None: leave the
    affinity alone). Garbage from earlier work is collected before each stage so that it
    is not charged to the next one; the collector stays enabled during a stage, as in a
    real build.
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
        use_cores(all_cores if stage.all_cores else one_core)
        gc.collect()
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = function(*arguments)
        timing.seconds = time.perf_counter() - wall
        timing.cpu_seconds = cpu_seconds() - cpu
        timing.peak_rss_mb = peak_rss_mb()
        if stage.describe:
            timing.figures = stage.describe(result, timing.seconds)
        problems = list(getattr(result, "problems", ()) or ())
        timing.problems = Counter(p.severity.value for p in problems)
        timing.examples = [p for p in problems if p.severity.value == "error"][:5]
        results[stage.name] = result
    return timings
