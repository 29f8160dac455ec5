"""Publishing built docs sites into the portal, and their pages into its search box.

Each site is linked (or copied) from the cache to `docs/<namespace>/<kind>/<name>/`; mkdocs-material's
static files, which every site shares, are copied once to `docs/_theme/material-<version>/`
(the pages already point there, see `sitebuild.py`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from generator.docs import DocsBuilt
from generator.docs.sitebuild import theme_folder
from generator.model.catalog import Catalog
from generator.site_paths import page_file


@dataclass(frozen=True)
class Published:
    """What `publish` wrote: sites, pages and files, and their total size in bytes."""

    sites: int
    pages: int
    files: int
    bytes: int


def publish(built: DocsBuilt, site_dir: Path) -> Published:
    """Copy every built site and the shared theme files into `site_dir`."""
    sites = pages = files = size = 0
    for site in built.sites:
        target = page_file(site_dir, site.url.rstrip("/"))
        if site.built is None or target is None:
            continue
        shutil.copytree(site.built, target, dirs_exist_ok=True, copy_function=_link)
        sites += 1
        pages += len(site.pages)
    theme = site_dir / "docs" / theme_folder()
    for dest, source in built.theme_files.items():
        (theme / dest).parent.mkdir(parents=True, exist_ok=True)
        _link(source, theme / dest)
    for path in (site_dir / "docs").rglob("*") if (site_dir / "docs").is_dir() else ():
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return Published(sites, pages, files, size)


def _link(source, target) -> None:
    """A hard link to the cached file when the cache is on the same file system (a build
    never changes a cached file in place: a rebuilt site is written into a new folder,
    and pip replaces a theme file rather than rewriting it), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def search_rows(catalog: Catalog, built: DocsBuilt) -> list[tuple[dict[str, str], list[str]]]:
    """One search document per docs page: indexed by the page's title and words, shown as
    the page title with the entity it documents, and opening the page itself.

    The row is `[entity ref, page title, entity title, page URL]`: the fourth item tells
    search.js that this is a docs page, not an entity.
    """
    rows = []
    for site in built.sites:
        entity = catalog.entities.get(site.ref)
        if site.built is None or entity is None:
            continue
        for url, title, words in site.pages:
            indexed = {"name": "", "title": title, "tags": "", "kind": "docs", "owner": "",
                       "description": words}
            rows.append((indexed, [site.ref, title or entity.title, f"Docs of {entity.title}",
                                   site.url + url]))
    return rows
