"""`python -m bench`: time each pipeline stage on a synthetic catalog, then build its site.

    python -m bench                      # 10,000 entities in a temporary folder
    python -m bench --entities 50000     # or 1000, ...
    python -m bench --out /tmp/cat --repeat 3
    python -m bench --no-site            # the catalog stages only

Prints one row per stage (seconds, CPU seconds, entities per second, peak memory) and the
problems by severity; the catalog stages run on one core, the site (render, then the search
index) on every core, as `playbill build` does. Then what the site weighs: files, bytes,
and the search index raw and gzipped. The synthetic catalog is valid, so any error is a bug
in the generator or in a stage, and is reported loudly. Exit code 0 when every stage ran and
found no errors.
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
TARGET_BUILD_SECONDS = 20.0  # every stage, site included, of 10,000 entities
TARGET_INDEX_GZIPPED = 2 * 1024 * 1024  # the search index as a static host sends it
TARGET_ENTITIES = 10_000


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    one_core, all_cores, cores = _cores()
    stages = [s for s in STAGES if s.name != "site"] if args.no_site else list(STAGES)
    with tempfile.TemporaryDirectory(prefix="playbill-bench-") as tmp:
        out = args.out or Path(tmp)
        started = time.perf_counter()
        synthetic = generate(out, args.entities, seed=args.seed)
        generated_in = time.perf_counter() - started
        trees = trees_for(synthetic.repos, args.location_type)
        print(f"catalog: {synthetic.entities:,} entities in {len(synthetic.repos)} repositories "
              f"under {out} (seed {args.seed}, generated in {generated_in:.2f} s)")
        print("kinds:   " + ", ".join(f"{k} {n:,}" for k, n in synthetic.counts.items()))
        print(f"cpu:     {cores}; location type {args.location_type}; "
              f"RSS before stages {peak_rss_mb():.0f} MiB")
        print()
        inputs = {"trees": trees, "site_dir": out / "site"}
        runs = [run_stages(inputs, stages, one_core, all_cores) for _ in range(args.repeat)]
        timings = min(runs, key=lambda run: sum(t.seconds or 0.0 for t in run))
        if args.repeat > 1:
            totals = ", ".join(f"{sum(t.seconds or 0.0 for t in run):.2f}" for run in runs)
            print(f"runs:    {totals} s; the fastest is shown\n")
    print(_table(timings, synthetic.entities))
    figures = _figures(timings)
    if figures:
        print(figures)
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
    parser.add_argument("--no-site", action="store_true",
                        help="time the catalog stages only, without rendering the site")
    return parser.parse_args(argv)


def _cores() -> tuple[set[int] | None, set[int] | None, str]:
    """One CPU for the catalog stages, so that figures compare across machines with
    different core counts; every usable CPU for the site, which the build spreads over
    processes."""
    if not hasattr(os, "sched_setaffinity"):
        return None, None, "not pinned (no sched_setaffinity here)"
    usable = set(os.sched_getaffinity(0))
    core = min(usable)
    return {core}, usable, (f"catalog stages pinned to core {core}; "
                            f"site on {len(usable)} core{'s' if len(usable) > 1 else ''}")


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
        for part, seconds in t.figures.get("parts", {}).items():
            lines.append(f"{'  ' + part:<10} {seconds:>8.3f} {'':>8} "
                         f"{_rate(entities, seconds):>11} {'':>9}  (part of {t.stage})")
    ran = [t for t in timings if t.seconds is not None]
    total = sum(t.seconds for t in ran)
    cpu = sum(t.cpu_seconds for t in ran)
    lines.append("-" * len(header))
    lines.append(f"{'total':<10} {total:>8.3f} {cpu:>8.3f} {_rate(entities, total):>11} "
                 f"{peak_rss_mb():>9.0f}  {_severities(sum((t.problems for t in ran), Counter()))}")
    return "\n".join(lines)


def _figures(timings: list[Timing]) -> str:
    """What the site weighs, when it was built."""
    site = next((t.figures for t in timings if t.stage == "site" and t.figures), None)
    if not site:
        return ""
    return "\n".join([
        "",
        f"site:    {site['pages']:,} pages, {site['site files']:,} files, "
        f"{_mib(site['site bytes'])}; {site['render workers']} render workers",
        f"search:  {site['index files']} files ({_plural(site['index shards'], 'shard')}), "
        f"{_mib(site['index bytes'])} raw, {_mib(site['index gzipped bytes'])} gzipped",
    ])


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _mib(size: int) -> str:
    """Bytes in MiB, or KiB when smaller, so that small catalogs still show a figure."""
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.2f} MiB"


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
    site = next((t for t in timings if t.stage == "site" and t.seconds), None)
    if site and len(core) == 3:
        seconds = sum(t.seconds for t in core) + site.seconds
        print(_target(f"full build of {TARGET_ENTITIES:,} entities under "
                      f"{TARGET_BUILD_SECONDS:.0f} s", seconds, TARGET_BUILD_SECONDS,
                      entities, "s"))
    if site:
        print(_target(f"search index of {TARGET_ENTITIES:,} entities under "
                      f"{_mib(TARGET_INDEX_GZIPPED)} gzipped",
                      site.figures["index gzipped bytes"], TARGET_INDEX_GZIPPED, entities,
                      "bytes"))
    return status


def _target(what: str, measured: float, target: float, entities: int, unit: str) -> str:
    """One target line; figures for another catalog size are scaled linearly to compare."""
    scaled = measured * TARGET_ENTITIES / entities
    shown = f"{measured:.2f} s" if unit == "s" else _mib(int(measured))
    if entities != TARGET_ENTITIES:
        about = f"{scaled:.2f} s" if unit == "s" else _mib(int(scaled))
        shown += f" for {entities:,}, so about {about} if linear"
    return f"target: {what}: {shown}: {'met' if scaled < target else 'MISSED'}"


def _rate(entities: int, seconds: float) -> str:
    return f"{entities / seconds:,.0f}" if seconds > 0 else "-"


def _severities(counts: Counter) -> str:
    return ", ".join(f"{counts.get(s, 0)} {s}s" for s in ("error", "warning", "note"))


if __name__ == "__main__":
    sys.exit(main())
