"""`playbill`: the command line. It parses arguments, calls stages and picks exit codes.

Exit codes are the same for every command that reads a catalog: 0 clean, 1 problems
(errors, or warnings with --strict), 2 usage or configuration errors.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from generator import __version__, report
from generator.model.catalog import Catalog
from generator.model.problem import Problem
from generator.progress import Progress
from generator.cli_common import (
    DEFAULT_SOURCES, EXIT_OK, EXIT_USAGE, catalog_and_config, catalog_from, catalog_options,
    config_or_exit, exit_code, site_options, usage_error,
)
from generator.docs.cli import docs, docs_options
from generator.scaffold.cli import scaffold
from generator.status.cli import snapshot_for_build, status



@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="playbill")
def main() -> None:
    """Playbill: a static developer portal for Backstage-format catalogs."""


def run(args: list[str] | None = None) -> None:
    """The `playbill` program (pyproject.toml's entry point, `python -m generator`): `main`,
    then an exit that skips tearing Python down object by object (`_leave`)."""
    try:
        main(args, prog_name="playbill")
    except SystemExit as stop:
        _leave(stop.code)
    _leave(0)


def _leave(code: object) -> NoReturn:
    """Exit with `code` as Python would, without freeing every object and module first:
    that took 0.09 s after a warm build of 10,000 entities, and the system takes a
    process's memory back at once. The atexit handlers still run, and the output is
    flushed."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code or 0)


@main.command()
@catalog_options
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text",
              show_default=True, help="How problems are printed.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.option("--partial", is_flag=True,
              help="Refs to entities not among the files read are notes, not warnings "
                   "(one repository's files, whose teams and systems live elsewhere).")
@click.option("--against", metavar="PATH|URL",
              help="A published portal's catalog.json: refs to entities in it are fine.")
def validate(paths, sources_file, cache_dir, fmt, strict, quiet, partial, against) -> None:
    """Validate catalog files exactly as Backstage would, and report every problem.

    PATHS are catalog files or folders (folders are searched for entity YAML files). Without
    PATHS, the sources listed in --sources are fetched and read.
    """
    from generator.partial import AgainstError, judge_unseen, known_refs

    progress = Progress(enabled=not quiet)
    try:
        known = known_refs(against) if against else frozenset()
    except AgainstError as exc:
        usage_error([], f"--against: {exc}")
    catalog = catalog_from(paths, sources_file, cache_dir, progress)
    problems = judge_unseen(catalog, known, partial, against or "")
    count = len(catalog.entities)
    if fmt == "json":
        click.echo(report.as_json(problems, count))
    elif fmt == "github":
        if problems:
            click.echo(report.as_github(problems))
        click.echo(report.summary_line(report.summarize(problems, count)), err=True)
    else:
        click.echo(report.as_text(problems, count, color=sys.stdout.isatty()))
    sys.exit(exit_code(problems, strict))


@main.command()
@catalog_options
@click.option("--site-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the site is written (default: site_dir in the sources file, "
                   "else ./site).")
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="A folder of your own templates, searched before Playbill's.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when the catalog has errors or warnings (the site is written "
                   "anyway).")
@click.option("--docs/--no-docs", "with_docs", default=True, show_default=True,
              help="Build entities' TechDocs (backstage.io/techdocs-ref) into the site.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.option("--shard", metavar="K/N",
              help="Only fetch and check the K-th of N parts of the sources, into "
                   "--shard-dir; `playbill merge` makes the site from all N.")
@click.option("--shard-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where --shard writes (default: .playbill/shards/K).")
def build(paths, sources_file, cache_dir, site_dir, templates, strict, with_docs, quiet, shard,
          shard_dir) -> None:
    """Build the static portal: read and validate the catalog, then write the site.

    The site is written even when the catalog has problems (its Health page lists them);
    only --strict turns problems into a failing exit code. PATHS and --sources work as
    for `validate`.
    """
    progress = Progress(enabled=not quiet)
    if shard:
        sys.exit(_build_shard(paths, sources_file, shard, shard_dir, strict, progress))
    catalog, cfg = catalog_and_config(paths, sources_file, cache_dir, progress, cached=True)
    target, options = site_options(cfg, site_dir, templates)
    problems = _write_site(catalog, cfg, target, options, progress,
                           docs_options(cfg, options.templates, with_docs))
    sys.exit(exit_code(problems, strict=True) if strict else EXIT_OK)


@main.command()
@catalog_options
@click.option("--site-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The site folder to serve (default: as for `build`).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--build/--no-build", "rebuild", default=True, show_default=True,
              help="Build the site before serving it.")
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="A folder of your own templates (with --build).")
@click.option("--quiet", "-q", is_flag=True, help="No progress or request lines.")
def serve(paths, sources_file, cache_dir, site_dir, port, rebuild, templates, quiet) -> None:
    """Preview the site on http://127.0.0.1:PORT/ (Ctrl+C stops). Local only: the server
    listens on the loopback interface and serves files, nothing else."""
    from generator import preview as serving

    progress = Progress(enabled=not quiet)
    cfg = None
    if rebuild:
        catalog, cfg = catalog_and_config(paths, sources_file, cache_dir, progress,
                                         cached=True)
    elif Path(sources_file).is_file() and site_dir is None:
        cfg = config_or_exit(Path(sources_file))
    target, options = site_options(cfg, site_dir, templates)
    if rebuild:
        _write_site(catalog, cfg, target, options, progress,
                    docs_options(cfg, options.templates, True))
    if not (target / "index.html").is_file():
        usage_error([], f"No site in {target}: run `playbill build` first, or drop --no-build.")
    server = serving.make_server(target, port)
    click.echo(f"Serving {target} at {serving.url_of(server)} (Ctrl+C to stop)")
    sys.stdout.flush()
    serving.serve_until_interrupted(server, log=not quiet)


@main.group()
def owner() -> None:
    """Change who owns an entity, as a commit or pull request for review."""


@owner.command("set")
@click.argument("entity_ref")
@click.argument("new_owner")
@catalog_options
@click.option("--local", is_flag=True,
              help="Commit on a new branch of the local repository instead of opening a "
                   "pull request.")
@click.option("--branch", help="Name of the new branch (default: playbill/owner/…).")
@click.option("--base", help="Branch the pull request targets (default: the branch read).")
@click.option("--repo", "github_repo", metavar="OWNER/NAME",
              help="The GitHub repository (default: the source's own).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def owner_set(entity_ref, new_owner, paths, sources_file, cache_dir, local, branch, base,
              github_repo, quiet) -> None:
    """Set ENTITY_REF's spec.owner to NEW_OWNER (a Group or User in the catalog).

    Only the owner line of the entity's file changes. A pull request is opened through
    the GitHub REST API (GITHUB_TOKEN, GITHUB_API_URL), or with --local a commit is left
    on a new branch. PATHS and --sources say where the catalog is read, as for `validate`.
    """
    from generator.owner.change import OwnerError, plan
    from generator.owner.publish import commit_locally, open_pull_request
    from generator.scaffold.github_api import GitHubClient

    catalog = catalog_from(paths, sources_file, cache_dir, Progress(enabled=not quiet))
    try:
        change = plan(catalog, entity_ref, new_owner)
        if local:
            done = commit_locally(change, branch)
        else:
            done = open_pull_request(change, GitHubClient.from_env(), github_repo, base, branch)
    except OwnerError as exc:
        click.echo(f"error: {exc}", err=True)
        if exc.hint:
            click.echo(f"  hint: {exc.hint}", err=True)
        sys.exit(EXIT_USAGE)
    where = f"{change.in_repo}:{done.line}"
    if done.pull_url:
        click.echo(f"Opened {done.pull_url}: {change.title} ({where}, branch {done.branch})")
    else:
        click.echo(f"Committed {done.commit[:10]} on branch {done.branch}: {change.title} "
                   f"({where}); push it and open a pull request")


@main.command("diff")
@click.argument("base")
@click.argument("head")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), default=None,
              help=f"Sources file, as each commit has it (default: {DEFAULT_SOURCES}).")
@click.option("--repo", "repo_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("."), show_default=True, help="A folder of the Git repository.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Where Git sources are cloned (default: .playbill/cache in the repository).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True, help="Markdown for a pull request comment, or JSON.")
def diff_command(base, head, paths, sources_file, repo_dir, cache_dir, fmt) -> None:
    """Entities added, removed and changed (owner, lifecycle, relations, other fields)
    between commits BASE and HEAD.

    PATHS (relative to the repository's root) or the sources file are read at each commit
    from a temporary clone; the working tree is not touched.
    """
    import json

    from generator.diff import DiffError, as_markdown, diff_revisions

    try:
        found = diff_revisions(repo_dir, base, head, list(paths), sources_file, cache_dir)
    except DiffError as exc:
        usage_error([], str(exc))
    click.echo(json.dumps(found.to_json_dict(), indent=2) if fmt == "json"
               else as_markdown(found), nl=fmt == "json")


@main.command()
@click.argument("shard_dirs", nargs=-1, required=True,
                type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--sources", "sources_file", type=click.Path(path_type=Path),
              default=DEFAULT_SOURCES, show_default=True, help="The sources file the shards read.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Where the shards' clones are gathered (default: cache_dir in the sources "
                   "file).")
@click.option("--site-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the site is written (as for `build`).")
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="A folder of your own templates, searched before Playbill's.")
@click.option("--strict", is_flag=True, help="Exit 1 when the catalog has errors or warnings.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def merge(shard_dirs, sources_file, cache_dir, site_dir, templates, strict, quiet) -> None:
    """Build the site from the folders of `playbill build --shard K/N`, for K = 1..N.

    Nothing is fetched: the site shows the commits the shards fetched, and equals a single
    `playbill build` of them.
    """
    from generator.shards import ShardError, read_merged

    progress = Progress(enabled=not quiet)
    cfg = config_or_exit(Path(sources_file))
    try:
        catalog = read_merged(cfg, list(shard_dirs), cache_dir or cfg.cache_dir, progress)
    except ShardError as exc:
        usage_error([], str(exc))
    target, options = site_options(cfg, site_dir, templates)
    problems = _write_site(catalog, cfg, target, options, progress,
                           docs_options(cfg, options.templates, True))
    sys.exit(exit_code(problems, strict=True) if strict else EXIT_OK)


def _build_shard(paths, sources_file: Path, text: str, folder: Path | None, strict: bool,
                 progress: Progress) -> int:
    """`build --shard K/N`: fetch and check shard K's sources; refs into other shards are
    notes, since only the merge sees them all."""
    from generator.shards import Shard, ShardError, check_shard

    try:
        shard = Shard.parse(text)
    except ShardError as exc:
        usage_error([], str(exc))
    if paths:
        usage_error([], "--shard splits the sources file's sources; it takes no PATHS.")
    folder = folder or Path(".playbill") / "shards" / str(shard.number)
    trees, entities, problems = check_shard(config_or_exit(Path(sources_file)), shard,
                                            folder, progress)
    progress.finish()
    click.echo(f"Shard {shard.number}/{shard.count}: {trees} sources into {folder}; "
               + report.summary_line(report.summarize(problems, entities)))
    return exit_code(problems, strict=True) if strict else EXIT_OK


def _write_site(catalog: Catalog, cfg, target: Path, options, progress: Progress,
                docs_options=None) -> list:
    """status -> docs -> render -> search for `build`, `serve` and `merge`; prints the
    summary and returns every problem (catalog, clusters, docs, site)."""
    status = snapshot_for_build(catalog, cfg, target, progress)
    progress(f"Building the site of {len(catalog.entities):,} entities into {target}")
    result = _build_site(catalog, target, options, status, docs_options, progress)
    progress.finish()
    problems = [*catalog.problems, *result.problems, *(status.problems if status else ())]
    click.echo(_build_summary(result, problems, len(catalog.entities)))
    return problems


def _build_site(catalog: Catalog, target: Path, options, status=None, docs_options=None,
                progress: Progress | None = None):
    """build_site, with a folder we must not replace or a broken template as exit 2.
    `status` is the status stage's result (None without Kubernetes clusters)."""
    import jinja2

    from generator.build import build_site
    from generator.render.output import SiteDirError
    from generator.site_paths import TemplateFolderError

    try:
        return build_site(catalog, target, options, status.snapshot if status else None,
                          docs_options, progress)
    except (SiteDirError, TemplateFolderError) as exc:
        usage_error([], str(exc))
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}: " if getattr(exc, "lineno", None) else ""
        usage_error([], f"{where}template error: {exc}")


def _build_summary(result, problems: list[Problem], entities: int) -> str:
    counts = report.summarize(problems, entities)
    search = result.search
    lines = [
        f"Wrote {result.render.pages:,} pages ({result.render.files:,} files) for "
        f"{entities:,} entities to {result.site_dir}"
        + (f"; {result.render.reused:,} unchanged pages reused from the previous site"
           if result.render.reused else ""),
        report.summary_line(counts) + (f"; see {result.site_dir / 'health.html'}"
                                       if problems else ""),
    ]
    if result.docs_published is not None and result.docs is not None:
        docs = result.docs_published
        lines.append(f"Docs: {docs.sites:,} sites ({result.docs.rebuilt:,} rebuilt), "
                     f"{docs.pages:,} pages, {docs.bytes / 1024 / 1024:,.1f} MiB in "
                     f"{result.docs.seconds:,.1f} s")
    if search is not None:
        lines.append(f"Search index: {search.bytes / 1024:,.0f} KiB "
                     f"({search.gzipped_bytes / 1024:,.0f} KiB gzipped) in "
                     f"{search.shards} shard{'s' if search.shards != 1 else ''}, "
                     f"{len(search.files):,} files"
                     + (f"; {search.reused:,} unchanged reused from the previous site"
                        if search.reused else ""))
    return "\n".join(lines)


main.add_command(scaffold)
main.add_command(docs)
main.add_command(status)

if __name__ == "__main__":  # pragma: no cover
    main()
