"""What the site-wide pages show: home, the catalog table and the health report."""

from __future__ import annotations

from collections import Counter
from typing import Any

from generator.model.catalog import Catalog, ref_key
from generator.model.problem import Problem, Severity
from generator.render.context import Link, link
from generator.render.exports import filter_values, table_rows
from generator.render.recent import Change

SEVERITIES = [Severity.ERROR, Severity.WARNING, Severity.NOTE]
#: The filters of the catalog page, in the order they are shown, with their labels.
FILTERS = [("kind", "Kind"), ("type", "Type"), ("owner", "Owner"), ("lifecycle", "Lifecycle"),
           ("system", "System"), ("tag", "Tag"), ("namespace", "Namespace")]


def home_context(catalog: Catalog, changes: list[Change]) -> dict[str, Any]:
    """Counts per kind, the health summary and the recently changed entities."""
    return {
        "kinds": [{"kind": kind, "count": count} for kind, count in
                  catalog.counts_by_kind().items()],
        "entity_count": len(catalog.entities),
        "health": health_counts(catalog.problems),
        "changes": [{"change": change, "link": link(catalog, change.ref)} for change in changes],
    }


def catalog_context(catalog: Catalog, rows: list[list[Any]] | None = None) -> dict[str, Any]:
    """The filters with every value they offer; the rows themselves (`table_rows`, passed
    when the caller has them) ship as data."""
    values = filter_values(table_rows(catalog) if rows is None else rows)
    labels = _owner_labels(catalog, values["owner"] + values["system"])
    return {
        "filters": [
            {"name": name, "label": label,
             "options": [{"value": v, "label": labels.get(v, v)} for v in values[name]]}
            for name, label in FILTERS
        ],
        "entity_count": len(catalog.entities),
    }


def health_context(catalog: Catalog) -> dict[str, Any]:
    """Problems grouped by severity then file, and a count per owner."""
    owners = {problem: _problem_owner(catalog, problem) for problem in catalog.problems}
    sections = []
    for severity in SEVERITIES:
        found = [p for p in catalog.problems if p.severity is severity]
        if found:
            sections.append({"severity": severity.value, "anchor": severity.value + "s",
                             "label": _LABELS[severity], "count": len(found),
                             "files": _by_file(found, owners)})
    present = {section["anchor"] for section in sections}
    return {
        "health": health_counts(catalog.problems),
        "sections": sections,
        # the home page links to every severity's anchor, even one without problems
        "empty_anchors": [s.value + "s" for s in SEVERITIES if s.value + "s" not in present],
        "by_owner": _by_owner(catalog.problems, owners),
    }


def health_counts(problems: tuple[Problem, ...] | list[Problem]) -> dict[str, int]:
    counts = Counter(problem.severity.value for problem in problems)
    return {severity.value: counts.get(severity.value, 0) for severity in SEVERITIES}


_LABELS = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.NOTE: "Notes"}


def _by_file(problems: list[Problem], owners: dict) -> list[dict[str, Any]]:
    files: dict[str, list[dict[str, Any]]] = {}
    for problem in problems:  # already sorted by file, line, severity
        files.setdefault(problem.file or "", []).append(
            {"problem": problem, "entity": _entity_link(problem), "owner": owners[problem]})
    return [{"file": file, "problems": rows} for file, rows in files.items()]


def _by_owner(problems, owners: dict) -> list[dict[str, Any]]:
    """Problem counts per owning group or user, the owners with most errors (then
    warnings) first; problems of no known entity count under no owner, last."""
    counts: dict[str | None, Counter] = {}
    for problem in problems:
        owner = owners[problem]
        counts.setdefault(owner.ref if owner else None, Counter())[problem.severity.value] += 1
    links = {owner.ref: owner for owner in owners.values() if owner}

    def order(key: str | None) -> tuple:
        found = counts[key]
        return (key is None, *(-found.get(s.value, 0) for s in SEVERITIES), key or "")

    return [{"owner": links.get(key) if key else None,
             "counts": {s.value: counts[key].get(s.value, 0) for s in SEVERITIES}}
            for key in sorted(counts, key=order)]


def _problem_owner(catalog: Catalog, problem: Problem) -> Link | None:
    if not problem.entity:
        return None
    owner = catalog.owner_of(ref_key(problem.entity))
    return link(catalog, owner) if owner else None


def _entity_link(problem: Problem) -> str | None:
    return ref_key(problem.entity) if problem.entity else None


def _owner_labels(catalog: Catalog, refs: list[str]) -> dict[str, str]:
    """How an owner or system is named in a filter: its title and short ref."""
    labels = {}
    for ref in refs:
        entity = catalog.entities.get(ref)
        name = ref.partition("/")[2]
        labels[ref] = f"{entity.title} ({name})" if entity and entity.title != name else name
    return labels
