"""`playbill docs REF` (one entity's docs for a local preview), and the docs options of
`playbill build` and `serve`, read from the `docs:` section of catalog_sources.yaml."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.cli_common import EXIT_PROBLEMS, catalog_and_config, exit_code, usage_error
from generator.docs import DocsOptions
from generator.docs.mkdocsconfig import Allow
from generator.progress import Progress


def docs_options(cfg, templates: Path | None, wanted: bool) -> DocsOptions | None:
    """How docs are built (from the sources file's `docs:`), or None when they are not."""
    docs = cfg.docs if cfg is not None else None
    if not wanted or (docs is not None and not docs.enabled):
        return None
    if docs is None:
        return DocsOptions(templates=templates)
    allow = Allow(*(frozenset(getattr(docs.allow, name)) for name in
                    ("keys", "plugins", "extensions", "python_names")))
    return DocsOptions(docs.cache_dir, allow, templates)


@click.command()
@click.argument("entity_ref")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path),
              default="catalog_sources.yaml", show_default=True,
              help="Sources file listing Git repositories and folders to read.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Where Git clones are kept between runs.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              default=Path(".playbill/docs-preview"), show_default=True,
              help="Where the preview is written (replaced on every run).")
@click.option("--serve", "serve_it", is_flag=True, help="Serve the preview on 127.0.0.1.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
def docs(entity_ref, sources_file, cache_dir, out, serve_it, port) -> None:
    """Build one entity's TechDocs for a local preview (e.g. component:default/shop)."""
    import shutil

    from generator.docs import build_docs
    from generator.docs.publish import publish
    from generator.model.catalog import ref_key


    catalog, cfg = catalog_and_config((), sources_file, cache_dir, Progress(enabled=False))
    ref = ref_key(entity_ref if ":" in entity_ref else f"component:{entity_ref}")
    if ref not in catalog.entities:
        usage_error([], f"No entity {ref} in the catalog.")
    options = docs_options(cfg, cfg.site.templates if cfg else None, True)
    built = build_docs(catalog, options, only=[ref])
    for problem in built.problems:
        where = ":".join(str(x) for x in (problem.file, problem.line) if x)
        click.echo(f"{where + ': ' if where else ''}{problem.severity.value}: {problem.message}",
                   err=True)
    url = built.links.get(ref)
    if not built.sites or built.sites[0].built is None or url is None:
        click.echo(f"error: no docs were built for {ref}", err=True)
        sys.exit(EXIT_PROBLEMS)
    shutil.rmtree(out, ignore_errors=True)
    publish(built, out)
    click.echo(f"Docs of {ref}: {out / url}")
    if serve_it:
        from generator import preview as serving

        server = serving.make_server(out, port)
        click.echo(f"Serving at {serving.url_of(server)}{url} (Ctrl+C to stop)")
        sys.stdout.flush()
        serving.serve_until_interrupted(server, log=False)
    sys.exit(exit_code(list(built.problems), strict=False))
