"""A source tree: one checked-out Git repository or local folder that catalog files come from."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from generator.model.location import LocationRef
from generator.model.scm import RepoWeb

DEFAULT_GLOBS = ("catalog-info.yaml",)


@dataclass(frozen=True)
class SourceTree:
    """What the sources stage hands to the loader.

    `root` is the repository's work tree (or the local folder); `globs` are the catalog
    file patterns relative to `root` that register the entry points. `location_type` is
    `url` for anything inside a Git repository (relative placeholders and Location targets
    resolve inside it, as for Backstage URL registrations) and `file` for plain folders.
    `web` builds browse/edit URLs when the repository lives on a known Git host.
    """

    name: str
    root: Path
    globs: tuple[str, ...] = DEFAULT_GLOBS
    location_type: str = "url"
    commit: str | None = None
    branch: str | None = None
    remote: str | None = None  # clone URL with any credentials removed
    web: RepoWeb | None = None
    display_prefix: str = ""  # how files are shown: "" for local paths, "acme/shop/" for clones
    #: When set (a folder given on the command line while the working directory is inside
    #: the same Git work tree), files are shown relative to this folder if below it and
    #: absolute otherwise, instead of `display_prefix` + their path in the tree.
    display_root: Path | None = None
    #: When True (folders given on the command line), files matched by `globs` are read only
    #: if they look like entity files (top-level `apiVersion:` and `kind:` keys), so that
    #: mkdocs.yml or openapi.yaml beside them are not reported as broken entities.
    sniff: bool = False
    #: Whether Location entities found in this tree are followed into their targets. Paths
    #: named on the command line are validated as they are: their Locations' targets must
    #: exist, but are read only when named too (as a linter checks the files it is given).
    follow_locations: bool = True
    #: True when the work tree is exactly `commit` (a clone the sources stage checked out
    #: and owns), so the load cache may trust the commit instead of reading the files.
    pristine: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @cached_property
    def resolved_root(self) -> Path:
        """The root with symlinks resolved, once: loading resolves every file against it."""
        return self.root.resolve()

    def relpath(self, path: Path) -> str:
        """`path` relative to the tree root, with `/` separators."""
        return path.resolve().relative_to(self.resolved_root).as_posix()

    def contains(self, path: Path) -> bool:
        try:
            self.relpath(path)
        except ValueError:
            return False
        return True

    def display(self, path: Path) -> str:
        if self.display_root is not None:
            try:
                return path.resolve().relative_to(self.display_root.resolve()).as_posix()
            except ValueError:
                return str(path.resolve())
        return self.display_prefix + self.relpath(path)

    def location_of(self, path: Path, via_location: bool = False) -> LocationRef:
        """The Backstage location of a file in this tree.

        Files reached through a Location entity get GitHub's `/tree/` form, as Backstage's
        GitHub integration produces when it resolves a relative target; registered entry
        files keep `/blob/`.
        """
        if self.location_type == "file":
            return LocationRef("file", str(path.resolve()))
        rel = self.relpath(path)
        if self.web is None:
            return LocationRef("url", path.resolve().as_uri())
        url = self.web.tree_url(rel) if via_location else self.web.blob_url(rel)
        return LocationRef("url", url)
