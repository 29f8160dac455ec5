"""`playbill`: the command line. It parses arguments, calls stages and picks exit codes.

Exit codes are the same for every command that reads a catalog: 0 clean, 1 problems
(errors, or warnings with --strict), 2 usage or configuration errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator import __version__, report
from generator.build import read_catalog
from generator.model.catalog import Catalog
from generator.model.problem import Problem
from generator.progress import Progress

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
DEFAULT_SOURCES = "catalog_sources.yaml"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="playbill")
def main() -> None:
    """Playbill: a static developer portal for Backstage-format catalogs."""


def catalog_options(command):
    """The options every command that reads a catalog shares."""
    command = click.argument(
        "paths", nargs=-1, type=click.Path(path_type=Path)
    )(command)
    command = click.option(
        "--sources", "sources_file", type=click.Path(path_type=Path),
        default=DEFAULT_SOURCES, show_default=True,
        help="Sources file listing Git repositories and folders to read.",
    )(command)
    command = click.option(
        "--cache-dir", type=click.Path(path_type=Path), default=None,
        help="Where Git clones are kept between runs (default: cache_dir in the sources file).",
    )(command)
    return command


@main.command()
@catalog_options
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text",
              show_default=True, help="How problems are printed.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def validate(paths, sources_file, cache_dir, fmt, strict, quiet) -> None:
    """Validate catalog files exactly as Backstage would, and report every problem.

    PATHS are catalog files or folders (folders are searched for entity YAML files). Without
    PATHS, the sources listed in --sources are fetched and read.
    """
    progress = Progress(enabled=not quiet)
    catalog = _read(paths, sources_file, cache_dir, progress)
    problems = catalog.problems
    count = len(catalog.entities)
    if fmt == "json":
        click.echo(report.as_json(problems, count))
    elif fmt == "github":
        if problems:
            click.echo(report.as_github(problems))
        click.echo(report.summary_line(report.summarize(problems, count)), err=True)
    else:
        click.echo(report.as_text(problems, count, color=sys.stdout.isatty()))
    sys.exit(_exit_code(problems, strict))


def _exit_code(problems: list[Problem], strict: bool) -> int:
    if any(p.is_error for p in problems):
        return EXIT_PROBLEMS
    if strict and any(p.severity.value == "warning" for p in problems):
        return EXIT_PROBLEMS
    return EXIT_OK


def _read(paths, sources_file: Path, cache_dir, progress: Progress) -> Catalog:
    """Turn PATHS and/or the sources file into source trees, then read the catalog.

    Explicit PATHS replace the default sources file; an explicitly given --sources is read
    as well. Configuration and path problems stop here with exit code 2.
    """
    from generator import config, sources

    ctx = click.get_current_context()
    explicit_sources = (
        ctx.get_parameter_source("sources_file") is not click.core.ParameterSource.DEFAULT
    )
    trees, problems = [], []
    if paths:
        found = sources.trees_for_paths(list(paths))
        trees += found.trees
        problems += found.problems
        if problems:
            _usage_error(problems)
    if explicit_sources or not paths:
        if not sources_file.exists() and not explicit_sources:
            _usage_error([], f"No {DEFAULT_SOURCES} here: pass catalog files or folders, "
                             f"or --sources FILE.")
        cfg, config_problems = config.load_config(sources_file)
        if cfg is None or any(p.is_error for p in config_problems):
            _usage_error(config_problems)
        fetched = sources.fetch_sources(cfg, cache_dir=cache_dir, on_progress=progress)
        progress.finish()
        trees += fetched.trees
        problems += fetched.problems
    return read_catalog(trees, problems)


def _usage_error(problems: list[Problem], message: str | None = None) -> None:
    for p in problems:
        where = ":".join(str(x) for x in (p.file, p.line) if x)
        click.echo(f"{where + ': ' if where else ''}{p.severity.value}: {p.message}", err=True)
        if p.hint:
            click.echo(f"  hint: {p.hint}", err=True)
    if message:
        click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


if __name__ == "__main__":  # pragma: no cover
    main()
