"""Where a scaffolded entity came from, and who asked for it.

Backstage records only the template (`backstage.io/source-template`, written by
catalog:write), so nobody can tell which services still carry an old version of a template
(backstage/backstage#31361, #30494). Playbill also records the template's commit: the last
commit that changed the template's folder, so the portal can list, per template, the
services made from it and the version each is on. Every catalog entity file in the work
folder gets both annotations just before publishing, whichever step wrote it; comments and
key order of those files are kept (ruamel.yaml round trip).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pygit2

from generator.model.ref import RefError, split_ref
from generator.scaffold.template import SOURCE_TEMPLATE, SOURCE_TEMPLATE_COMMIT as TEMPLATE_COMMIT

_ENTITY_API = ("backstage.io/",)
_WALK_LIMIT = 20_000


def template_commit(path: Path) -> str | None:
    """The last commit that changed the folder holding the template file; None outside Git.

    A shallow clone (Actions' default `fetch-depth: 1`) can only answer its one commit.
    """
    found = pygit2.discover_repository(str(path.parent))
    if not found:
        return None
    repo = pygit2.Repository(found)
    if repo.head_is_unborn or not repo.workdir:
        return None
    try:
        rel = path.parent.resolve().relative_to(Path(repo.workdir).resolve()).as_posix()
    except ValueError:
        return None
    head = repo.head.peel(pygit2.Commit)
    if rel in ("", "."):
        return str(head.id)
    current, current_id = head, _tree_id(head, rel)
    for count, commit in enumerate(repo.walk(head.id, pygit2.enums.SortMode.TOPOLOGICAL)):
        if count > _WALK_LIMIT:
            break
        if _tree_id(commit, rel) != current_id:
            return str(current.id)
        current = commit
    return str(current.id)


def _tree_id(commit: pygit2.Commit, rel: str) -> Any:
    try:
        return commit.tree[rel].id
    except KeyError:
        return None


def user_context(user_ref: str | None, catalog: Any = None) -> dict[str, Any]:
    """`user.ref` and `user.entity` for `--user ENTITY_REF`: the catalog's entity when the
    catalog has it, else a minimal User entity with that name (empty without a user)."""
    if not user_ref:
        return {}
    try:
        kind, namespace, name = split_ref(user_ref)
    except RefError:
        return {"ref": user_ref}
    kind, namespace = (kind or "user").lower(), (namespace or "default").lower()
    ref = f"{kind}:{namespace}/{name}"
    entity = catalog.entity(ref) if catalog is not None else None
    if entity is not None:
        return {"ref": ref, "entity": dict(entity.data)}
    return {"ref": ref, "entity": {
        "apiVersion": "backstage.io/v1alpha1", "kind": kind.capitalize(),
        "metadata": {"name": name, "namespace": namespace},
    }}


def annotate_entities(workspace: Path, template_ref: str, commit: str | None) -> list[str]:
    """Add the template annotations to every catalog entity in the work folder's YAML
    files; returns the files changed (relative). Files that do not parse are left alone:
    they may not be entity files at all."""
    changed = []
    for path in sorted([*workspace.rglob("*.yaml"), *workspace.rglob("*.yml")]):
        if ".git" in path.relative_to(workspace).parts or path.is_symlink():
            continue
        if _annotate_file(path, template_ref, commit):
            changed.append(path.relative_to(workspace).as_posix())
    return changed


def _annotate_file(path: Path, template_ref: str, commit: str | None) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    # Imported here: only a template run writes YAML back; a build never needs ruamel (12 ms).
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if "apiVersion" not in text or "metadata" not in text:
        return False
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    try:
        docs = list(yaml.load_all(text))
    except YAMLError:
        return False
    touched = False
    for doc in docs:
        if _is_entity(doc):
            annotations = doc["metadata"].setdefault("annotations", {})
            if not hasattr(annotations, "setdefault"):
                continue
            annotations.setdefault(SOURCE_TEMPLATE, template_ref)
            if commit:
                annotations[TEMPLATE_COMMIT] = commit
            touched = True
    if touched:
        out = io.StringIO()
        if len(docs) == 1 and not text.lstrip().startswith("---"):
            yaml.dump(docs[0], out)
        else:
            yaml.explicit_start = True
            yaml.dump_all(docs, out)
        path.write_text(out.getvalue(), encoding="utf-8")
    return touched


def _is_entity(doc: Any) -> bool:
    return (
        hasattr(doc, "get")
        and isinstance(doc.get("apiVersion"), str)
        and doc["apiVersion"].startswith(_ENTITY_API)
        and isinstance(doc.get("kind"), str)
        and hasattr(doc.get("metadata"), "get")
        and bool(doc["metadata"].get("name"))
    )
