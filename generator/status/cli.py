"""`playbill status`, and the status step of `playbill build`: read the clusters the
config lists, then print the problems (status) or hand the snapshot to the site (build).

Both keep the last good snapshot: `status.json` of the site being replaced is read back,
so a cluster that cannot be read now still shows what it showed last time, dated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator import report
from generator.cli_common import catalog_and_config, exit_code, site_options, usage_error
from generator.status import StatusResult, build_time, read_snapshot, take_snapshot
from generator.status.problems import finding_problems
from generator.status.snapshot import STATUS_FILE


def snapshot_for_build(catalog, cfg, site_dir: Path, progress) -> StatusResult | None:
    """The status stage for `build` and `serve`; None when no clusters are configured."""
    if cfg is None or cfg.kubernetes is None:
        return None
    from generator.config import display_path

    count = len(cfg.kubernetes.clusters)
    progress(f"Reading {count} Kubernetes cluster{'s' if count != 1 else ''}")
    shown = display_path(cfg.file) if cfg.file else None
    return take_snapshot(catalog, cfg.kubernetes, read_snapshot(site_dir / STATUS_FILE),
                         build_time(), shown)


@click.command()
@click.option("--sources", "sources_file", type=click.Path(path_type=Path),
              default="catalog_sources.yaml", show_default=True,
              help="Sources file with the catalog and its `kubernetes:` clusters.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Where Git clones are kept between runs.")
@click.option("--site-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The site whose status.json is the last good snapshot (default: as "
                   "for `build`).")
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text",
              show_default=True, help="How problems are printed.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def status(sources_file, cache_dir, site_dir, fmt, strict, quiet) -> None:
    """Read the Kubernetes clusters in the sources file and print what is wrong: clusters
    that cannot be read, and each entity's workload problems (CrashLoopBackOff, failed
    Jobs, stuck rollouts, ...) with what to do next. Writes nothing.

    Exit codes as for `validate`: 1 when a workload has a serious problem (or, with
    --strict, any problem), 2 when the config has no `kubernetes:` section.
    """
    from generator.progress import Progress

    progress = Progress(enabled=not quiet)
    catalog, cfg = catalog_and_config((), sources_file, cache_dir, progress)
    if cfg is None or cfg.kubernetes is None:
        usage_error([], f"{sources_file} has no `kubernetes:` section listing clusters.")
    target, _ = site_options(cfg, site_dir, None)
    result = snapshot_for_build(catalog, cfg, target, progress)
    progress.finish()
    problems = [*result.problems, *finding_problems(result.snapshot, catalog)]
    problems.sort(key=lambda p: p.sort_key())
    count = len(result.snapshot.entities)
    if fmt == "json":
        click.echo(report.as_json(problems, count))
    elif fmt == "github":
        if problems:
            click.echo(report.as_github(problems))
        click.echo(report.summary_line(report.summarize(problems, count)), err=True)
    else:
        click.echo(report.as_text(problems, count, color=sys.stdout.isatty()))
    sys.exit(exit_code(problems, strict))
