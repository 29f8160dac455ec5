"""Which entities have docs, and where their MkDocs project lives on disk.

`backstage.io/techdocs-ref` is a location ref (see ../shared/spec/techdocs.md, C3):
`dir:<path>` resolves against the folder of the entity's file and must stay inside its
repository; `url:<address>` must point into a listed repository (read from its clone,
never fetched). `backstage.io/techdocs-entity` points at another entity's docs instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from generator.model.catalog import Catalog, ref_key
from generator.model.entity import Entity
from generator.model.problem import Problem, warning
from generator.model.source import SourceTree

TECHDOCS_REF = "backstage.io/techdocs-ref"
TECHDOCS_ENTITY = "backstage.io/techdocs-entity"
TECHDOCS_ENTITY_PATH = "backstage.io/techdocs-entity-path"
DOCS_DIR = "docs"


@dataclass(frozen=True)
class DocsSource:
    """One entity's docs project: the folder holding mkdocs.yml (or docs/) and the
    repository that confines every path the config names."""

    ref: str
    project: Path
    tree: SourceTree

    @property
    def repo_root(self) -> Path:
        return self.tree.resolved_root


def docs_url(ref: str) -> str:
    """Where an entity's docs are published, from the site root (lower-case, each part
    percent-encoded like entity pages): `docs/<namespace>/<kind>/<name>/`."""
    kind, _, rest = ref_key(ref).partition(":")
    namespace, _, name = rest.partition("/")
    return f"{DOCS_DIR}/" + "/".join(quote(part, safe="") for part in (namespace, kind, name)) + "/"


def find_sources(catalog: Catalog) -> tuple[list[DocsSource], list[Problem]]:
    """Every entity with a usable techdocs-ref, sorted by ref, and problems for the rest."""
    found, problems = [], []
    roots = tree_roots(catalog)
    for ref, entity in catalog.entities.items():
        annotation = entity.annotations.get(TECHDOCS_REF)
        if not isinstance(annotation, str) or not annotation.strip():
            continue
        source = resolve(catalog, entity, annotation.strip(), roots)
        if isinstance(source, Problem):
            problems.append(source)
        else:
            found.append(source)
    return found, problems


def resolve(catalog: Catalog, entity: Entity, annotation: str,
            roots: dict[Path, SourceTree] | None = None) -> DocsSource | Problem:
    """The docs project a techdocs-ref names, or a Problem saying why there is none.
    `roots` is the catalog's `tree_roots`, when the caller has them already."""
    kind, _, target = annotation.partition(":")
    ref = str(entity.ref)
    if kind == "dir":
        path = entity.document.path
        tree = _tree_of(roots or tree_roots(catalog), path) if path is not None else None
        if tree is None or path is None:
            return _problem(entity, f"`{annotation}` cannot be resolved: the entity was not "
                            "read from a file on disk", "use a `url:` ref into a listed repository")
        pure = PurePosixPath(target.strip() or ".")
        project = (path.parent / pure).resolve()
        if pure.is_absolute() or not tree.contains(project):
            return _problem(entity, f"`{annotation}` points outside the repository of "
                            f"{entity.file}", "docs must live in the same repository")
        return DocsSource(ref, project, tree)
    if kind == "url":
        for tree in catalog.trees:
            inside = tree.web.path_of(target) if tree.web is not None else None
            if inside is not None:
                return DocsSource(ref, (tree.resolved_root / inside).resolve(), tree)
        return _problem(entity, f"`{annotation}` is not inside any listed repository, and "
                        "Playbill fetches nothing at build time", "list that repository in "
                        "catalog_sources.yaml, or use `dir:` with a relative path")
    return _problem(entity, f"Invalid reference annotation `{annotation}`: the type must be "
                    "`dir` or `url`", "write `dir:.` (docs beside catalog-info.yaml) or "
                    "`url:https://host/org/repo/tree/main/`")


def tree_roots(catalog: Catalog) -> dict[Path, SourceTree]:
    """Each source tree by its resolved root (the first listed, when two share one)."""
    roots: dict[Path, SourceTree] = {}
    for tree in catalog.trees:
        roots.setdefault(tree.resolved_root, tree)
    return roots


def _tree_of(roots: dict[Path, SourceTree], path: Path) -> SourceTree | None:
    """The tree holding `path`; the deepest root wins when trees nest. One walk up the
    resolved path, not a resolve per tree: a thousand docs sites in two hundred
    repositories took seconds."""
    resolved = path.resolve()
    for folder in (resolved, *resolved.parents):
        if folder in roots:
            return roots[folder]
    return None


def _problem(entity: Entity, message: str, hint: str) -> Problem:
    return warning("docs-ref", message, hint=hint, file=entity.file,
                   line=entity.document.line_of(("metadata", "annotations", TECHDOCS_REF)),
                   entity=str(entity.ref))


def external_docs(catalog: Catalog, built: dict[str, str]) -> tuple[dict[str, str], list[Problem]]:
    """Docs URLs of entities that point at another entity's docs (techdocs-entity),
    given the URLs of the docs that were built; a pointer to nothing is a warning."""
    urls, problems = {}, []
    for ref, entity in catalog.entities.items():
        other = entity.annotations.get(TECHDOCS_ENTITY)
        if not isinstance(other, str) or ref in built:
            continue
        target = built.get(ref_key(other))
        if target is None:
            problems.append(warning(
                "docs-entity-missing", f"techdocs-entity `{other}` has no docs in this portal",
                hint="point it at an entity with a backstage.io/techdocs-ref annotation",
                file=entity.file, entity=ref,
                line=entity.document.line_of(("metadata", "annotations", TECHDOCS_ENTITY))))
            continue
        # techdocs-entity-path names a page by Backstage's directory URL (`guide/setup/`);
        # here that page is the file `guide/setup.html`
        sub = str(entity.annotations.get(TECHDOCS_ENTITY_PATH) or "").strip("/")
        urls[ref] = docs_url(other) + quote(sub) + ".html" if sub else target
    return urls, problems
