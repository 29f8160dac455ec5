"""`python -m bench.count`: instructions per entity page, counted by callgrind.

    python -m bench.count                      # 2,000 entities, 100 then 200 pages
    python -m bench.count --base /work/wt-old  # and the code of another checkout, for an A/B

Seconds on a shared host drift by half within an hour (see README, Benchmarks), so a
change that makes pages 5% cheaper cannot be seen in timings. Valgrind's callgrind counts
the instructions a process runs, which is the same from run to run for the same code and
inputs (within 0.3% here), whatever else the machine is doing.

The catalog is generated (bench/synth.py, without Git: files are read as a folder) and
read by the real stages; then a sample of its entity pages, every kind in its share, is
rendered by the render stage's own page loop, with instruction counting switched on
around it only (`callgrind_control`), after the rest of the catalog's pages (so that
caches are as warm as midway through a real build). Two runs, rendering the first
`pages` of the sample and then twice as many, cancel everything else: the count per page
is their difference divided by `pages`. `--base` counts another checkout's `generator` on
the same catalog. Needs valgrind (Debian's package; scripts/test installs it).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # where `bench` and `generator` live
SEED = 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.count",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--entities", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=100,
                        help="pages per step: the runs render this many, then twice as many")
    parser.add_argument("--base", type=Path, help="also count the code of this checkout")
    parser.add_argument("--out", type=Path, help="keep the catalog and sites here")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is missing: apt-get install valgrind", file=sys.stderr)
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="playbill-count-"))
    catalog = out / "catalog"
    if not catalog.exists():
        from bench.synth import generate
        generate(catalog, args.entities, seed=SEED)
    checkouts = [("this checkout", ROOT)] + ([("base", args.base.resolve())] if args.base else [])
    for label, checkout in checkouts:
        counts = [count(checkout, catalog, out, pages, args.pages)
                  for pages in (args.pages, 2 * args.pages)]
        per_page = (counts[1] - counts[0]) / args.pages
        print(f"{label}: {per_page / 1e6:.3f} M instructions per entity page "
              f"({counts[0]:,} for {args.pages} pages, {counts[1]:,} for {2 * args.pages}; "
              f"{args.entities:,} entities; {checkout})")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


def count(checkout: Path, catalog: Path, out: Path, pages: int, step: int) -> int:
    """Instructions callgrind counted while `checkout`'s code rendered `pages` pages (see
    `render` for `step`)."""
    result = out / f"callgrind-{os.getpid()}.out"
    # This file as a script, so that `generator` is the checkout's and nothing else is.
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               f"--callgrind-out-file={result}", sys.executable, str(Path(__file__).resolve()),
               "--render", str(catalog), str(out / "site"), str(pages), str(step)]
    done = subprocess.run(command, env=env, cwd=out, capture_output=True, text=True)
    try:
        if done.returncode != 0:
            raise RuntimeError(f"counting failed:\n{done.stdout}{done.stderr}")
        return collected(done.stderr)
    finally:
        result.unlink(missing_ok=True)


def collected(valgrind_output: str) -> int:
    """The instruction count callgrind reports when the process ends."""
    found = re.search(r"Collected : (\d+)", valgrind_output)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{valgrind_output}")
    return int(found.group(1))


def sample(refs: list[str], size: int, seed: int = SEED) -> list[str]:
    """`size` refs in a fixed shuffled order, so that the first half and the whole have
    every kind in about its share."""
    shuffled = sorted(refs)
    random.Random(seed).shuffle(shuffled)
    return shuffled[:size]


def render(catalog_dir: Path, site: Path, pages: int, step: int, counting: bool = True
           ) -> None:
    """Read `catalog_dir`, then render `pages` pages of its sample into `site`, counting
    instructions around that only. Every page past the first `2 * step` of the sample is
    rendered first: templates are compiled, and links, diagram boxes and the digests of
    what pages read are made, as they are by the time most pages of a real build render
    (a small sample on its own would count each of those once per few pages)."""
    from generator.read import read_catalog
    from generator.render import RenderOptions, page_job
    from generator.render.pages import render_chunk_with
    from generator.sources import trees_for_paths

    trees = trees_for_paths([catalog_dir])
    catalog = read_catalog(trees.trees, trees.problems)
    shutil.rmtree(site, ignore_errors=True)
    job = page_job(catalog, site, RenderOptions())
    refs = sample(list(catalog.entities), len(catalog.entities))
    render_chunk_with(job, refs[2 * step:])
    _switch(counting, "on")
    render_chunk_with(job, refs[:pages])
    _switch(counting, "off")


def _switch(counting: bool, state: str) -> None:
    if counting:
        subprocess.run(["callgrind_control", "-i", state, str(os.getpid())],
                       check=True, capture_output=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render"]:
        del sys.path[0]  # bench/, whose modules are not top-level ones
        render(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        sys.exit(0)
    sys.exit(main())
