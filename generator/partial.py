"""Validating part of a catalog: a service repository's own `catalog-info.yaml`, whose
owner, system and API refs name entities that live in other repositories.

Read alone, every such ref is an `owner-not-found` or `dangling-relation` warning, which
`--strict` turns into a failed pull request for something that is not wrong. Two ways out:
`--partial` makes those warnings notes (the whole catalog's build still checks them), and
`--against` checks them against a published portal's `catalog.json` (a path or an http(s)
URL), so a ref to a team that really does not exist still warns.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any, Collection

from generator.graph import missing_targets
from generator.model.catalog import Catalog
from generator.model.problem import Problem, Severity
from generator.model.ref import DEFAULT_NAMESPACE, EntityRef

TIMEOUT_SECONDS = 30


class AgainstError(Exception):
    """`catalog.json` could not be read; the message says where and why."""


def judge_unseen(catalog: Catalog, known: Collection[str] = (), partial: bool = False,
                 against: str = "") -> list[Problem]:
    """`catalog.problems`, with each missing-target warning judged again: dropped when
    `known` (node keys from `catalog.json`) has its target, a note when `partial`, else
    kept (naming `against` when the target is not there either)."""
    if not (known or partial or against):
        return list(catalog.problems)  # nothing to judge: spare a large catalog the pass
    missing = dict((problem, target) for target, problem in
                   missing_targets(list(catalog.entities.values())))
    judged = []
    for problem in catalog.problems:
        target = missing.get(problem)
        if target is None:
            judged.append(problem)
        elif target in known:
            continue
        elif partial:
            judged.append(_as_note(problem))
        elif against:
            judged.append(replace(problem, message=f"{problem.message} nor in {against}"))
        else:
            judged.append(problem)
    return judged


def _as_note(problem: Problem) -> Problem:
    return replace(
        problem, severity=Severity.NOTE,
        message=f"{problem.message} read here (--partial: checked when the whole catalog is "
                f"built)",
        hint=f"{problem.hint}; or pass --against <portal>/catalog.json to check it now",
    )


def known_refs(location: str) -> frozenset[str]:
    """The refs of every entity in a `catalog.json` export (a path or http(s) URL)."""
    data = _read_json(location)
    entities = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entities, list):
        raise AgainstError(f"{location} is not a Playbill catalog.json: it has no "
                           f"\"entities\" list")
    return frozenset(ref for ref in map(_ref_of, entities) if ref)


def _ref_of(entity: Any) -> str | None:
    if not isinstance(entity, dict) or not isinstance(entity.get("metadata"), dict):
        return None
    kind, metadata = entity.get("kind"), entity["metadata"]
    name, namespace = metadata.get("name"), metadata.get("namespace") or DEFAULT_NAMESPACE
    if not all(isinstance(x, str) and x for x in (kind, name, namespace)):
        return None
    return str(EntityRef(kind, namespace, name))


def _read_json(location: str) -> Any:
    try:
        if location.startswith(("http://", "https://")):
            text = _download(location)
        else:
            text = Path(location).read_text(encoding="utf-8")
    except OSError as exc:
        raise AgainstError(f"cannot read {location}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise AgainstError(f"{location} is not JSON: {exc}") from None


def _download(url: str) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": "playbill"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        raise AgainstError(f"cannot read {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise AgainstError(f"cannot read {url}: {exc.reason}") from None

