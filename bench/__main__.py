"""`python -m bench`: time each pipeline stage on a synthetic catalog, on one core.

    python -m bench                      # 10,000 entities in a temporary folder
    python -m bench --entities 50000     # or 1000, ...
    python -m bench --out /tmp/cat --repeat 3

Prints one row per stage (seconds, entities per second, peak memory) and the problems by
severity. The synthetic catalog is valid, so any error is a bug in the generator or in a
stage, and is reported loudly. Exit code 0 when every stage ran and found no errors.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.stages import STAGES, Timing, peak_rss_mb, run_stages
from bench.synth import generate
from bench.trees import trees_for

TARGET_SECONDS = 5.0  # load + validate + graph of 10,000 entities
TARGET_ENTITIES = 10_000


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    pinned = _pin_to_one_core()
    with tempfile.TemporaryDirectory(prefix="playbill-bench-") as tmp:
        out = args.out or Path(tmp)
        started = time.perf_counter()
        synthetic = generate(out, args.entities, seed=args.seed)
        generated_in = time.perf_counter() - started
        trees = trees_for(synthetic.repos, args.location_type)
        print(f"catalog: {synthetic.entities:,} entities in {len(synthetic.repos)} repositories "
              f"under {out} (seed {args.seed}, generated in {generated_in:.2f} s)")
        print("kinds:   " + ", ".join(f"{k} {n:,}" for k, n in synthetic.counts.items()))
        print(f"cpu:     {pinned}; location type {args.location_type}; "
              f"RSS before stages {peak_rss_mb():.0f} MiB")
        print()
        runs = [run_stages({"trees": trees}) for _ in range(args.repeat)]
        timings = min(runs, key=lambda run: sum(t.seconds or 0.0 for t in run))
        if args.repeat > 1:
            totals = ", ".join(f"{sum(t.seconds or 0.0 for t in run):.2f}" for run in runs)
            print(f"runs:    {totals} s; the fastest is shown\n")
    print(_table(timings, synthetic.entities))
    return _verdict(timings, synthetic.entities)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--entities", "-n", type=int, default=TARGET_ENTITIES,
                        help="how many entities to generate (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the catalog here and keep it (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the stages this many times and show the fastest run "
                             "(less noise on a busy machine; default: %(default)s)")
    parser.add_argument("--location-type", choices=("url", "file"), default="url",
                        help="read the folders as Git clones (url) or plain folders (file)")
    return parser.parse_args(argv)


def _pin_to_one_core() -> str:
    """Run on one CPU so that figures compare across machines with different core counts."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def _table(timings: list[Timing], entities: int) -> str:
    header = f"{'stage':<10} {'seconds':>8} {'cpu s':>8} {'entities/s':>11} {'peak MiB':>9}  problems"
    lines = [header, "-" * len(header)]
    for t in timings:
        if t.seconds is None:
            lines.append(f"{t.stage:<10} {'-':>8} {'-':>8} {'-':>11} {'-':>9}  skipped: {t.skipped}")
            continue
        lines.append(f"{t.stage:<10} {t.seconds:>8.3f} {t.cpu_seconds:>8.3f} "
                     f"{_rate(entities, t.seconds):>11} {t.peak_rss_mb:>9.0f}  "
                     f"{_severities(t.problems)}")
    ran = [t for t in timings if t.seconds is not None]
    total = sum(t.seconds for t in ran)
    cpu = sum(t.cpu_seconds for t in ran)
    lines.append("-" * len(header))
    lines.append(f"{'total':<10} {total:>8.3f} {cpu:>8.3f} {_rate(entities, total):>11} "
                 f"{peak_rss_mb():>9.0f}  {_severities(sum((t.problems for t in ran), Counter()))}")
    return "\n".join(lines)


def _verdict(timings: list[Timing], entities: int) -> int:
    """Say loudly what went wrong, and compare with the target; the exit code follows."""
    status = 0
    errors = [p for t in timings for p in t.examples]
    error_count = sum(t.problems.get("error", 0) for t in timings)
    if error_count:
        status = 1
        print(f"\n!!! {error_count} ERRORS on a synthetic catalog that is valid for Backstage: "
              f"a stage (or the generator) is wrong. First ones:", file=sys.stderr)
        for p in errors:
            print(f"!!!   {p.file}:{p.line}: {p.code}: {p.message}", file=sys.stderr)
    skipped = [t for t in timings if t.seconds is None]
    if skipped:
        status = 1
        print(f"\nnot timed: {', '.join(t.stage for t in skipped)} "
              f"(stages: {', '.join(s.name for s in STAGES)})", file=sys.stderr)
    core = [t for t in timings if t.stage in ("load", "validate", "graph") and t.seconds]
    if len(core) == 3:
        seconds = sum(t.seconds for t in core)
        scaled = seconds * TARGET_ENTITIES / entities
        verdict = "met" if scaled < TARGET_SECONDS else "MISSED"
        measured = f"{seconds:.2f} s"
        if entities != TARGET_ENTITIES:
            measured += f" for {entities:,}, so about {scaled:.2f} s if linear"
        print(f"\ntarget: load+validate+graph of {TARGET_ENTITIES:,} entities under "
              f"{TARGET_SECONDS:.0f} s: {measured}: {verdict}")
    return status


def _rate(entities: int, seconds: float) -> str:
    return f"{entities / seconds:,.0f}" if seconds > 0 else "-"


def _severities(counts: Counter) -> str:
    return ", ".join(f"{counts.get(s, 0)} {s}s" for s in ("error", "warning", "note"))


if __name__ == "__main__":
    sys.exit(main())
