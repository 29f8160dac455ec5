"""Where the portal's pieces are: the template folders, and the address in the site of
each entity's page and API download.

The render stage writes pages at these addresses, and the docs stage links back to them
from every docs page it builds, so both import them from here rather than one stage from
the other.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from generator.model.catalog import ref_key


def _builtin_templates() -> Path:
    """site_templates/ of the checkout this package runs from (also an editable install),
    else where a wheel installs it (pyproject's data-files)."""
    checkout = Path(__file__).resolve().parents[1] / "site_templates"
    installed = Path(sys.prefix) / "share" / "playbill" / "site_templates"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


#: The templates that ship with Playbill.
BUILTIN_TEMPLATES = _builtin_templates()


class TemplateFolderError(ValueError):
    """The built-in templates are missing (a broken install) or a user folder is not one."""


def template_folders(user_folder: Path | None) -> list[Path]:
    """The folders templates are looked up in, the user's first."""
    if not BUILTIN_TEMPLATES.is_dir():
        raise TemplateFolderError(f"Playbill's templates are missing from {BUILTIN_TEMPLATES}")
    if user_folder is None:
        return [BUILTIN_TEMPLATES]
    if not user_folder.is_dir():
        raise TemplateFolderError(f"Templates folder {user_folder} does not exist")
    return [user_folder, BUILTIN_TEMPLATES]


@lru_cache(maxsize=1 << 16)
def entity_url(ref: Any) -> str:
    """The page of `ref`, from the site root: `entity/<namespace>/<kind>/<name>.html`.

    Refs are lower-cased, so paths are too; each part is percent-encoded so an unusual
    name can never climb out of its folder.
    """
    kind, namespace, name = ref_parts(ref)
    return f"entity/{_segment(namespace)}/{_segment(kind)}/{_segment(name)}.html"


def definition_url(namespace: str, download_name: str) -> str:
    """Where an API's raw definition is written, from the site root."""
    return f"entity/{_segment(namespace.lower())}/api/{_segment(download_name)}"


def page_file(out_dir: Path, url: str) -> Path | None:
    """The file a site-root-relative URL is written to, or None if it would leave its
    folder (a name that decodes to `..` or contains `/`)."""
    rel = site_file(url)
    return out_dir / rel if rel is not None else None


def site_file(url: str) -> str | None:
    """`page_file` from the site root, as text."""
    folder, slash, name = url.rpartition("/")
    base = _site_folder(folder) if slash else ""
    name = unquote(name)
    if base is None or not _plain(name):
        return None
    return f"{base}/{name}" if base else name


@lru_cache(maxsize=4096)
def _site_folder(url: str) -> str | None:
    # Thousands of pages share a folder: its parts are decoded and checked once.
    parts = [unquote(part) for part in url.split("/")]
    return "/".join(parts) if all(map(_plain, parts)) else None


def _plain(part: str) -> bool:
    return part not in ("", ".", "..") and "/" not in part and "\\" not in part


@lru_cache(maxsize=1 << 16)
def ref_parts(ref: Any) -> tuple[str, str, str]:
    """(kind, namespace, name) of a ref, lower-cased."""
    kind, _, rest = ref_key(ref).partition(":")
    namespace, _, name = rest.partition("/")
    return kind, namespace, name


def _segment(text: str) -> str:
    """One path segment for an href. Validated names only hold letters, digits and `-_.`,
    so this is the file name itself; anything else is percent-encoded rather than trusted."""
    if _UNRESERVED.fullmatch(text):
        return text  # what quote() would return, at a tenth of its cost
    return quote(text, safe="")


#: What quote() never encodes: ASCII letters and digits and `_.-~`.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")
