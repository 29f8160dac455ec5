"""`python -m bench`: Playbill on a synthetic organisation, cold and warm, beside Hugo.

    python -m bench                           # 10,000 entities, docs for a tenth of them
    python -m bench -n 1000 --repeat 3        # smaller, fastest of three runs each
    python -m bench -n 50000 --no-docs        # the issue's targets are without docs
    python -m bench --out /tmp/bench          # keep repositories, caches, sites

Generates the catalog in Git repositories (about 50 entities each), then runs
`playbill build` in a fresh process: cold (no clones, docs cache or site), then warm
(one catalog file changed and committed in one repository; the same cache and site
folders). Folders it is done with are deleted only at the end (bench/aside.py). Hugo
renders the same entity pages as the reference, and only their shared fields as a floor
(see bench/hugo.py; `bench/setup` installs it). Prints seconds and CPU seconds per stage, peak memory of the
build's process tree, what the site and its search index weigh, the render stage's ratio
to Hugo, and issue #8's targets as met or missed. Timings on a busy machine are noisy:
compare CPU seconds and use --repeat. Exit code 0 when every build succeeded without
problems (the catalog is valid, so a problem is a bug), whatever the targets say.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import report
from bench.aside import journal_less_ext4
from bench.measure import files_check, host_check
from bench.suite import fastest, prepare, run_all


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="playbill-bench-") as tmp:
        out = (args.out or Path(tmp)).resolve()
        out.mkdir(parents=True, exist_ok=True)
        journal_less = journal_less_ext4(out)
        started = time.perf_counter()
        prepared = prepare(out, args.entities, args.seed, docs=not args.no_docs)
        docs = "docs for a tenth of them" if prepared.docs else "no docs"
        print(f"catalog: {prepared.entities:,} entities ({docs}) in {len(prepared.repos)} "
              f"Git repositories under {out} (seed {args.seed}; "
              f"{time.perf_counter() - started:.1f} s to generate)")
        try:
            before, files_before = host_check(), files_check(out, prepared.aside)
            results = run_all(prepared, args.repeat, with_hugo=not args.no_hugo)
            after, files_after = host_check(), files_check(out, prepared.aside)
        finally:
            prepared.aside.empty()
    print()
    print(report.table(results))
    for part in (report.host(before, after, (files_before, files_after)),
                 report.file_system(journal_less),
                 report.repeats(results),
                 report.said([b for b in (fastest(results.cold), fastest(results.warm)) if b]),
                 report.reference(results), report.targets(results)):
        if part:
            print()
            print(part)
    for failure in results.failures:
        print(f"!!! build failed on a valid catalog: {failure}", file=sys.stderr)
    return 1 if results.failures else 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--entities", "-n", type=int, default=10_000,
                        help="how many entities to generate (default: %(default)s)")
    parser.add_argument("--no-docs", action="store_true",
                        help="no TechDocs (default: docs for a tenth of the entities)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="cold and warm builds this many times each; the fastest shows "
                             "(default: %(default)s)")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo reference")
    parser.add_argument("--out", type=Path, default=None,
                        help="work here and keep everything (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
