"""`playbill diff BASE HEAD`: what a pull request does to the catalog.

Each commit is checked out into a temporary clone (the working tree is never touched) and
read as `validate` would read it: the given paths, or the sources file as that commit has
it. Entities are matched by ref and compared on what reviewers care about: owner,
lifecycle, the relations the entity declares, and which other fields it changes as
written in its file (location annotations, which name the clone, are left out). The
result renders as Markdown for a pull request comment, or as JSON.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import pygit2

from generator import config, sources
from generator.read import read_catalog
from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.relations import OWNED_BY

DEFAULT_CACHE = Path(".playbill") / "cache"


class DiffError(Exception):
    """A revision, path or sources file that cannot be read; the message says which."""


@dataclass(frozen=True)
class Summary:
    """One entity as the diff shows it when added or removed."""

    ref: str
    kind: str
    owner: str | None
    lifecycle: str | None


@dataclass(frozen=True)
class Change:
    """How one entity differs between the two commits (None/empty: unchanged)."""

    ref: str
    kind: str
    owner: tuple[str | None, str | None] | None = None
    lifecycle: tuple[str | None, str | None] | None = None
    relations_added: tuple[str, ...] = ()
    relations_removed: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogDiff:
    base: str
    head: str
    added: list[Summary] = field(default_factory=list)
    removed: list[Summary] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    problems: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)


def diff_revisions(repo_dir: Path, base: str, head: str, paths: Sequence[Path] = (),
                   sources_file: Path | None = None, cache_dir: Path | None = None
                   ) -> CatalogDiff:
    """Read the catalog at `base` and at `head` of the repository holding `repo_dir`.

    `paths` and `sources_file` are relative to the repository's root (as in a checkout);
    Git sources are cloned into `cache_dir` (default: `.playbill/cache` in the work tree),
    shared by both reads.
    """
    repo = _repository(repo_dir)
    root = Path(repo.workdir).resolve()
    commits = [_commit(repo, rev) for rev in (base, head)]
    cache = cache_dir or root / DEFAULT_CACHE
    catalogs = [_catalog_at(root, sha, paths, sources_file, cache) for sha in commits]
    return compare(catalogs[0], catalogs[1], commits[0], commits[1])


def compare(before: Catalog, after: Catalog, base: str = "", head: str = "") -> CatalogDiff:
    old, new = before.entities, after.entities
    changed = [_change(old[ref], new[ref]) for ref in sorted(old.keys() & new.keys())]
    return CatalogDiff(
        base, head,
        added=[_summary(new[ref]) for ref in sorted(new.keys() - old.keys())],
        removed=[_summary(old[ref]) for ref in sorted(old.keys() - new.keys())],
        changed=[c for c in changed if c != Change(c.ref, c.kind)],
        problems={"base": _counts(before), "head": _counts(after)},
    )


# --- reading one commit --------------------------------------------------------------------

def _repository(folder: Path) -> pygit2.Repository:
    found = pygit2.discover_repository(str(folder))
    if not found:
        raise DiffError(f"{folder} is not inside a Git repository")
    repo = pygit2.Repository(found)
    if repo.is_bare or not repo.workdir:
        raise DiffError(f"{folder} is a bare repository; diff needs a work tree's repository")
    return repo


def _commit(repo: pygit2.Repository, rev: str) -> str:
    try:
        return str(repo.revparse_single(rev).peel(pygit2.Commit).id)
    except (KeyError, ValueError, pygit2.GitError):
        raise DiffError(f"{rev!r} is not a commit, branch or tag of {repo.workdir}") from None


def _catalog_at(root: Path, sha: str, paths: Sequence[Path], sources_file: Path | None,
                cache: Path) -> Catalog:
    with tempfile.TemporaryDirectory(prefix="playbill-diff-") as folder:
        clone = pygit2.clone_repository(root.as_uri(), folder)
        target = clone[sha]
        clone.checkout_tree(target, strategy=pygit2.enums.CheckoutStrategy.FORCE)
        clone.set_head(target.id)
        work = Path(folder)
        if paths:
            found = sources.trees_for_paths([work / p for p in paths])
            missing = [p.message for p in found.problems]
            if missing:
                raise DiffError(f"at {sha[:10]}: " + "; ".join(missing))
            return read_catalog(found.trees)
        cfg, problems = config.load_config(work / (sources_file or config.CONFIG_FILE))
        if cfg is None or any(p.is_error for p in problems):
            raise DiffError(f"at {sha[:10]}: " + "; ".join(p.message for p in problems))
        fetched = sources.fetch_sources(cfg, cache_dir=cache)
        return read_catalog(fetched.trees, fetched.problems)


# --- comparing -----------------------------------------------------------------------------

# Added by the loader from where the file was read: they name the temporary clone.
_LOCATION_KEYS = ("backstage.io/managed-by-location", "backstage.io/managed-by-origin-location",
                  "backstage.io/view-url", "backstage.io/edit-url", "backstage.io/source-location")


def _summary(entity: Entity) -> Summary:
    return Summary(str(entity.ref), entity.kind, _owner(entity), _lifecycle(entity))


def _change(old: Entity, new: Entity) -> Change:
    was, now = _relations(old), _relations(new)
    return Change(
        str(new.ref), new.kind,
        owner=_pair(_owner(old), _owner(new)),
        lifecycle=_pair(_lifecycle(old), _lifecycle(new)),
        relations_added=tuple(sorted(now - was)),
        relations_removed=tuple(sorted(was - now)),
        fields=tuple(f for f in _changed_fields(old.document.data, new.document.data)
                     if f not in ("spec.owner", "spec.lifecycle")),
    )


def _pair(old: str | None, new: str | None) -> tuple[str | None, str | None] | None:
    return None if old == new else (old, new)


def _owner(entity: Entity) -> str | None:
    return next((str(r.target) for r in entity.relations if r.type == OWNED_BY), None)


def _lifecycle(entity: Entity) -> str | None:
    value = entity.spec.get("lifecycle")
    return value if isinstance(value, str) else None


def _relations(entity: Entity) -> set[str]:
    return {f"{r.type} {r.target}" for r in entity.relations if r.type != OWNED_BY}


def _changed_fields(old: Any, new: Any, path: str = "") -> list[str]:
    """Dotted paths where two documents differ, down to mapping keys (lists count whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(old.keys() | new.keys(), key=str):
            where = f"{path}.{key}" if path else str(key)
            if where in (f"metadata.annotations.{k}" for k in _LOCATION_KEYS):
                continue
            found += _changed_fields(old.get(key), new.get(key), where)
        return found
    return [] if old == new else [path]


def _counts(catalog: Catalog) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "notes": 0}
    for problem in catalog.problems:
        counts[problem.severity.value + "s"] += 1
    return counts


# --- Markdown, for a pull request comment --------------------------------------------------

def as_markdown(diff: CatalogDiff) -> str:
    lines = [f"### Catalog changes `{diff.base[:7]}` → `{diff.head[:7]}`", ""]
    if not (diff.added or diff.removed or diff.changed):
        lines.append("No entity is added, removed or changed.")
    else:
        lines.append(f"{len(diff.added)} added, {len(diff.removed)} removed, "
                     f"{len(diff.changed)} changed.")
    for title, items in (("Added", diff.added), ("Removed", diff.removed)):
        if items:
            lines += ["", f"#### {title}", ""]
            lines += [f"- `{s.ref}` ({_facts(s)})" for s in items]
    if diff.changed:
        lines += ["", "#### Changed", ""]
        for change in diff.changed:
            lines.append(f"- `{change.ref}`")
            lines += [f"  - {line}" for line in _change_lines(change)]
    base, head = diff.problems.get("base"), diff.problems.get("head")
    if base and head and base != head:
        lines += ["", "Problems: " + ", ".join(
            f"{kind} {base[kind]} → {head[kind]}" for kind in base if base[kind] != head[kind])]
    return "\n".join(lines) + "\n"


def _facts(summary: Summary) -> str:
    facts = [summary.kind]
    if summary.owner:
        facts.append(f"owner `{summary.owner}`")
    if summary.lifecycle:
        facts.append(f"lifecycle `{summary.lifecycle}`")
    return ", ".join(facts)


def _change_lines(change: Change) -> list[str]:
    lines = []
    for name, pair in (("owner", change.owner), ("lifecycle", change.lifecycle)):
        if pair:
            lines.append(f"{name}: {_code(pair[0])} → {_code(pair[1])}")
    lines += [f"relation added: `{r}`" for r in change.relations_added]
    lines += [f"relation removed: `{r}`" for r in change.relations_removed]
    if change.fields:
        lines.append("also changed: " + ", ".join(f"`{f}`" for f in change.fields))
    return lines


def _code(value: str | None) -> str:
    return f"`{value}`" if value else "(none)"
