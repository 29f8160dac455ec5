"""The location annotations Backstage writes on every entity it reads (spec §6)."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from generator.model.location import LocationRef
from generator.model.source import SourceTree

MANAGED_BY_LOCATION = "backstage.io/managed-by-location"
MANAGED_BY_ORIGIN_LOCATION = "backstage.io/managed-by-origin-location"
VIEW_URL = "backstage.io/view-url"
EDIT_URL = "backstage.io/edit-url"
SOURCE_LOCATION = "backstage.io/source-location"

_COMMIT_HASH = re.compile(r"\b[0-9a-f]{40,}\b")


def location_annotations(
    location: LocationRef,
    origin: LocationRef,
    tree: SourceTree,
    file_rel: str,
) -> dict[str, str]:
    """What Backstage writes on every entity read from one file, in its key order.

    Computed once per file: every document of the file gets the same values.
    """
    ours = {
        MANAGED_BY_LOCATION: str(location),
        MANAGED_BY_ORIGIN_LOCATION: str(origin),
    }
    if location.type == "url":
        ours[VIEW_URL] = location.target
        edit = _edit_url(location, tree, file_rel)
        if edit:
            ours[EDIT_URL] = edit
        ours[SOURCE_LOCATION] = f"url:{_folder_url(tree, file_rel)}"
    return ours


def annotate(data: dict[str, Any], ours: dict[str, str]) -> None:
    """Add `ours` (from `location_annotations`) to an entity in place.

    `managed-by-location` and `managed-by-origin-location` always replace what the author
    wrote (the output collector sets them); `view-url`, `edit-url` and `source-location`
    are only defaults for url locations (AnnotateLocationEntityProcessor merges the
    entity over them, so the author's values win).
    """
    metadata = data["metadata"]
    authored = metadata.get("annotations") or {}
    kept = {k: v for k, v in authored.items() if k not in _MANAGED}
    metadata["annotations"] = {**ours, **kept}


_MANAGED = (MANAGED_BY_LOCATION, MANAGED_BY_ORIGIN_LOCATION)


def _edit_url(location: LocationRef, tree: SourceTree, file_rel: str) -> str | None:
    if tree.web is None or _COMMIT_HASH.search(location.target):
        return None
    return tree.web.edit_url(file_rel)


def _folder_url(tree: SourceTree, file_rel: str) -> str:
    """The folder of the file, ending in `/` (GitHub gives its `/tree/` form)."""
    folder = posixpath.dirname(file_rel)
    if tree.web is not None:
        url = tree.web.tree_url(folder)
        return url if url.endswith("/") else url + "/"
    local = tree.root / folder if folder else tree.root
    return local.resolve().as_uri().rstrip("/") + "/"
