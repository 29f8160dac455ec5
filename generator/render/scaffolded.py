"""Which entities were made from which template, and which template version each is on.

Every entity `playbill scaffold run` creates carries `backstage.io/source-template` (the
template's ref; Backstage's catalog:write sets it too) and Playbill's template-commit
annotation. The build reads those annotations once (`scaffold_index`, in the parent before
the page workers fork), so a template's page lists what was made from it without scanning
the catalog, and every other page only reads its own annotations.

A recorded commit is "current" when the template's folder is the same at that commit as
at the commit the portal was built from (the runner records the repository's HEAD, not
always the last commit of the folder, so comparing SHAs alone would call many services
out of date); "older" when it is an earlier commit of the same history whose template
differs; "unknown" when the commit is not in the clone (a shallow clone, another
repository) or the template is not in Git at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.ref import RefError, parse_ref
from generator.render.links import link
from generator.scaffold.provenance import template_commit
from generator.scaffold.template import SOURCE_TEMPLATE, SOURCE_TEMPLATE_COMMIT

SHORT_SHA = 7
_SHA = re.compile(r"^[0-9a-f]{4,40}$")
CURRENT, OLDER, UNKNOWN = "current", "older", "unknown"

#: Template ref -> (entity ref, recorded commit or ""), sorted by entity ref.
ScaffoldIndex = dict[str, tuple[tuple[str, str], ...]]


def source_template(entity: Entity) -> str | None:
    """The ref of the template `entity` was made from (default kind `template`, namespace
    `default`), or None when it has no usable annotation."""
    value = entity.annotations.get(SOURCE_TEMPLATE)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return str(parse_ref(value.strip(), default_kind="template"))
    except RefError:
        return None


def recorded_commit(entity: Entity) -> str:
    value = entity.annotations.get(SOURCE_TEMPLATE_COMMIT)
    return value.strip() if isinstance(value, str) else ""


def scaffold_index(catalog: Catalog) -> ScaffoldIndex:
    """Every scaffolded entity by the template it names, once per build."""
    found: dict[str, list[tuple[str, str]]] = {}
    for ref, entity in catalog.entities.items():
        if SOURCE_TEMPLATE not in entity.annotations:
            continue
        template = source_template(entity)
        if template is not None:
            found.setdefault(template, []).append((ref, recorded_commit(entity)))
    return {template: tuple(sorted(rows)) for template, rows in sorted(found.items())}


def short_sha(commit: str) -> str:
    return commit[:SHORT_SHA]


@dataclass(frozen=True)
class TemplateHistory:
    """The template's folder in its Git repository, to compare recorded commits with."""

    repo: pygit2.Repository
    folder: str  # relative to the work tree, "" for the root
    head: pygit2.Commit
    current: str | None  # the last commit that changed the folder

    @classmethod
    def of(cls, path: Path | None) -> "TemplateHistory | None":
        """The history of the folder holding the template file `path`, None outside Git."""
        if path is None:
            return None
        try:
            found = pygit2.discover_repository(str(Path(path).parent))
            repo = pygit2.Repository(found) if found else None
            if repo is None or repo.head_is_unborn or not repo.workdir:
                return None
            folder = Path(path).parent.resolve().relative_to(Path(repo.workdir).resolve())
            head = repo.head.peel(pygit2.Commit)
            rel = folder.as_posix()
            return cls(repo, "" if rel == "." else rel, head, template_commit(Path(path)))
        except (pygit2.GitError, ValueError, KeyError, OSError):
            return None

    def status(self, commit: str) -> str:
        """CURRENT, OLDER or UNKNOWN for a recorded commit (see the module docstring)."""
        recorded = self._commit(commit)
        if recorded is None:
            return UNKNOWN
        if recorded.id == self.head.id or str(recorded.id) == self.current:
            return CURRENT
        if not self.repo.descendant_of(self.head.id, recorded.id):
            return UNKNOWN
        return CURRENT if self._folder(recorded) == self._folder(self.head) else OLDER

    def _commit(self, sha: str) -> pygit2.Commit | None:
        """The commit a recorded (possibly abbreviated) SHA names, if the clone has it."""
        if not _SHA.match(sha.lower()):
            return None
        try:
            return self.repo.revparse_single(sha.lower()).peel(pygit2.Commit)
        except (pygit2.GitError, KeyError, ValueError):
            return None

    def _folder(self, commit: pygit2.Commit) -> Any:
        if not self.folder:
            return commit.tree.id
        try:
            return commit.tree[self.folder].id
        except KeyError:
            return None


def made_from(catalog: Catalog, rows: tuple[tuple[str, str], ...],
              history: TemplateHistory | None) -> list[dict[str, Any]]:
    """The template page's list: each entity, its recorded commit and that commit's status."""
    made, statuses = [], {}
    for ref, commit in rows:
        if commit not in statuses:  # many entities share one version: ask Git once each
            statuses[commit] = history.status(commit) if history is not None else UNKNOWN
        status = statuses[commit]
        made.append({"entity": link(catalog, ref), "commit": commit,
                     "short": short_sha(commit), "status": status})
    return made


def scaffolded_from(catalog: Catalog, entity: Entity) -> dict[str, Any] | None:
    """What an entity's own page says about its template, from its own annotations."""
    if SOURCE_TEMPLATE not in entity.annotations:
        return None
    template = source_template(entity)
    if template is None:
        return None
    commit = recorded_commit(entity)
    return {"template": link(catalog, template), "commit": commit, "short": short_sha(commit)}
