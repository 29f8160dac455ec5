"""What `playbill validate` checks in Template entities beyond their envelope and schema.

Backstage accepts a template whose form schema is broken, whose step names an action the
installation lacks, or whose `${{ }}` does not parse: the developer finds out when the run
fails, halfway. Playbill reads templates in CI, so it says so before anyone fills in the
form: parameter schemas are valid JSON Schema, actions are known, every expression parses,
local skeleton folders exist, and the template's own example parameter sets are valid.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from generator.model.entity import Entity
from generator.model.problem import Problem, Severity, error, warning
from generator.model.values import dotted
from generator.scaffold.expressions import check_expression, expressions_in, unknown_filters
from generator.scaffold.template import API_VERSION, EXAMPLES_KEY, Template

#: The actions the issue lists; used only when the action registry cannot be imported.
KNOWN_ACTIONS = (
    "catalog:fetch", "catalog:register", "catalog:write", "debug:log", "debug:wait",
    "fetch:plain", "fetch:plain:file", "fetch:template", "fetch:template:file", "fs:delete",
    "fs:readdir", "fs:rename", "github:actions:dispatch", "publish:github",
    "publish:github:pull-request",
)
#: Actions whose `url` names a skeleton, and whether it is a folder or one file.
SKELETON_ACTIONS = {"fetch:template": "folder", "fetch:plain": "folder",
                    "fetch:template:file": "file", "fetch:plain:file": "file"}
BACKSTAGE_ACCEPTS = "accepted (Backstage only fails when the template runs)"
_STEP_REF = re.compile(r"""\bsteps\s*(?:\[\s*['"]([^'"]+)['"]\s*\]|\.([A-Za-z_$][\w$]*))""")
_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)

FieldPath = tuple[str | int, ...]


def check_templates(templates_or_entities: Iterable[Template | Entity]) -> list[Problem]:
    """Every problem in the given templates (Entities of other kinds are skipped)."""
    problems: list[Problem] = []
    actions = known_actions()
    for item in templates_or_entities:
        template, own = _as_template(item)
        problems += own
        if template is not None:
            problems += check_template(template, actions)
    return sorted(problems, key=lambda p: p.sort_key())


def catalog_problems(entities: Iterable[Entity]) -> list[Problem]:
    """Template problems as the catalog reports them: as warnings.

    Backstage stores a template whose form or steps are broken and only fails when someone
    runs it, so in `playbill validate` and on the Health page these never count as errors
    (the verdict stays Backstage's); `--strict` makes CI fail on them. The scaffold commands
    use `check_template` directly, where they are errors: the template cannot run.
    """
    return [
        replace(p, severity=Severity.WARNING) if p.is_error else p
        for p in check_templates(entities)
    ]


def check_template(template: Template, actions: Iterable[str] | None = None) -> list[Problem]:
    """The problems of one template; `actions` defaults to what the registry offers."""
    where = _Where(template)
    known = set(known_actions() if actions is None else actions)
    problems = [*_parameter_problems(template, where)]
    problems += _step_problems(template, known, where)
    problems += _expression_problems(template, where)
    problems += _example_problems(template, where)
    return problems


def known_actions() -> list[str]:
    """The registry's actions (built-in and teams' own), or the issue's list without it."""
    try:
        from generator.scaffold.actions.registry import available_actions
    except ImportError:
        return list(KNOWN_ACTIONS)
    return available_actions()


class _Where:
    """Turns a path inside the template entity into the file, line and entity of a Problem."""

    def __init__(self, template: Template) -> None:
        self.template = template

    def __call__(self, *path: str | int) -> dict[str, Any]:
        return {"file": self.template.file, "line": self.template.line_of(path),
                "entity": str(self.template.ref)}


def _parameter_problems(template: Template, where: _Where) -> Iterator[Problem]:
    """Each form step must be a valid JSON schema (draft 7, as the form library reads it)."""
    # Imported here: a build without Templates never needs jsonschema (~35 ms).
    from jsonschema import Draft7Validator

    meta = Draft7Validator(Draft7Validator.META_SCHEMA)
    several = _parameters_are_list(template)
    for index, step in enumerate(template.parameters):
        base: FieldPath = ("spec", "parameters", index) if several else ("spec", "parameters")
        for err in sorted(meta.iter_errors(step.schema), key=lambda e: list(e.path)):
            path = (*base, *err.absolute_path)
            yield error(
                "scaffold-parameter-schema",
                f"{dotted(path)}: not a valid JSON schema: {err.message}",
                hint=f"JSON Schema draft 7 rule `{err.validator}` (see "
                     f"https://json-schema.org/draft-07/json-schema-validation)",
                backstage=BACKSTAGE_ACCEPTS, **where(*path))
        yield from _required_problems(step.schema, base, where)


def _required_problems(schema: Any, base: FieldPath, where: _Where) -> Iterator[Problem]:
    """`required` naming a field the step does not define: the form can never be sent."""
    if not isinstance(schema, dict) or not isinstance(schema.get("required"), list):
        return
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    defined = set(properties) | _dependency_fields(schema)
    for position, name in enumerate(schema["required"]):
        if isinstance(name, str) and name not in defined:
            yield warning(
                "scaffold-required-unknown",
                f"parameter `{name}` is required but no `properties` entry defines it",
                hint="add it to `properties`, or remove it from `required`",
                backstage="accepted (the form shows an error nobody can fix)",
                **where(*base, "required", position))


def _dependency_fields(schema: dict) -> set[str]:
    """Fields that `dependencies`/`oneOf`/`allOf` branches may add to a form step."""
    found: set[str] = set()
    branches = []
    for key in ("oneOf", "anyOf", "allOf"):
        branches += schema.get(key) or []
    for value in (schema.get("dependencies") or {}).values():
        if isinstance(value, dict):
            branches += [value, *(value.get("oneOf") or []), *(value.get("anyOf") or [])]
    for branch in branches:
        if isinstance(branch, dict):
            found |= set(branch.get("properties") or {}) | _dependency_fields(branch)
    return found


def _step_problems(template: Template, known: set[str], where: _Where) -> Iterator[Problem]:
    """Unknown actions, repeated step ids, missing action inputs and skeleton folders."""
    seen: set[str] = set()
    for index, step in enumerate(template.steps):
        at = ("spec", "steps", index)
        if step.id:
            if step.id in seen:
                yield error("scaffold-duplicate-step-id",
                            f"step id `{step.id}` is used twice; `steps['{step.id}'].output` "
                            f"would only show the later step's output",
                            hint="give each step its own id", backstage=BACKSTAGE_ACCEPTS,
                            **where(*at, "id"))
            seen.add(step.id)
        if step.action not in known:
            yield error("scaffold-unknown-action",
                        f"step `{_step_name(step, index)}` uses action `{step.action}`, which "
                        f"Playbill does not provide (unsupported action)",
                        hint=_unknown_action_hint(step.action, known),
                        backstage="accepted (the run fails with `Template action with ID "
                                  f"'{step.action}' is not registered.`)",
                        **where(*at, "action"))
            continue
        yield from _input_problems(step, index, where)
        if step.action in SKELETON_ACTIONS:
            yield from _skeleton_problems(template, step, index, where)


def _input_problems(step: Any, index: int, where: _Where) -> Iterator[Problem]:
    """Inputs the action's schema requires but the step does not give."""
    schema = _action_schema(step.action)
    given = step.input if isinstance(step.input, dict) else {}
    for name in (schema or {}).get("required", []):
        if name not in given:
            yield error("scaffold-step-input",
                        f"step `{_step_name(step, index)}` ({step.action}) lacks required "
                        f"input `{name}`",
                        hint=f"add `{name}:` under the step's `input:`",
                        backstage=BACKSTAGE_ACCEPTS, **where("spec", "steps", index, "input"))


def _skeleton_problems(template: Template, step: Any, index: int, where: _Where
                       ) -> Iterator[Problem]:
    """A local skeleton `url` must name an existing folder (or file) beside the template."""
    url = (step.input or {}).get("url") if isinstance(step.input, dict) else None
    if not isinstance(url, str) or expressions_in(url):
        return
    at = ("spec", "steps", index, "input", "url")
    if _REMOTE.match(url):
        yield warning("scaffold-remote-skeleton",
                      f"step `{_step_name(step, index)}` fetches `{url}`: Playbill reads "
                      f"skeletons only from the template's own repository",
                      hint="keep the skeleton beside the template and use a relative url "
                           "such as `./skeleton`", backstage="accepted", **where(*at))
        return
    wanted = SKELETON_ACTIONS[step.action]
    target = Path(template.path).parent / url
    exists = target.is_dir() if wanted == "folder" else target.is_file()
    if not exists:
        yield error("scaffold-skeleton-missing",
                    f"step `{_step_name(step, index)}` ({step.action}) reads {wanted} `{url}`, "
                    f"which does not exist beside the template ({target})",
                    hint=f"create the {wanted}, or fix the path (relative to the template file)",
                    backstage=BACKSTAGE_ACCEPTS, **where(*at))


def _expression_problems(template: Template, where: _Where) -> Iterator[Problem]:
    """Every `${{ }}` in steps and output parses, uses known filters and earlier steps."""
    earlier: set[str] = set()
    for index, step in enumerate(template.steps):
        at = ("spec", "steps", index)
        for key, value in (("input", step.input), ("if", step.if_), ("each", step.each)):
            for path, text in _strings(value, (*at, key)):
                yield from _text_problems(text, path, earlier, where)
        if step.id:
            earlier.add(step.id)
    for path, text in _strings(template.output, ("spec", "output")):
        yield from _text_problems(text, path, earlier, where)


def _text_problems(text: str, path: FieldPath, steps: set[str], where: _Where
                   ) -> Iterator[Problem]:
    if not expressions_in(text):
        return
    field = dotted(path)
    reason = check_expression(text)
    if reason:
        yield error("scaffold-expression", f"{field}: expression does not parse: {reason}",
                    hint="Backstage templates use Nunjucks syntax inside `${{ }}`",
                    backstage="accepted (the run fails or leaves the text as written)",
                    **where(*path))
        return
    for name in unknown_filters(text):
        yield warning("scaffold-unknown-filter",
                      f"{field}: filter `{name}` is neither Backstage's nor Nunjucks'",
                      hint="Playbill cannot run filters an installation added; the run fails",
                      backstage="accepted where the installation defines it", **where(*path))
    for expression in expressions_in(text):
        for match in _STEP_REF.finditer(expression):
            step_id = match.group(1) or match.group(2)
            if step_id not in steps:
                yield warning("scaffold-unknown-step",
                              f"{field}: `{expression}` reads step `{step_id}`, but no earlier "
                              f"step has that id",
                              hint="steps can only read the outputs of steps before them",
                              backstage="accepted (renders as empty)", **where(*path))


def _example_problems(template: Template, where: _Where) -> Iterator[Problem]:
    """A template's example parameter sets must be valid, or `scaffold test` proves nothing."""
    from generator.scaffold.parameters import apply_defaults, check_values

    for index, example in enumerate(template.examples):
        for problem in check_values(template, apply_defaults(template, example.values)):
            yield Problem(problem.severity, "scaffold-example",
                          f"example `{example.name}`: {problem.message}",
                          hint=problem.hint or "fix the example or the parameter schema",
                          backstage="accepted (Backstage has no examples)",
                          **where("spec", EXAMPLES_KEY, index, "values"))


def _strings(value: Any, path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    """Every string in a value with its path (dict keys too: Backstage renders only values)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            yield from _strings(item, (*path, position))


def _step_name(step: Any, index: int) -> str:
    return step.id or step.name or f"#{index + 1}"


def _unknown_action_hint(action: str, known: set[str]) -> str:
    family = action.split(":")[0]
    near = sorted(a for a in known if a.split(":")[0] == family)
    also = f" Related ones Playbill has: {', '.join(near)}." if near else ""
    return ("Replace the step, or add the action from a Python package through the "
            f"`playbill.scaffold.actions` entry point.{also}")


def _action_schema(action: str) -> dict | None:
    try:
        from generator.scaffold.actions.registry import get_action
    except ImportError:
        return None
    found = get_action(action)
    schema = getattr(found, "schema", None)
    return schema if isinstance(schema, dict) else None


def _parameters_are_list(template: Template) -> bool:
    return isinstance(template.spec.get("parameters"), list)


def _as_template(item: Template | Entity) -> tuple[Template | None, list[Problem]]:
    """Templates as they are; v1beta3 Template entities read into one (with the problems
    of their example sets); anything else skipped."""
    if isinstance(item, Template):
        return item, []
    if isinstance(item, Entity) and item.kind == "Template" and \
            item.data.get("apiVersion") == API_VERSION:
        from generator.scaffold.template import template_from_entity

        document = item.document
        return template_from_entity(item, document.path or Path(document.file), document.commit)
    return None, []

