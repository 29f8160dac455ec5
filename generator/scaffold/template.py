"""Template entities as the scaffolder needs them: form steps, steps, output, examples.

A template is read either alone (`load_template`, for `playbill scaffold run path/to/
template.yaml`) or out of a built catalog (`templates_from_catalog`). Either way it goes
through the catalog's own validation first, so a template Playbill runs is one Backstage
would import. Step `input`, `if` and `each` stay raw here: they are rendered at run time.

Beyond Backstage, a template may carry example parameter sets under the spec key
`x-playbill-examples` (Backstage keeps unknown spec keys and ignores them):

    spec:
      x-playbill-examples:
        - name: minimal
          values: {name: demo, owner: group:team-a}

`playbill scaffold test` runs each one dry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pygit2

from generator.model.document import Document, FieldPath
from generator.model.entity import Entity
from generator.load import load_catalog
from generator.model.problem import Problem, error
from generator.model.scm import RepoWeb, web_for
from generator.model.source import SourceTree
from generator.validate import check_document

API_VERSION = "scaffolder.backstage.io/v1beta3"
EXAMPLES_KEY = "x-playbill-examples"

#: Annotations every scaffolded entity gets: Backstage's own `source-template` (its
#: catalog:write sets it too) and, Playbill's addition, the template's commit, so the
#: portal can say which template version each service was made from.
SOURCE_TEMPLATE = "backstage.io/source-template"
SOURCE_TEMPLATE_COMMIT = "playbill.dev/source-template-commit"


@dataclass(frozen=True)
class ParameterStep:
    """One page of the form: a JSON schema with `ui:*` hints (`schema` is the step as
    written, title, required, properties, dependencies and all)."""

    title: str
    schema: dict[str, Any]
    index: int = 0

    @property
    def properties(self) -> dict[str, Any]:
        props = self.schema.get("properties")
        return props if isinstance(props, dict) else {}

    @property
    def required(self) -> list[str]:
        required = self.schema.get("required")
        return [r for r in required if isinstance(r, str)] if isinstance(required, list) else []


@dataclass(frozen=True)
class Step:
    """One step as written; `input`, `if_` and `each` are rendered when it runs."""

    id: str
    name: str
    action: str
    input: dict[str, Any] = field(default_factory=dict)
    if_: Any = None
    each: Any = None
    index: int = 0


@dataclass(frozen=True)
class Example:
    """A parameter set `playbill scaffold test` runs dry."""

    name: str
    values: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Template:
    """A v1beta3 software template, ready to run."""

    ref: str
    name: str
    title: str
    description: str
    entity: Entity | None
    path: Path
    parameters: tuple[ParameterStep, ...] = ()
    steps: tuple[Step, ...] = ()
    output: dict[str, Any] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()
    spec: dict[str, Any] = field(default_factory=dict)
    commit: str | None = None
    document: Document | None = field(default=None, compare=False, repr=False)

    @property
    def folder(self) -> Path:
        """Where relative skeleton URLs (`url: ./skeleton`) resolve."""
        return self.path.parent

    @property
    def owner(self) -> str:
        return str(self.spec.get("owner") or "")

    @property
    def type(self) -> str:
        return str(self.spec.get("type") or "")

    @property
    def file(self) -> str:
        return self.document.file if self.document else str(self.path)

    def line_of(self, path: FieldPath = ()) -> int | None:
        """The line of a field (`("spec", "steps", 0, "action")`), or its nearest parent's."""
        return self.document.line_of(path) if self.document else None


def load_template(
    path: Path, *, root: Path | None = None, web: RepoWeb | None = None
) -> tuple[Template | None, list[Problem]]:
    """Read the Template in one file, loaded and checked exactly as the catalog would
    (`$yaml`/`$text`/`$json` placeholders resolved inside its Git work tree, or `root`;
    URLs into the same repository, known from its `origin` remote or `web`, are read
    from disk too).

    The first Template document wins. One that Backstage would refuse is still returned
    when its steps can be read (each has an `action`), together with the errors saying
    why: `playbill validate` reports them, `playbill scaffold run` refuses to start.
    None only when nothing usable is there.
    """
    path = Path(path)
    if not path.is_file():
        return None, [error("template-unreadable", f"{path}: no such file", file=str(path),
                            hint="give the path of a template.yaml")]
    loaded = load_catalog([_tree_of(path, root, web)])
    documents = [d for d in loaded.documents if d.data.get("kind") == "Template"]
    problems = list(loaded.problems)
    if not documents:
        if not any(p.is_error for p in problems):
            problems.append(error(
                "template-missing", f"{path} holds no Template entity", file=str(path),
                hint=f"a template file has `kind: Template` and `apiVersion: {API_VERSION}`"))
        return None, problems
    document = documents[0]
    checked = check_document(document)
    problems.extend(checked.problems)
    commit = _commit_of(path)
    if checked.entity is not None:
        template, own = template_from_entity(checked.entity, path, commit)
        return template, problems + own
    if not _usable(document.data):
        return None, problems
    template, own = _template(document.data, path, None, document, commit)
    return template, problems + own


def _tree_of(path: Path, root: Path | None, web: RepoWeb | None) -> SourceTree:
    """A source tree holding just this file, rooted at its Git work tree (or the file
    system root), read as a URL location so relative placeholders resolve as they would
    once the template is registered from its repository."""
    resolved = path.resolve()
    if root is None:
        root, found_web = _repository_of(resolved)
        web = web or found_web
    root = Path(root).resolve()
    return SourceTree(
        name="template", root=root, globs=(resolved.relative_to(root).as_posix(),),
        location_type="url", follow_locations=False, display_root=Path.cwd(), web=web,
    )


def _repository_of(path: Path) -> tuple[Path, RepoWeb | None]:
    """The Git work tree holding `path` and its web home (from `origin`), else `/`."""
    try:
        found = pygit2.discover_repository(str(path.parent))
        repo = pygit2.Repository(found) if found else None
    except pygit2.GitError:
        repo = None
    if repo is None or not repo.workdir:
        return Path(path.anchor), None
    web = None
    if "origin" in [r.name for r in repo.remotes] and not repo.head_is_unborn:
        web = web_for(repo.remotes["origin"].url, repo.head.shorthand)
    return Path(repo.workdir), web


def _usable(data: dict[str, Any]) -> bool:
    spec = data.get("spec")
    if not isinstance(spec, dict) or not isinstance(data.get("metadata"), dict):
        return False
    steps = spec.get("steps")
    return isinstance(steps, list) and all(
        isinstance(step, dict) and isinstance(step.get("action"), str) for step in steps)


def templates_from_catalog(catalog: Any) -> list[Template]:
    """Every v1beta3 Template the catalog stored, in ref order (problems with their
    examples are left to `playbill validate`)."""
    found = []
    for entity in catalog.entities.values():
        if entity.kind != "Template" or entity.data.get("apiVersion") != API_VERSION:
            continue
        document = entity.document
        path = document.path or Path(document.file)
        template, _ = template_from_entity(entity, path, document.commit)
        found.append(template)
    return found


def template_from_entity(
    entity: Entity, path: Path, commit: str | None = None
) -> tuple[Template, list[Problem]]:
    """Build a Template from a validated entity; problems are about its examples only."""
    return _template(entity.data, path, entity, entity.document, commit)


def _template(
    data: dict[str, Any], path: Path, entity: Entity | None, document: Document,
    commit: str | None,
) -> tuple[Template, list[Problem]]:
    metadata = data["metadata"]
    spec = data["spec"]
    namespace = metadata.get("namespace") or "default"
    ref = str(entity.ref) if entity else f"template:{namespace}/{metadata.get('name')}".lower()
    examples, problems = _examples(spec.get(EXAMPLES_KEY), document, ref)
    output = spec.get("output")
    template = Template(
        ref=ref, name=str(metadata.get("name") or ""),
        title=str(metadata.get("title") or metadata.get("name") or ""),
        description=str(metadata.get("description") or ""), entity=entity, path=Path(path),
        parameters=tuple(_parameter_steps(spec.get("parameters"))),
        steps=tuple(_steps(spec.get("steps") or [])),
        output=dict(output) if isinstance(output, dict) else {},
        examples=examples, spec=spec, commit=commit, document=document,
    )
    return template, problems


def _parameter_steps(parameters: Any) -> Iterable[ParameterStep]:
    """`parameters` is one schema or a list of them (one per form page)."""
    if parameters is None:
        return []
    pages = parameters if isinstance(parameters, list) else [parameters]
    return [
        ParameterStep(title=str(page.get("title") or ""), schema=page, index=index)
        for index, page in enumerate(pages) if isinstance(page, dict)
    ]


def _steps(steps: list[Any]) -> Iterable[Step]:
    """Steps keep their ids; one without an id (Backstage allows it, but then nothing can
    refer to its output) is called `step-<n>`."""
    for index, step in enumerate(steps):
        yield Step(
            id=str(step.get("id") or f"step-{index + 1}"),
            name=str(step.get("name") or step.get("id") or step["action"]),
            action=step["action"], input=dict(step.get("input") or {}),
            if_=step.get("if"), each=step.get("each"), index=index,
        )


def _examples(raw: Any, document: Document, ref: str) -> tuple[tuple[Example, ...], list[Problem]]:
    if raw is None:
        return (), []
    where = {"file": document.file, "entity": ref}
    hint = f"`{EXAMPLES_KEY}` is a list of {{name, values, description?}}"
    if not isinstance(raw, list):
        return (), [error("template-examples", f"spec.{EXAMPLES_KEY} must be a list", hint=hint,
                          line=document.line_of(("spec", EXAMPLES_KEY)), **where)]
    examples, problems = [], []
    for index, item in enumerate(raw):
        line = document.line_of(("spec", EXAMPLES_KEY, index))
        if not isinstance(item, dict) or not isinstance(item.get("values", {}), dict):
            problems.append(error("template-examples", f"spec.{EXAMPLES_KEY}[{index}] must be "
                                  "an object whose `values` is an object", hint=hint, line=line, **where))
            continue
        name = str(item.get("name") or f"example-{index + 1}")
        examples.append(Example(name, dict(item.get("values") or {}), str(item.get("description") or "")))
    return tuple(examples), problems


def _commit_of(path: Path) -> str | None:
    """The commit checked out where the template lives, if it is in a Git work tree."""
    try:
        found = pygit2.discover_repository(str(path.resolve().parent))
        if not found:
            return None
        repo = pygit2.Repository(found)
        return None if repo.head_is_unborn else str(repo.head.target)
    except (pygit2.GitError, KeyError, ValueError):
        return None
