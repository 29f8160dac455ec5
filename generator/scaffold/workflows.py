"""GitHub Actions `workflow_dispatch` files for templates, and `gh` commands that start them.

A developer starts a template on the Git host: its workflow's form is the template's
parameters as `workflow_dispatch` inputs, and the job runs `playbill scaffold run`. Two
things GitHub imposes shape this module:

- Input ids must be plain identifiers and there may be only so many of them (25 on
  github.com since December 2025, 10 on older GitHub Enterprise Server). Parameter names
  are mapped to safe ids (a mapping `run_inputs.py` recomputes from the template on the
  way back, so it never needs storing), and parameters past the limit are packed into
  one JSON input named `parameters`.
- Inputs are attacker-controlled text. The job never interpolates them into a shell
  line: it hands `toJSON(inputs)` to the command through an environment variable.
- The workflow's own `GITHUB_TOKEN` can only reach the repository the workflow runs in, so
  it cannot create a repository or open a pull request anywhere else: the job takes its
  token from the `PLAYBILL_GITHUB_TOKEN` secret (a personal access token or a GitHub App
  token) and falls back to the workflow's token when that secret is not set.

The job runs in a full checkout of the portal repository: the template's commit
(`provenance.template_commit`) is the last commit that touched its folder, which a shallow
clone cannot tell, and the portal's `catalog_sources.yaml` is read from the checkout.

Parameters marked `ui:field: Secret` are never inputs (inputs show up in the run's event
payload); the job takes them from repository secrets instead.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from generator.scaffold.parameters import Field, parameter_fields
from generator.scaffold.template import Template

#: github.com's limit since 2025-12-04; GitHub Enterprise Server before that allows 10.
MAX_INPUTS = 25
#: The input that carries packed parameters as one JSON object.
PACKED_INPUT = "parameters"
#: The environment variable the job hands `toJSON(inputs)` through.
INPUTS_ENV = "PLAYBILL_INPUTS"
#: Secret parameters reach the job as `PLAYBILL_SECRET_<input id>` variables.
SECRET_ENV_PREFIX = "PLAYBILL_SECRET_"
#: The repository secret holding the token that creates repositories and pull requests.
TOKEN_SECRET = "PLAYBILL_GITHUB_TOKEN"
#: Where the runner and the actions read the token (`GitHubClient.from_env`).
TOKEN_ENV = "GITHUB_TOKEN"
#: The portal's catalog sources file, which the job passes to `--sources`.
SOURCES_FILE = "catalog_sources.yaml"
#: GitHub documents no limit for descriptions; long ones make the run form unusable.
MAX_DESCRIPTION = 500
_ID_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_SCALAR_TYPES = {"boolean": "boolean", "number": "number", "integer": "number"}


@dataclass(frozen=True)
class WorkflowInput:
    """One `workflow_dispatch` input and the parameter it stands for."""

    id: str
    parameter: str
    type: str
    description: str
    required: bool = False
    default: Any = None
    options: tuple[str, ...] = ()

    def to_yaml(self) -> dict[str, Any]:
        data: dict[str, Any] = {"description": self.description, "required": self.required,
                                "type": self.type}
        if self.options:
            data["options"] = list(self.options)
        if self.default is not None:
            data["default"] = self.default
        return data


@dataclass(frozen=True)
class InputPlan:
    """How a template's parameters become inputs: one each, the rest packed, secrets apart."""

    inputs: tuple[WorkflowInput, ...]
    packed: tuple[str, ...]
    secrets: tuple[str, ...]
    ids: dict[str, str]

    @property
    def all_inputs(self) -> list[WorkflowInput]:
        """The inputs in form order, the packed JSON input last."""
        if not self.packed:
            return list(self.inputs)
        names = ", ".join(self.packed)
        description = _clip(
            f"JSON object with the other parameters ({names}): GitHub allows only "
            f"{len(self.inputs) + 1} inputs, so these are packed into this one. "
            f'Example: {{"{self.packed[0]}": "..."}}')
        return [*self.inputs, WorkflowInput(PACKED_INPUT, "", "string", description,
                                            default="{}")]


def workflow_file_name(template: Template) -> str:
    """`scaffold-<name>.yml`; a namespace other than `default` is part of the name."""
    namespace = _namespace(template)
    stem = template.name if namespace == "default" else f"{namespace}-{template.name}"
    return f"scaffold-{_safe_file_part(stem)}.yml"


def input_ids(names: Iterable[str]) -> dict[str, str]:
    """Parameter name -> input id GitHub accepts, unique ignoring case (GitHub's rule).

    Computed from all parameter names, so the same template always maps the same way;
    `PACKED_INPUT` is never handed out to a parameter.
    """
    ids: dict[str, str] = {}
    taken = {PACKED_INPUT}
    for name in names:
        base = name if _ID_OK.match(name) else _sanitize(name)
        candidate, number = base, 2
        while candidate.lower() in taken:
            candidate, number = f"{base}_{number}", number + 1
        taken.add(candidate.lower())
        ids[name] = candidate
    return ids


def plan_inputs(template: Template, max_inputs: int = MAX_INPUTS) -> InputPlan:
    """Decide which parameters become inputs of their own and which are packed.

    When the form has more parameters than `max_inputs`, the first `max_inputs - 1` keep
    an input each (the form's own order, required ones first) and the others share the
    JSON input, so the common fields stay easy to fill in.
    """
    if max_inputs < 1:
        raise ValueError("max_inputs must be at least 1")
    fields = parameter_fields(template)
    secrets = tuple(f.name for f in fields if _is_secret(f))
    plain = [f for f in fields if not _is_secret(f)]
    ids = input_ids(f.name for f in fields)
    if len(plain) > max_inputs:
        plain.sort(key=lambda f: not f.required)
        keep, rest = plain[: max_inputs - 1], plain[max_inputs - 1:]
    else:
        keep, rest = plain, []
    inputs = tuple(_input_for(f, ids[f.name]) for f in keep)
    return InputPlan(inputs, tuple(f.name for f in rest), secrets, ids)


def workflow_for(template: Template, max_inputs: int = MAX_INPUTS, *,
                 root: Path | None = None, install: str = "playbill",
                 sources: Path | None = None) -> str:
    """The workflow file's text for one template.

    `root` is the repository the workflow lives in: the job runs in its checkout, so
    template paths are relative to it. `install` is the pip requirement that provides the
    `playbill` command. `sources` is the portal's catalog sources file the job passes to
    `--sources` (default: `catalog_sources.yaml` in `root`, when there is one).
    """
    plan = plan_inputs(template, max_inputs)
    sources_arg = _sources_path(root, sources)
    data = {
        "name": _clip(f"Scaffold: {template.title}", 200),
        "run-name": f"Scaffold {template.name} for @${{{{ github.actor }}}}",
        "on": {"workflow_dispatch": {"inputs": {i.id: i.to_yaml() for i in plan.all_inputs}}},
        "permissions": {"contents": "read"},
        "jobs": {"scaffold": _job(template, plan, root, install, sources_arg)},
    }
    header = _header(template, root, sources_arg)
    if not plan.inputs and not plan.packed:
        data["on"] = {"workflow_dispatch": None}
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=4096,
                              allow_unicode=True)


def gh_command(template: Template, repo: str | None = None, values: dict | None = None,
               max_inputs: int = MAX_INPUTS) -> str:
    """A ready `gh workflow run` command that starts this template.

    Values come from `values`, then defaults; required parameters without either get a
    `<name>` placeholder to replace. Everything is quoted for a POSIX shell.
    """
    plan = plan_inputs(template, max_inputs)
    values = values or {}
    words = ["gh", "workflow", "run", workflow_file_name(template)]
    if repo:
        words += ["--repo", repo]
    for item in plan.inputs:
        value = _command_value(item, values)
        if value is not None:
            words += ["-f", f"{item.id}={value}"]
    packed = _packed_values(template, plan, values)
    if packed:
        words += ["-f", f"{PACKED_INPUT}={json.dumps(packed, sort_keys=True)}"]
    return " ".join(shlex.quote(word) for word in words)


def _packed_values(template: Template, plan: InputPlan, values: dict) -> dict[str, Any]:
    """The packed parameters the command passes: given values, and a `<name>` placeholder
    for required ones without a default (the workflow would refuse the run without them)."""
    missing = {f.name for f in parameter_fields(template)
               if f.name in plan.packed and f.required and not f.has_default}
    return {name: values[name] if name in values else f"<{name}>"
            for name in plan.packed if name in values or name in missing}


def _command_value(item: WorkflowInput, values: dict) -> str | None:
    if item.parameter in values:
        return _as_input_text(values[item.parameter])
    if item.default is not None:
        return _as_input_text(item.default)
    return f"<{item.parameter}>" if item.required else None


def _as_input_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _job(template: Template, plan: InputPlan, root: Path | None, install: str,
         sources: str | None) -> dict:
    """Check out (whole history), set up Python, install Playbill, run the template from
    the checkout with inputs from env."""
    env = {INPUTS_ENV: "${{ toJSON(inputs) }}",
           "PLAYBILL_USER": "user:default/${{ github.actor }}",
           TOKEN_ENV: f"${{{{ secrets.{TOKEN_SECRET} || github.token }}}}"}
    for name in plan.secrets:
        input_id = plan.ids[name]
        env[SECRET_ENV_PREFIX + input_id] = f"${{{{ secrets.{_secret_name(input_id)} }}}}"
    sources_option = f" --sources {shlex.quote(sources)}" if sources else ""
    command = (f"playbill scaffold run {shlex.quote(_template_path(template, root))} \\\n"
               f"  --values-from-env {INPUTS_ENV} --secrets-from-env{sources_option}\n")
    steps = [
        {"name": "Check out the portal repository",
         "uses": "actions/checkout@v5",
         "with": {"fetch-depth": 0, "persist-credentials": False}},
        {"name": "Set up Python", "uses": "actions/setup-python@v6",
         "with": {"python-version": "3.12"}},
        {"name": "Install Playbill", "run": f"python -m pip install {shlex.quote(install)}"},
        {"name": f"Run template {template.name}", "env": env, "run": command},
    ]
    return {"runs-on": "ubuntu-latest", "timeout-minutes": 30, "steps": steps}


def _input_for(field: Field, input_id: str) -> WorkflowInput:
    """One parameter as an input: enum -> choice, boolean, number, everything else string."""
    schema_type = field.type if isinstance(field.type, str) else "string"
    options = field.choices
    kind = "choice" if options else _SCALAR_TYPES.get(schema_type, "string")
    default = field.default
    if default is not None:
        if kind == "string":
            default = _as_input_text(default)
        elif kind == "number" and not isinstance(default, (int, float)):
            default = None
        elif kind == "boolean" and not isinstance(default, bool):
            default = None
    if kind == "choice" and default is not None:
        default = dict(zip(field.enum, options)).get(field.default) if field.default in field.enum else None
    return WorkflowInput(input_id, field.name, kind, _description(field, schema_type),
                         bool(field.required), default, options)


def _description(field: Field, schema_type: str) -> str:
    title = field.title or field.name
    text = f"{title}: {field.description}" if field.description else title
    if schema_type in ("array", "object"):
        text += f" (JSON {schema_type})"
    return _clip(" ".join(text.split()))


def _is_secret(field: Field) -> bool:
    """Secret fields (`ui:field: Secret`, password widgets) never become inputs: inputs
    are shown in the run's event payload to anyone who can read the repository."""
    return field.secret


def secret_name_for(parameter: str, template: Template) -> str:
    """The repository secret a secret parameter is read from (`SCAFFOLD_<ID>`)."""
    return _secret_name(input_ids(f.name for f in parameter_fields(template))[parameter])


def _secret_name(input_id: str) -> str:
    return "SCAFFOLD_" + re.sub(r"[^A-Z0-9_]", "_", input_id.upper())


def _sanitize(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "input"
    return text if _ID_OK.match(text) else f"_{text}"


def _safe_file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "template"


def _namespace(template: Template) -> str:
    ref = template.ref
    namespace = getattr(ref, "namespace", None)
    if namespace is None and isinstance(ref, str) and "/" in ref:
        namespace = ref.split(":", 1)[-1].split("/", 1)[0]
    return (namespace or "default").lower()


def _sources_path(root: Path | None, sources: Path | None) -> str | None:
    """The sources file as the job names it: relative to the checkout's root."""
    if sources is None:
        if root is None or not (Path(root) / SOURCES_FILE).is_file():
            return None
        return SOURCES_FILE
    if root is None:
        return Path(sources).as_posix()
    try:
        return Path(sources).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        raise ValueError(f"{sources} is not inside the repository {root}, so the job's "
                         "checkout would not have it") from None


def _header(template: Template, root: Path | None, sources: str | None) -> str:
    """The comment atop the file: where it comes from, and what the job needs."""
    reads = f"; --sources reads {sources} there" if sources else ""
    return (
        f"# Generated by `playbill scaffold workflows` from {_template_path(template, root)}.\n"
        "# Do not edit: change the template and run the command again.\n"
        "#\n"
        "# The job runs from the root of a full checkout of this repository (fetch-depth: 0:\n"
        "# what it makes records the last commit that changed the template's folder, which a\n"
        f"# shallow clone cannot tell){reads}.\n"
        "#\n"
        "# Creating a repository or opening a pull request (publish:github,\n"
        "# publish:github:pull-request, catalog:register) needs a token allowed to write there:\n"
        f"# set the repository secret {TOKEN_SECRET} to a personal access token or a GitHub\n"
        "# App token. Without it the job falls back to the workflow's own token, which can\n"
        "# only read this repository.\n"
    )


def _template_path(template: Template, root: Path | None) -> str:
    path = Path(template.path)
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Dumper(yaml.SafeDumper):
    """Block style, and multi-line strings (the `run` script) as `|` blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
