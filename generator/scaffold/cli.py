"""`playbill scaffold`: list, run, test and publish software templates from the command line.

The main CLI registers this group; everything here only parses arguments, calls the
scaffold modules and picks exit codes (0 done, 1 the template or a run failed, 2 usage).

Templates are found as `playbill validate` finds entities: template files or folders named
on the command line, else `scaffold_templates/` when it exists, else the catalog sources.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable

import click
import yaml

from generator.model.problem import Problem
from generator.scaffold.template import Template, load_template, templates_from_catalog

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_FOLDER = Path("scaffold_templates")
DEFAULT_SOURCES = Path("catalog_sources.yaml")
DEFAULT_WORKFLOWS = Path(".github/workflows")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def scaffold() -> None:
    """Run Backstage software templates: locally, in CI, or from a workflow_dispatch job."""


# --- list ------------------------------------------------------------------------------

@scaffold.command("list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), default=None,
              help="Read templates from the catalog sources in FILE.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def list_command(paths, sources_file, fmt) -> None:
    """List templates: ref, title, actions, example sets and workflow file.

    PATHS are template files or folders holding them (default: scaffold_templates/, else
    the catalog sources).
    """
    from generator.scaffold.checks import known_actions
    from generator.scaffold.workflows import workflow_file_name

    templates = _templates(paths, sources_file)
    known = set(known_actions())
    rows = [{
        "ref": t.ref, "title": t.title, "path": str(t.path), "type": t.type,
        "steps": len(t.steps), "examples": len(t.examples),
        "unsupported": sorted({s.action for s in t.steps if s.action not in known}),
        "workflow": workflow_file_name(t),
    } for t in templates]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        missing = f"  unsupported: {', '.join(row['unsupported'])}" if row["unsupported"] else ""
        click.echo(f"{row['ref']}  {row['title']}  ({row['path']}; {row['steps']} steps, "
                   f"{row['examples']} examples){missing}")
    click.echo(f"{len(rows)} template{'s' if len(rows) != 1 else ''}", err=True)


# --- run -------------------------------------------------------------------------------

@scaffold.command("run")
@click.argument("template_name", metavar="TEMPLATE")
@click.option("--values", "values_file", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON or YAML file with parameter values.")
@click.option("-p", "--parameter", "pairs", multiple=True, metavar="KEY=VALUE",
              help="One parameter value (text, converted to the field's type); repeatable.")
@click.option("--values-from-env", "values_env", metavar="VAR",
              help="Read values from environment variable VAR: a JSON object such as the "
                   "workflow's toJSON(inputs) (input ids and the packed `parameters` input "
                   "are mapped back to parameter names).")
@click.option("--secrets-from-env", is_flag=True,
              help="Read secret parameters from PLAYBILL_SECRET_<input id> variables.")
@click.option("--dry-run", "dry_run", type=click.Path(path_type=Path, file_okay=False),
              metavar="OUT", help="Write the result into folder OUT instead of publishing.")
@click.option("--user", "user_ref", envvar="PLAYBILL_USER", metavar="ENTITY_REF",
              help="Who runs the template (user.ref / user.entity); env PLAYBILL_USER.")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), default=None,
              help="Catalog sources for catalog:fetch, user.entity and catalog:register "
                   "(default: catalog_sources.yaml when present).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How the result is printed.")
def run_command(template_name, values_file, pairs, values_env, secrets_from_env, dry_run,
                user_ref, sources_file, fmt) -> None:
    """Run TEMPLATE (a template file, a folder holding template.yaml, or a template's
    name or ref) with the given values; exit 1 when the run fails."""
    from generator.scaffold.runner import RunOptions, run_template

    template = _one_template(template_name, sources_file)
    values = _values(template, values_file, values_env, pairs)
    secrets = _secrets(template, secrets_from_env, values)
    sources = sources_file or (DEFAULT_SOURCES if DEFAULT_SOURCES.exists() else None)
    catalog = _catalog_for(template, sources, user_ref)
    echo = (lambda line: click.echo(line, err=True)) if fmt == "text" else None
    options = RunOptions(dry_run=dry_run is not None, output=dry_run, user_ref=user_ref,
                         secrets=secrets, catalog=catalog, sources_file=sources, on_log=echo)
    result = run_template(template, values, options)
    _print_result(result, fmt)
    _step_summary(template, result)
    sys.exit(EXIT_OK if result.ok else EXIT_FAILED)


def _values(template: Template, values_file: Path | None, env_var: str | None,
            pairs: Iterable[str]) -> dict[str, Any]:
    """Values from the file, then the environment, then -p pairs (later ones win)."""
    from generator.scaffold.workflows import values_from_inputs

    values: dict[str, Any] = {}
    if values_file:
        values.update(_read_values_file(values_file))
    try:
        if env_var:
            raw = os.environ.get(env_var)
            if raw is None:
                _usage(f"environment variable {env_var} is not set")
            values.update(values_from_inputs(template, _json_object(raw, env_var)))
        text = dict(_pair(p) for p in pairs)
        values.update(values_from_inputs(template, text))
    except ValueError as err:
        _usage(str(err))
    return values


def _read_values_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        _usage(f"cannot read values from {path}: {err}")
    if not isinstance(data, dict):
        _usage(f"{path} must hold an object of parameter values")
    return data


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{where} is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where} must hold a JSON object")
    return data


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"-p expects KEY=VALUE, got {text!r}")
    return key, value


def _secrets(template: Template, from_env: bool, values: dict[str, Any]) -> dict[str, str]:
    """Task secrets: secret fields from PLAYBILL_SECRET_* variables, and the Git host token
    under the key a RepoUrlPicker asks for (`requestUserCredentials.secretsKey`).

    Password-widget fields are form values in Backstage (only `ui:field: Secret` is kept
    out of parameters), so those are put into `values` too, and masked as secrets.
    """
    from generator.scaffold.parameters import parameter_fields
    from generator.scaffold.workflows import secrets_from_env

    secrets: dict[str, str] = {}
    fields = {f.name: f for f in parameter_fields(template)}
    if from_env:
        secrets.update(secrets_from_env(template, dict(os.environ)))
        for name, value in secrets.items():
            field = fields.get(name)
            if field is not None and field.ui.get("ui:field") != "Secret":
                values.setdefault(name, value)
    token = os.environ.get("GITHUB_TOKEN")
    for field in fields.values():
        options = field.ui.get("ui:options") or {}
        request = options.get("requestUserCredentials") if isinstance(options, dict) else None
        key = request.get("secretsKey") if isinstance(request, dict) else None
        if token and isinstance(key, str):
            secrets.setdefault(key, token)
    return secrets


def _catalog_for(template: Template, sources: Path | None, user_ref: str | None):
    """The built catalog, read only when something needs it: catalog:fetch, user.entity."""
    wants = user_ref or any(s.action == "catalog:fetch" for s in template.steps)
    if not wants or sources is None:
        return None
    from generator import config
    from generator import sources as sources_module
    from generator.build import read_catalog

    cfg, problems = config.load_config(sources)
    if cfg is None or any(p.is_error for p in problems):
        _usage_problems(problems)
    fetched = sources_module.fetch_sources(cfg)
    return read_catalog(fetched.trees, fetched.problems)


def _print_result(result: Any, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(_result_dict(result), indent=2, default=str))
        return
    for problem in result.problems:
        _echo_problem(problem)
    for step in result.steps:
        reason = f": {step.error}" if step.error else ""
        click.echo(f"  {step.status:8} {step.id} ({step.action}){reason}")
    for plan in result.planned:
        click.echo(f"  would {json.dumps(plan, sort_keys=True, default=str)}")
    for link in result.output.get("links") or []:
        click.echo(f"  link: {link.get('title') or ''} {link.get('url') or link.get('entityRef') or ''}")
    if result.ok:
        click.echo("Done.")
        return
    for line in _failure_lines(result):
        click.echo(line, err=True)


def _failure_lines(result: Any, markdown: bool = False) -> list[str]:
    """Which step failed, and what publishing steps before it made: a failure does not
    undo a repository or pull request already made."""
    code, bullet = ("`", "- ") if markdown else ("", "  ")
    failed = next((s for s in result.steps if s.error), None)
    where = f" at step {code}{result.failed_step}{code}" if result.failed_step else ""
    if failed is not None:
        where += f" ({failed.action})"
    if not result.published:
        return [f"Failed{where}; nothing was published."]
    lines = [f"Failed{where} after these steps published (a failure does not undo them):"]
    for item in result.published:
        url = f": {item['url']}" if item["url"] else ""
        lines.append(f"{bullet}{code}{item['id']}{code} ({item['action']}){url}")
    redo = f"do what step {code}{result.failed_step}{code} was to do by hand, or " \
        if result.failed_step else ""
    lines += [""] if markdown else []
    lines.append(f"hint: running the template again would publish them again; {redo}"
                 "remove what they made and run it again.")
    return lines


def _result_dict(result: Any) -> dict[str, Any]:
    return {
        "ok": result.ok, "failed_step": result.failed_step, "output": result.output,
        "steps": [{"id": s.id, "action": s.action, "status": s.status, "output": s.output,
                   "error": s.error} for s in result.steps],
        "planned": result.planned, "published": result.published, "log": result.log,
        "problems": [p.to_dict() for p in result.problems],
        "template_commit": result.template_commit,
    }


def _step_summary(template: Template, result: Any) -> None:
    """In GitHub Actions, the run's summary page shows the outcome and the output links."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    lines = [f"### {template.title}: {'done' if result.ok else 'failed'}", ""]
    if not result.ok:
        lines += _failure_lines(result, markdown=True) + [""]
    for link in result.output.get("links") or []:
        url = link.get("url") or ""
        lines.append(f"- [{link.get('title') or url}]({url})" if url else
                     f"- {link.get('title') or ''} {link.get('entityRef') or ''}")
    with open(target, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


# --- test ------------------------------------------------------------------------------

@scaffold.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), default=None,
              help="Read templates from the catalog sources in FILE.")
@click.option("--keep", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Keep each example's result in KEEP/<template>/<example>.")
def test_command(paths, sources_file, keep) -> None:
    """Check templates and run each one's example parameter sets dry (spec key
    `x-playbill-examples`); exit 1 when any check or example fails."""
    from generator.scaffold.checks import check_template

    templates = _templates(paths, sources_file)
    failures = 0
    for template in templates:
        problems = [p for p in check_template(template) if p.is_error]
        for problem in problems:
            _echo_problem(problem)
        failures += bool(problems)
        if not template.examples:
            click.echo(f"SKIP {template.ref}: no examples (add `x-playbill-examples`)")
        for example in template.examples:
            failures += not _run_example(template, example, keep)
    click.echo(f"{len(templates)} templates, {failures} failed", err=True)
    sys.exit(EXIT_FAILED if failures else EXIT_OK)


def _run_example(template: Template, example: Any, keep: Path | None) -> bool:
    from generator.scaffold.runner import RunOptions, run_template

    with tempfile.TemporaryDirectory(prefix="playbill-test-") as scratch:
        out = (keep / template.name / example.name) if keep else Path(scratch) / "out"
        options = RunOptions(dry_run=True, output=out, user_ref="user:default/playbill-test")
        result = run_template(template, example.values, options)
    label = f"{template.ref} [{example.name}]"
    if result.ok:
        click.echo(f"PASS {label}")
        return True
    where = f" at step {result.failed_step}" if result.failed_step else ""
    click.echo(f"FAIL {label}{where}")
    for problem in result.problems:
        _echo_problem(problem)
    for step in result.steps:
        if step.error:
            click.echo(f"  {step.id}: {step.error}", err=True)
    return False


# --- workflows -------------------------------------------------------------------------

@scaffold.command("workflows")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), default=None,
              help="Read templates from the catalog sources in FILE.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              default=DEFAULT_WORKFLOWS, show_default=True, help="Where workflow files go.")
@click.option("--max-inputs", type=click.IntRange(1, 25), default=25, show_default=True,
              help="Inputs GitHub allows per workflow (10 on older GitHub Enterprise Server).")
@click.option("--install", default="playbill", show_default=True,
              help="What the job pip-installs to get the playbill command ('.' for this repo).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when files are out of date.")
def workflows_command(paths, sources_file, out, max_inputs, install, check) -> None:
    """Write .github/workflows/scaffold-<name>.yml for each template: a workflow_dispatch
    form with the template's parameters and a job that runs it in the repository's
    checkout, with the catalog sources (--sources FILE, else catalog_sources.yaml there)."""
    from generator.scaffold.workflows import stale_workflows, write_workflows

    templates = _templates(paths, sources_file)
    root = out.resolve().parent.parent
    try:
        if check:
            stale = stale_workflows(templates, out, max_inputs, root=root, install=install,
                                    sources=sources_file)
            for message in stale:
                click.echo(message, err=True)
            if stale:
                click.echo("Run `playbill scaffold workflows` to update them.", err=True)
            sys.exit(EXIT_FAILED if stale else EXIT_OK)
        written = write_workflows(templates, out, max_inputs, root=root, install=install,
                                  sources=sources_file)
    except ValueError as err:
        _usage(str(err))
    for path in written:
        click.echo(str(path))


# --- finding templates -----------------------------------------------------------------

def _templates(paths: Iterable[Path], sources_file: Path | None) -> list[Template]:
    """Templates from PATHS, else scaffold_templates/, else the catalog sources; a template
    Backstage would refuse is a usage error (exit 2), with its problems."""
    paths = list(paths)
    templates: list[Template] = []
    problems: list[Problem] = []
    if not paths and sources_file is None:
        if DEFAULT_FOLDER.is_dir():
            paths = [DEFAULT_FOLDER]
        elif DEFAULT_SOURCES.exists():
            sources_file = DEFAULT_SOURCES
        else:
            _usage("no templates: pass template files or folders, or --sources FILE")
    for path in paths:
        found, trouble = _templates_at(path)
        templates += found
        problems += trouble
    if sources_file is not None:
        found, trouble = _templates_from_sources(sources_file)
        templates += found
        problems += trouble
    if any(p.is_error for p in problems):
        _usage_problems(problems)
    return templates


def _templates_at(path: Path) -> tuple[list[Template], list[Problem]]:
    """A template file, or every file below a folder that holds a Template document."""
    if path.is_file():
        template, problems = load_template(path)
        return ([template] if template else []), problems
    if not path.is_dir():
        _usage(f"{path} does not exist")
    templates, problems = [], []
    for file in sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")]):
        if _mentions_template(file):
            template, trouble = load_template(file)
            templates += [template] if template else []
            problems += trouble
    return templates, problems


def _mentions_template(file: Path) -> bool:
    """Cheap sniff, so skeleton files (full of `${{ }}`) are never parsed as entities."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.strip() == "kind: Template" for line in text.splitlines())


def _templates_from_sources(sources_file: Path) -> tuple[list[Template], list[Problem]]:
    from generator import config, sources
    from generator.build import read_catalog

    cfg, problems = config.load_config(sources_file)
    if cfg is None or any(p.is_error for p in problems):
        _usage_problems(problems)
    fetched = sources.fetch_sources(cfg)
    catalog = read_catalog(fetched.trees, fetched.problems)
    templates = templates_from_catalog(catalog)
    files = {t.file for t in templates}
    return templates, [p for p in catalog.problems if p.file in files]


def _one_template(name: str, sources_file: Path | None) -> Template:
    """TEMPLATE as a path (file, or folder with template.yaml), else a name or ref."""
    path = Path(name)
    if path.is_dir() and (path / "template.yaml").is_file():
        path = path / "template.yaml"
    if path.is_file():
        template, problems = load_template(path)
        if template is None:
            _usage_problems(problems)
        return template
    from generator.model.ref import RefError, parse_ref

    try:
        wanted = str(parse_ref(name, default_kind="template"))
    except RefError as err:
        _usage(str(err))
    for template in _templates([], sources_file):
        if template.ref.lower() == wanted:
            return template
    _usage(f"no template named {name!r} (give a template file, or a name `playbill "
           f"scaffold list` shows)")


# --- output ----------------------------------------------------------------------------

def _echo_problem(problem: Problem) -> None:
    where = ":".join(str(x) for x in (problem.file, problem.line) if x)
    click.echo(f"{where + ': ' if where else ''}{problem.severity.value}: {problem.message}",
               err=True)
    if problem.hint:
        click.echo(f"  hint: {problem.hint}", err=True)


def _usage_problems(problems: list[Problem]) -> None:
    for problem in problems:
        _echo_problem(problem)
    sys.exit(EXIT_USAGE)


def _usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)
