"""What a Template's page shows: its form, how to start it, and what was made from it.

The form, the workflow file name and the `gh workflow run` command come from
`generator.scaffold.workflows` (`plan_inputs`, `workflow_file_name`, `gh_command`), the
same functions `playbill scaffold workflows` writes the workflow with, so the page and the
workflow cannot disagree. A template whose form cannot be read shows why instead; the page
still renders.
"""

from __future__ import annotations

import json
import shlex
from typing import Any
from urllib.parse import urlsplit

from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.scm import RepoWeb
from generator.render import reads
from generator.render.scaffolded import TemplateHistory, made_from, short_sha
from generator.scaffold.parameters import Field, parameter_fields
from generator.scaffold.template import API_VERSION, Template, template_from_entity
from generator.scaffold.workflows import (
    MAX_INPUTS, PACKED_INPUT, SECRET_ENV_PREFIX, InputPlan, gh_command, plan_inputs,
    secret_name_for, workflow_file_name,
)

#: The problems of a template's form (checks.py) that make the form unreadable.
FORM_PROBLEMS = ("scaffold-parameter-schema",)


def template_view(catalog: Catalog, entity: Entity,
                  scaffolded: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The "Run this template" and "Made from this template" sections of `entity`."""
    reads.note(catalog, reads.TREES)  # the history below is read from Git, not the catalog
    history = TemplateHistory.of(entity.document.path)
    current = history.current if history else None
    view: dict[str, Any] = {
        "problems": [], "steps": [], "run": None,
        "made": made_from(catalog, scaffolded, history),
        "commit": current or "", "short": short_sha(current or ""),
    }
    template, problems = _template(catalog, entity)
    if template is None:
        view["problems"] = problems
        return view
    try:
        view["steps"] = form_steps(template)
        view["run"] = run_view(template, _web_of(catalog, entity))
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        view["problems"] = [f"The form cannot be read: {err}"]
        view["steps"] = []
    return view


def _template(catalog: Catalog, entity: Entity) -> tuple[Template | None, list[str]]:
    """The runnable template, or None and why not."""
    if entity.data.get("apiVersion") != API_VERSION:
        return None, [f"Playbill runs {API_VERSION} templates only; this one is "
                      f"{entity.data.get('apiVersion')}."]
    form = [p.message for p in catalog.problems_for(entity.ref) if p.code in FORM_PROBLEMS]
    if form:
        return None, form
    document = entity.document
    try:
        template, _ = template_from_entity(entity, document.path or document.file,
                                           document.commit)
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        return None, [f"The template cannot be read: {err}"]
    return template, []


def form_steps(template: Template) -> list[dict[str, Any]]:
    """Each page of the form with its fields, in the form's order."""
    by_step: dict[int, list[Field]] = {}
    for field in parameter_fields(template):
        by_step.setdefault(field.step, []).append(field)
    return [{"number": step.index + 1, "title": step.title,
             "fields": [field_view(f) for f in by_step.get(step.index, [])]}
            for step in template.parameters]


def field_view(field: Field) -> dict[str, Any]:
    widget = field.ui.get("ui:field") or field.ui.get("ui:widget")
    labels = field.enum_names if len(field.enum_names) == len(field.enum) else ()
    return {
        "name": field.name, "title": field.title, "type": field.type,
        "widget": widget if isinstance(widget, str) else "",
        "required": field.required, "secret": field.secret, "conditional": field.conditional,
        "default": (value_text(field.default) or '""') if field.has_default else None,
        "choices": [{"value": value, "label": labels[i] if labels else ""}
                    for i, value in enumerate(field.choices)],
        "description": field.description,
    }


def run_view(template: Template, web: RepoWeb | None) -> dict[str, Any]:
    """How to start the template: on GitHub Actions (when the repository may be on
    GitHub) and on one's own machine."""
    plan = plan_inputs(template, MAX_INPUTS)
    on_github = web is None or web.host == "github"
    repo = gh_repo(web) if web is not None and web.host == "github" else None
    file = workflow_file_name(template)
    return {
        "workflow": file,
        "workflow_url": f"{web.base}/actions/workflows/{file}" if repo else None,
        "repo": repo,
        "host": web.host if web is not None else None,
        "gh": gh_command(template, repo, max_inputs=MAX_INPUTS) if on_github else None,
        "local": local_command(template, plan),
        "packed": list(plan.packed),
        "packed_input": PACKED_INPUT,
        "max_inputs": MAX_INPUTS,
        "secrets": [{"name": name, "repo_secret": secret_name_for(name, template),
                     "env": SECRET_ENV_PREFIX + plan.ids[name]} for name in plan.secrets],
    }


def local_command(template: Template, plan: InputPlan) -> str:
    """`playbill scaffold run <template> -p key=value …`: the same values the gh command
    sends (defaults, and a `<name>` placeholder for each required field without one)."""
    words = ["playbill", "scaffold", "run", template_arg(template)]
    secrets = set(plan.secrets)
    for field in parameter_fields(template):
        if field.name in secrets:
            continue
        if field.has_default:
            words += ["-p", f"{field.name}={value_text(field.default)}"]
        elif field.required:
            words += ["-p", f"{field.name}=<{field.name}>"]
    if secrets:
        words.append("--secrets-from-env")
    return " ".join(shlex.quote(word) for word in words)


def template_arg(template: Template) -> str:
    """How `playbill scaffold run` names the template: its name, with the namespace when
    that is not `default`."""
    namespace = str(template.ref).partition(":")[2].partition("/")[0]
    return template.name if namespace == "default" else f"{namespace}/{template.name}"


def gh_repo(web: RepoWeb) -> str:
    """`OWNER/REPO` for github.com, `HOST/OWNER/REPO` for GitHub Enterprise (gh's form)."""
    parts = urlsplit(web.base)
    path = parts.path.strip("/")
    return path if parts.netloc.lower() == "github.com" else f"{parts.netloc}/{path}"


def value_text(value: Any) -> str:
    """A value as a form or `-f`/`-p` flag takes it: JSON for lists, objects, booleans."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _web_of(catalog: Catalog, entity: Entity) -> RepoWeb | None:
    """The Git host home of the repository the template was read from, if known."""
    source = entity.document.source
    for tree in catalog.trees:
        if tree.name == source:
            return tree.web
    return None
