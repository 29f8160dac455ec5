"""catalog:write, catalog:fetch and catalog:register.

Playbill has no catalog server to register with: the catalog is whatever
`catalog_sources.yaml` lists. So `catalog:register` proposes the new source as a pull
request on the portal's repository (`GITHUB_REPOSITORY` in Actions), and the entity appears
once a person merges it: GitOps all the way. The edit keeps every comment and line of the
file; a dry run writes the changed file to the output folder instead.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from generator.model.ref import RefError, parse_ref
from generator.scaffold.actions.fs import safe_child
from generator.scaffold.actions.github import open_pull_request
from generator.scaffold.actions.registry import ActionContext, ActionError, builtin
from generator.scaffold.template import SOURCE_TEMPLATE

SOURCES_FILE = "catalog_sources.yaml"
DRY_RUN_FOLDER = ".playbill-dry-run"

WRITE_SCHEMA = {
    "type": "object",
    "required": ["entity"],
    "properties": {"filePath": {"type": "string"}, "entity": {"type": "object"}},
}


@builtin("catalog:write", schema=WRITE_SCHEMA)
def write(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Writes `entity` as YAML to `filePath` (default `catalog-info.yaml`), annotated with
    the template it came from (`backstage.io/source-template`), as Backstage does."""
    entity = dict(input["entity"])
    if ctx.template is not None:
        metadata = dict(entity.get("metadata") or {})
        annotations = dict(metadata.get("annotations") or {})
        annotations[SOURCE_TEMPLATE] = str(ctx.template.ref)
        entity["metadata"] = {**metadata, "annotations": annotations}
    target = safe_child(ctx.workspace, input.get("filePath") or "catalog-info.yaml", "filePath")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(entity, sort_keys=False, allow_unicode=True), encoding="utf-8")
    ctx.log(f"Writing {input.get('filePath') or 'catalog-info.yaml'}")
    return {}


FETCH_SCHEMA = {
    "type": "object",
    "properties": {
        "entityRef": {"type": "string"},
        "entityRefs": {"type": "array", "items": {"type": "string"}},
        "optional": {"type": "boolean"},
        "defaultKind": {"type": "string"},
        "defaultNamespace": {"type": "string"},
    },
}


@builtin("catalog:fetch", schema=FETCH_SCHEMA)
def fetch(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Reads entities from the built catalog: `entityRef` gives output `entity`,
    `entityRefs` gives `entities` (null for missing ones when `optional`)."""
    if not input.get("entityRef") and not input.get("entityRefs"):
        raise ActionError("Missing entity reference or references")
    if ctx.catalog is None:
        raise ActionError(
            "catalog:fetch needs the built catalog, and this run has none "
            "(run from the portal repository so its catalog_sources.yaml can be read)"
        )
    output: dict[str, Any] = {}
    if input.get("entityRef"):
        output["entity"] = _lookup(ctx, input, input["entityRef"])
    if input.get("entityRefs"):
        output["entities"] = [_lookup(ctx, input, ref) for ref in input["entityRefs"]]
    return output


def _lookup(ctx: ActionContext, input: dict[str, Any], text: str) -> dict[str, Any] | None:
    try:
        ref = parse_ref(text, input.get("defaultKind"), input.get("defaultNamespace") or "default")
    except RefError as failure:
        raise ActionError(str(failure)) from None
    entity = ctx.catalog.entity(ref)
    if entity is None and not input.get("optional"):
        raise ActionError(f"Entity {ref} not found")
    return dict(entity.data) if entity is not None else None


REGISTER_SCHEMA = {
    "type": "object",
    "properties": {
        "catalogInfoUrl": {"type": "string"},
        "repoContentsUrl": {"type": "string"},
        "catalogInfoPath": {"type": "string"},
        "optional": {"type": "boolean"},
    },
}


@builtin("catalog:register", schema=REGISTER_SCHEMA, publishes=True)
def register(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Adds the new repository to the portal's catalog_sources.yaml through a pull request.

    Outputs `catalogInfoUrl`, `entityRef` (when the work folder holds the file) and
    `pullRequestUrl`. Already listed: an error, unless `optional`.
    """
    url = _catalog_info_url(input)
    source = source_entry(url)
    ctx.log(f"Registering {url} in the catalog")
    output = {"catalogInfoUrl": url}
    ref = _entity_ref(ctx, source["catalog"][0])
    if ref:
        output["entityRef"] = ref
    current = _current_sources(ctx)
    changed = add_source(current, source)
    if changed is None:
        if input.get("optional"):
            ctx.log(f"{url} is already in {SOURCES_FILE}; nothing to do")
            return output
        raise ActionError(f"{url} is already registered in {SOURCES_FILE}")
    output["pullRequestUrl"] = _propose(ctx, source, changed)
    return output


def _catalog_info_url(input: dict[str, Any]) -> str:
    if input.get("catalogInfoUrl"):
        return input["catalogInfoUrl"]
    base = input.get("repoContentsUrl")
    if not base:
        raise ActionError("catalog:register needs catalogInfoUrl, or repoContentsUrl (an "
                          "empty value, such as an output the publishing step does not have, "
                          "counts as missing)")
    path = input.get("catalogInfoPath") or "/catalog-info.yaml"
    return base.rstrip("/") + "/" + path.lstrip("/")


_BLOB = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+?)(?:/-)?/(?:blob|tree)/(?P<ref>[^/]+)/(?P<path>.+)$")


def source_entry(catalog_info_url: str) -> dict[str, Any]:
    """The `catalog_sources.yaml` entry that reads the file at a web URL
    (`https://github.com/o/r/blob/main/catalog-info.yaml`)."""
    parts = urlsplit(catalog_info_url)
    found = _BLOB.match(parts.path)
    if parts.scheme not in ("http", "https") or not found:
        raise ActionError(
            f"cannot register `{catalog_info_url}`: expected a file URL such as "
            "https://github.com/OWNER/REPO/blob/BRANCH/catalog-info.yaml"
        )
    return {
        "url": f"{parts.scheme}://{parts.netloc}/{found['owner']}/{found['repo']}.git",
        "ref": found["ref"],
        "name": found["repo"],
        "catalog": [found["path"]],
    }


def add_source(text: str, source: dict[str, Any]) -> str | None:
    """`text` with `source` appended to its `sources:` list, every other line untouched;
    None when a source with the same url already reads the same file."""
    data = yaml.safe_load(text) if text.strip() else None
    data = data if isinstance(data, dict) else {}
    for existing in data.get("sources") or []:
        if isinstance(existing, dict) and _same_repo(existing.get("url"), source["url"]):
            globs = existing.get("catalog") or ["catalog-info.yaml"]
            if source["catalog"][0] in ([globs] if isinstance(globs, str) else globs):
                return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if re.match(r"sources\s*:", line)), None)
    if start is None:
        return "".join(lines) + "sources:\n" + _entry_text(source, "  ")
    if re.match(r"sources\s*:\s*\[\s*\]\s*(#.*)?$", lines[start].rstrip("\n")):
        lines[start] = "sources:\n"
    end, indent = _block_end(lines, start)
    result = "".join(lines[:end]) + _entry_text(source, indent) + "".join(lines[end:])
    check = yaml.safe_load(result)
    if not isinstance(check, dict) or check.get("sources", [None])[-1] != source:
        raise ActionError(f"cannot add the source to {SOURCES_FILE}: its `sources:` list has a shape "
                          "Playbill does not edit (use a block list of `- url:` entries)")
    return result


def _block_end(lines: list[str], start: int) -> tuple[int, str]:
    """Where the `sources:` block's last entry ends (before trailing comments), and the
    indentation of its `- ` items."""
    end, indent = start + 1, None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line.startswith((" ", "\t", "#", "-")):
            break
        if line.strip() and not line.lstrip().startswith("#"):
            end = i + 1
            if indent is None and line.lstrip().startswith("- "):
                indent = line[: len(line) - len(line.lstrip())]
    return end, indent if indent is not None else "  "


def _entry_text(source: dict[str, Any], indent: str) -> str:
    body = yaml.safe_dump([source], sort_keys=False, default_flow_style=None).splitlines()
    return "".join(f"{indent}{line}\n" for line in body)


def _same_repo(a: Any, b: str) -> bool:
    norm = lambda url: str(url or "").lower().rstrip("/").removesuffix(".git")  # noqa: E731
    return norm(a) == norm(b)


def _entity_ref(ctx: ActionContext, path: str) -> str | None:
    """The ref of the file's main entity when the work folder holds it (Components first,
    as Backstage picks)."""
    try:
        file = safe_child(ctx.workspace, path, "catalogInfoPath")
        docs = [d for d in yaml.safe_load_all(file.read_text(encoding="utf-8")) if isinstance(d, dict)]
    except (ActionError, OSError, yaml.YAMLError):
        return None
    docs.sort(key=lambda d: d.get("kind") != "Component")
    for doc in docs:
        metadata = doc.get("metadata") or {}
        if doc.get("kind") and metadata.get("name"):
            namespace = metadata.get("namespace") or "default"
            return f"{doc['kind']}:{namespace}/{metadata['name']}".lower()
    return None


def _current_sources(ctx: ActionContext) -> str:
    """The portal's catalog_sources.yaml as it is now: the local file (a dry run, or a job
    running in the portal's checkout)."""
    path = ctx.sources_file or Path(SOURCES_FILE)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    if not ctx.dry_run:
        raise ActionError(
            f"catalog:register edits the portal's {SOURCES_FILE}, and there is none at {path}: "
            "run the job in a checkout of the portal repository"
        )
    return ""


def _propose(ctx: ActionContext, source: dict[str, Any], changed: str) -> str:
    if ctx.dry_run:
        if ctx.output is not None:
            target = ctx.output / DRY_RUN_FOLDER / SOURCES_FILE
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(changed, encoding="utf-8")
            ctx.log(f"Dry run: the changed {SOURCES_FILE} is in {DRY_RUN_FOLDER}/")
    if not ctx.portal_repo and not ctx.dry_run:
        raise ActionError(
            "catalog:register needs the portal repository (owner/name) to open its pull "
            "request: run in GitHub Actions (GITHUB_REPOSITORY) or pass it explicitly"
        )
    owner, _, repo = (ctx.portal_repo or "portal/portal").partition("/")
    name = source["name"]
    with tempfile.TemporaryDirectory(prefix="playbill-register-") as folder:
        Path(folder, SOURCES_FILE).write_text(changed, encoding="utf-8")
        pull = open_pull_request(
            ctx, owner, repo, Path(folder), "",
            branch=f"playbill/register-{name}-{ctx.step_id or 'step'}".lower(), base=None,
            title=f"Register {name} in the catalog",
            body=f"Adds {source['url']} ({', '.join(source['catalog'])}) to {SOURCES_FILE}.",
            message=f"Register {name} in the catalog",
        )
    return pull["html_url"]
