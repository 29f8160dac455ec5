"""What the command modules (`cli.py` and the stages' `cli.py`) share: the options of a
command that reads a catalog, reading it from PATHS and the sources file, the render
options a sources file sets, and the exit codes with the way a usage error is told.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.read import read_catalog
from generator.model.catalog import Catalog
from generator.model.problem import Problem
from generator.progress import Progress

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
DEFAULT_SOURCES = "catalog_sources.yaml"


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
        help="Where Git clones and parsed catalog files are kept between runs (default: "
             "cache_dir in the sources file).",
    )(command)
    return command


def site_options(cfg, site_dir: Path | None, templates: Path | None):
    """Where to write and how to render: options override the sources file's `site:`."""
    from generator.config import DEFAULT_SITE_DIR
    from generator.render import RenderOptions

    site = cfg.site if cfg is not None else None
    target = site_dir or (site.site_dir if site else Path(DEFAULT_SITE_DIR))
    folder = templates or (site.templates if site else None)
    if folder is not None and not folder.is_dir():
        usage_error([], f"Templates folder {folder} does not exist.")
    options = RenderOptions(
        title=site.title if site else RenderOptions.title,
        templates=folder,
        graph_depth=site.graph_depth if site else RenderOptions.graph_depth,
    )
    return target, options


def config_or_exit(path: Path):
    from generator import config

    cfg, problems = config.load_config(path)
    if cfg is None or any(p.is_error for p in problems):
        usage_error(problems)
    return cfg


def exit_code(problems: list[Problem], strict: bool) -> int:
    if any(p.is_error for p in problems):
        return EXIT_PROBLEMS
    if strict and any(p.severity.value == "warning" for p in problems):
        return EXIT_PROBLEMS
    return EXIT_OK


def catalog_from(paths, sources_file: Path, cache_dir, progress: Progress) -> Catalog:
    """Turn PATHS and/or the sources file into source trees, then read the catalog."""
    return catalog_and_config(paths, sources_file, cache_dir, progress)[0]


def catalog_and_config(paths, sources_file: Path, cache_dir, progress: Progress,
                      cached: bool = False):
    """The catalog, and the sources config when one was read (None for PATHS alone).

    `cached` (build, serve) keeps parsed files in the load cache; the read-only commands
    (validate, owner set) leave no cache behind in the folder they run in.

    Explicit PATHS replace the default sources file; an explicitly given --sources is read
    as well. Configuration and path problems stop here with exit code 2.
    """
    from generator import config, sources

    ctx = click.get_current_context()
    explicit_sources = (
        ctx.get_parameter_source("sources_file") is not click.core.ParameterSource.DEFAULT
    )
    trees, problems, cfg = [], [], None
    if paths:
        found = sources.trees_for_paths(list(paths))
        trees += found.trees
        problems += found.problems
        if problems:
            usage_error(problems)
    if explicit_sources or not paths:
        if not sources_file.exists() and not explicit_sources:
            usage_error([], f"No {DEFAULT_SOURCES} here: pass catalog files or folders, "
                             f"or --sources FILE.")
        cfg, config_problems = config.load_config(sources_file)
        if cfg is None or any(p.is_error for p in config_problems):
            usage_error(config_problems)
        fetched = sources.fetch_sources(cfg, cache_dir=cache_dir, on_progress=progress)
        progress.finish()
        trees += fetched.trees
        problems += fetched.problems
    load_cache = _load_cache_dir(cache_dir, cfg) if cached else None
    catalog = read_catalog(trees, problems, load_cache, progress)
    progress.finish()
    return catalog, cfg


def _load_cache_dir(cache_dir: Path | None, cfg) -> Path:
    """The load cache lives beside the clones: `<cache_dir>/load`."""
    from generator.config import DEFAULT_CACHE_DIR

    return (cache_dir or (cfg.cache_dir if cfg is not None else Path(DEFAULT_CACHE_DIR))) / "load"


def usage_error(problems: list[Problem], message: str | None = None) -> None:
    for p in problems:
        where = ":".join(str(x) for x in (p.file, p.line) if x)
        click.echo(f"{where + ': ' if where else ''}{p.severity.value}: {p.message}", err=True)
        if p.hint:
            click.echo(f"  hint: {p.hint}", err=True)
    if message:
        click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)
