"""The benchmark's steps: a synthetic organisation in Git, cold and warm builds, Hugo.

    prepared = prepare(out, 10_000, seed=1, docs=True)   # repositories + sources file
    cold = build(prepared, "cold")                        # empty caches, no site
    reference = hugo_reference(prepared)                  # Hugo on the same entities
    change(prepared, 1); warm = build(prepared, "warm")   # one committed change, same dirs
    prepared.aside.empty()                                # what was put aside, deleted

Every build is a fresh `playbill build --strict` process (see runner.py) reading the
repositories through `catalog_sources.yaml`, as a CI job does: a cold build starts with
no clones, docs cache or site; a warm one keeps all three and so measures whatever reuse
the pipeline has. What a step is done with is moved aside and deleted at the end (see
aside.py): deleting it between builds slowed the next build's file creation down on this
machine. Hugo runs between the cold and the warm builds, before a warm build deletes the
old site it replaces. The synthetic catalog is valid, so a build that reports problems
(exit code 1) is a failure of the benchmark, not a figure.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench import hugo, repos
from bench.aside import SetAside
from bench.measure import Measured, measure
from bench.runner import STAGES
from bench.synth import CATALOG_FILE, generate

ROOT = Path(__file__).resolve().parents[1]  # where `bench` and `generator` live
REPOS = "repos"
HUGO_DIR = "hugo"


@dataclass(frozen=True)
class Prepared:
    """A synthetic catalog in Git repositories, and the sources file listing them."""

    out: Path
    repos: list[Path]
    entities: int
    docs: bool
    sources_file: Path
    #: Where finished folders go until the benchmark ends (see aside.py).
    aside: SetAside


@dataclass(frozen=True)
class SiteSize:
    """What a build wrote: pages, files and bytes, and the search index's share."""

    entity_pages: int = 0
    entity_page_bytes: int = 0
    files: int = 0
    bytes: int = 0
    index_files: int = 0
    index_bytes: int = 0
    index_gzipped_bytes: int = 0


@dataclass(frozen=True)
class Build:
    """One timed build: the process as measured from outside, and per stage
    (wall, cpu) seconds as measured inside; None for a stage that was not measured."""

    label: str
    run: Measured
    stages: dict[str, tuple[float, float] | None]
    start_up: tuple[float, float] = (0.0, 0.0)
    missing: tuple[str, ...] = ()
    size: SiteSize = SiteSize()
    failure: str = ""
    #: Stages that ran in a worker during another stage (see runner.Clock): their
    #: seconds are within that stage's.
    beside: tuple[str, ...] = ()

    @property
    def other(self) -> tuple[float, float]:
        """(wall, cpu) seconds outside start-up and the timed stages: the Software
        Template checks, assembling the catalog, moving the staged site into place."""
        timed = [self.start_up, *(times for stage, times in self.stages.items()
                                  if times is not None and stage not in self.beside)]
        return (self.run.seconds - sum(wall for wall, _ in timed),
                self.run.cpu_seconds - sum(cpu for _, cpu in timed))


@dataclass(frozen=True)
class Reference:
    """Hugo's runs on the same entities (see hugo.py), or why there are none: `run` with
    Playbill's page, the reference, and `floor` with only what every page shares."""

    version: str = ""
    run: Measured | None = None
    pages: int = 0
    missing: str = ""
    entity_page_bytes: int = 0
    floor: Measured | None = None


@dataclass
class Results:
    """Everything one benchmark run measured."""

    prepared: Prepared
    cold: list[Build] = field(default_factory=list)
    warm: list[Build] = field(default_factory=list)
    reference: Reference = Reference(missing="not run")

    @property
    def failures(self) -> list[str]:
        return [f"{b.label}: {b.failure}" for b in [*self.cold, *self.warm] if b.failure]


def prepare(out: Path, entities: int, seed: int = 1, docs: bool = True) -> Prepared:
    """Generate the catalog (docs for a tenth of the entities when `docs`) into Git
    repositories under `out/repos`, and the sources file in `out` that lists them."""
    aside = SetAside(out)
    aside.put(out / REPOS)
    synthetic = generate(out / REPOS, entities, seed=seed, docs=docs)
    for repo in synthetic.repos:
        repos.commit_all(repo, "Synthetic catalog")
    sources = repos.write_sources(out, synthetic.repos)
    return Prepared(out, synthetic.repos, synthetic.entities, docs, sources, aside)


def clean(prepared: Prepared) -> None:
    """Forget every earlier build: clones, docs cache, site (put aside, not deleted)."""
    for folder in (".playbill", repos.SITE_DIR):
        prepared.aside.put(prepared.out / folder)


def change(prepared: Prepared, run: int) -> Path:
    """Commit the warm build's one-file change in the middle repository; its folder."""
    repo = prepared.repos[len(prepared.repos) // 2]
    repos.change_one_file(repo, run)
    return repo / CATALOG_FILE


def build(prepared: Prepared, label: str) -> Build:
    """Run `playbill build --strict` in a fresh process, timed (see runner.py)."""
    timings_file = prepared.out / f".bench-{label}.json"
    timings_file.unlink(missing_ok=True)
    arguments = ["--sources", str(prepared.sources_file), "--quiet", "--strict"]
    if not prepared.docs:
        arguments.append("--no-docs")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    run = measure([sys.executable, "-m", "bench.runner", str(timings_file), "--", *arguments],
                  cwd=prepared.out, env=env)
    if not timings_file.is_file():
        return Build(label, run, dict.fromkeys(STAGES), failure=_tail(run.stderr))
    timings = json.loads(timings_file.read_text(encoding="utf-8"))
    beside = timings.get("beside", {})
    stages = {stage: ((timings["wall"][stage], timings["cpu"][stage])
                      if stage in timings["wall"] else
                      tuple(beside[stage]) if stage in beside else None) for stage in STAGES}
    failure = "" if run.returncode == 0 else (
        f"exit {run.returncode}: {_tail(run.stdout + run.stderr)}")
    # Start-up: the interpreter (measured from outside) and importing the pipeline.
    start_up = (run.seconds - timings["in_process_seconds"] + timings["import_seconds"],
                run.cpu_seconds - timings["in_process_cpu"] + timings["import_cpu"])
    return Build(label, run, stages, start_up, tuple(timings["missing"]),
                 site_size(prepared.out / repos.SITE_DIR), failure,
                 tuple(stage for stage in beside if stage not in timings["wall"]))


def site_size(site: Path) -> SiteSize:
    """Pages, files and bytes of a built site, and of its search index (`search/`)."""
    if not site.is_dir():
        return SiteSize()
    sizes = {path: path.stat().st_size for path in site.rglob("*") if path.is_file()}
    index = [path for path in sizes if path.parent == site / "search"]
    pages = [path for path in sizes
             if path.suffix == ".html" and site / "entity" in path.parents]
    return SiteSize(
        entity_pages=len(pages),
        entity_page_bytes=sum(sizes[path] for path in pages),
        files=len(sizes),
        bytes=sum(sizes.values()),
        index_files=len(index),
        index_bytes=sum(sizes[path] for path in index),
        index_gzipped_bytes=sum(len(gzip.compress(path.read_bytes(), 6)) for path in index),
    )


def hugo_reference(prepared: Prepared) -> Reference:
    """Hugo on the entities of the last build's catalog.json (see hugo.py)."""
    program = hugo.hugo_program()
    if program is None:
        return Reference(missing="hugo is not installed (run bench/setup, or "
                                 "`apt-get install hugo`)")
    exported = prepared.out / repos.SITE_DIR / "catalog.json"
    if not exported.is_file():
        return Reference(missing=f"no {exported} to take the entities from")
    folder = prepared.out / HUGO_DIR
    prepared.aside.put(folder)
    hugo.write_site(exported, folder)
    version = hugo.hugo_version(program)
    # The reference first, on the file system as fresh as Playbill's cold build had it.
    run, pages = hugo.build(folder, hugo.PAGE)
    if run.returncode != 0:
        return Reference(version, run, pages, missing=f"hugo failed: {_tail(run.stderr)}")
    floor, _ = hugo.build(folder, hugo.FLOOR)
    return Reference(version, run, pages,
                     entity_page_bytes=hugo.entity_page_bytes(folder / f"public-{hugo.PAGE}"),
                     floor=floor if floor.returncode == 0 else None)


def run_all(prepared: Prepared, repeat: int = 1, with_hugo: bool = True,
            say: Callable[[str], None] = print) -> Results:
    """`repeat` cold builds (each from nothing), then Hugo, then `repeat` warm builds
    (each after one more committed change); each printed as it ends. Folders put aside
    stay until the caller empties `prepared.aside`."""
    results = Results(prepared)
    for number in range(1, repeat + 1):
        clean(prepared)
        results.cold.append(build(prepared, "cold"))
        say(_line(results.cold[-1], number, repeat))
    if with_hugo:
        results.reference = hugo_reference(prepared)
        if results.reference.run is not None:
            say(f"hugo:  {results.reference.run.seconds:.2f} s for {results.reference.pages:,} "
                "pages")
    for number in range(1, repeat + 1):
        changed = change(prepared, number)
        results.warm.append(build(prepared, "warm"))
        say(_line(results.warm[-1], number, repeat) + f" after changing {changed.parent.name}/"
            f"{changed.name}")
    return results


def fastest(builds: list[Build]) -> Build | None:
    """The quickest build that did not fail (repeats are for a noisy machine)."""
    good = [b for b in builds if not b.failure] or builds
    return min(good, key=lambda b: b.run.seconds, default=None)


def _line(built: Build, number: int, repeat: int) -> str:
    count = f" {number}/{repeat}" if repeat > 1 else ""
    state = f"FAILED ({built.failure})" if built.failure else "ok"
    return f"{built.label}{count}: {built.run.seconds:.2f} s, {state}"


def _tail(text: str, lines: int = 8) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])
