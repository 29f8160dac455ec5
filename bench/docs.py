"""`python -m bench.docs`: the docs stage on generated docs sites, cold and warm.

    python -m bench.docs                    # 200 sites of 5 pages each
    python -m bench.docs --sites 50 --pages 3 --out /tmp/docs-bench

Writes one folder per site (catalog-info.yaml with `techdocs-ref: dir:.`, mkdocs.yml with
techdocs-core and a nav, `docs/` with the pages), reads them as a catalog, then times
`build_docs` + `publish` with an empty cache (cold) and again with nothing changed (warm),
and prints what the published docs weigh and what their pages add to the search index
(the site's one lunr index, built with and without them).
Targets (issue #4): cold under 25 s and warm under 1 s on two cores; the theme stored once.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.aside import SetAside

TARGET_COLD = 25.0
TARGET_WARM = 1.0

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  annotations:
    backstage.io/techdocs-ref: dir:.
spec: {{type: service, lifecycle: production, owner: team-{team}}}
"""
WORDS = ("deploy rollback alert queue latency cache schema migration replica shard token "
         "gateway retry budget canary feature flag runbook incident backlog sprint").split()


def generate(root: Path, sites: int, pages: int) -> list[Path]:
    """`sites` docs projects of `pages` pages each below `root`; returns their folders."""
    folders = []
    for number in range(sites):
        name = f"service-{number:04d}"
        folder = root / name
        write_site(folder, name, pages)
        (folder / "catalog-info.yaml").write_text(CATALOG.format(name=name, team=number % 7))
        folders.append(folder)
    return folders


def write_site(folder: Path, name: str, pages: int) -> None:
    """One MkDocs project (mkdocs.yml with techdocs-core and a nav, `docs/` with the pages
    linking each other) in `folder`; the synthetic catalog uses it too."""
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    nav = "".join(f"  - Page {p}: {_page(p)}\n" for p in range(pages))
    (folder / "mkdocs.yml").write_text(f"site_name: {name}\nnav:\n{nav}"
                                       "plugins: [techdocs-core]\n")
    for p in range(pages):
        (folder / "docs" / _page(p)).write_text(_text(name, p, pages), encoding="utf-8")


def _page(number: int) -> str:
    return "index.md" if number == 0 else f"page-{number}.md"


def _text(name: str, number: int, pages: int) -> str:
    words = " ".join(WORDS[(number * 3 + i) % len(WORDS)] for i in range(60))
    links = " ".join(f"[page {p}]({_page(p)})" for p in range(pages) if p != number)
    return (f"# {name}, page {number}\n\n{words} word{name.replace('-', '')}p{number}.\n\n"
            f"## Details\n\n!!! note\n    {words}\n\n```python\nprint({number})\n```\n\n"
            f"See {links}.\n")


def main(argv: list[str] | None = None) -> int:
    from generator import sources
    from generator.read import read_catalog
    from generator.docs import DocsOptions, build_docs
    from generator.docs.publish import publish, search_rows
    from generator.docs.sitebuild import theme_folder
    from generator.search import write_index

    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="playbill-docs-bench-") as tmp:
        out = args.out or Path(tmp)
        aside = SetAside(out)  # deleted at the end, not before a timed build (see aside.py)
        for folder in ("repo", "cache", "site-cold", "site-warm"):
            aside.put(out / folder)
        generate(out / "repo", args.sites, args.pages)
        catalog = read_catalog(sources.trees_for_paths([out / "repo"]).trees)
        options = DocsOptions(cache_dir=out / "cache", workers=args.workers)
        times = []
        for run in ("cold", "warm"):
            site = out / f"site-{run}"
            started = time.perf_counter()
            built = build_docs(catalog, options)
            published = publish(built, site)
            times.append(time.perf_counter() - started)
            print(f"{run}: {times[-1]:6.2f} s  ({built.rebuilt} of {len(built.sites)} sites "
                  f"built, {published.pages} pages)")
        theme = sum(p.stat().st_size for p in (site / "docs" / theme_folder()).rglob("*")
                    if p.is_file())
        rows = search_rows(catalog, built)
        alone = write_index(catalog, out / "index-entities")
        both = write_index(catalog, out / "index-docs", extra_rows=rows)
        print(f"size: {published.bytes / 1e6:.1f} MB in {published.files:,} files; the theme "
              f"{theme / 1e6:.1f} MB once; {(published.bytes - theme) / len(built.sites) / 1e3:.0f}"
              f" kB per site")
        print(f"search: {len(rows):,} docs pages add {(both.bytes - alone.bytes) / 1e3:,.0f} kB "
              f"({(both.gzipped_bytes - alone.gzipped_bytes) / 1e3:,.0f} kB gzipped) to the "
              f"index of {len(catalog.entities)} entities; built in {both.seconds:.1f} s "
              f"(without them {alone.seconds:.1f} s)")
        problems = [p for p in built.problems if p.is_error]
        aside.empty()
        for problem in problems:
            print(f"error: {problem.entity}: {problem.message}", file=sys.stderr)
    ok = not problems and times[0] < TARGET_COLD and times[1] < TARGET_WARM
    print(f"targets: cold < {TARGET_COLD:.0f} s, warm < {TARGET_WARM:.0f} s: "
          + ("met" if ok else "NOT met"))
    return 0 if ok else 1


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.docs",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None,
                        help="processes that build sites (default: the usable cores)")
    parser.add_argument("--out", type=Path, default=None,
                        help="keep everything here (default: a temporary folder)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
