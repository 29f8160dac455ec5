"""`playbill scaffold`: list, run, test and publish software templates from the command line.

The main CLI registers this group; everything here only parses arguments, calls the
scaffold modules and picks exit codes (0 done, 1 the template or a run failed, 2 usage).
Templates are found by `discovery.py`; results are printed by `cli_output.py`.
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

from generator.scaffold.cli_output import (
    EXIT_FAILED, EXIT_OK, echo_problem, print_example, print_result, step_summary, usage,
)
from generator.scaffold.discovery import DEFAULT_SOURCES, find_templates, one_template, read_sources
from generator.scaffold.template import Template

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

    templates = find_templates(paths, sources_file)
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
    from generator.scaffold.run_inputs import task_secrets
    from generator.scaffold.runner import RunOptions, run_template

    template = one_template(template_name, sources_file)
    values = _values(template, values_file, values_env, pairs)
    secrets = task_secrets(template, os.environ, secrets_from_env, values)
    sources = sources_file or (DEFAULT_SOURCES if DEFAULT_SOURCES.exists() else None)
    catalog = _catalog_for(template, sources, user_ref)
    echo = (lambda line: click.echo(line, err=True)) if fmt == "text" else None
    options = RunOptions(dry_run=dry_run is not None, output=dry_run, user_ref=user_ref,
                         secrets=secrets, catalog=catalog, sources_file=sources, on_log=echo)
    result = run_template(template, values, options)
    print_result(result, fmt)
    step_summary(template.title, result)
    sys.exit(EXIT_OK if result.ok else EXIT_FAILED)


def _values(template: Template, values_file: Path | None, env_var: str | None,
            pairs: Iterable[str]) -> dict[str, Any]:
    """Values from the file, then the environment, then -p pairs (later ones win)."""
    from generator.scaffold.run_inputs import json_object, values_from_inputs

    values: dict[str, Any] = {}
    if values_file:
        values.update(_read_values_file(values_file))
    try:
        if env_var:
            raw = os.environ.get(env_var)
            if raw is None:
                usage(f"environment variable {env_var} is not set")
            values.update(values_from_inputs(template, json_object(raw, env_var)))
        text = dict(_pair(p) for p in pairs)
        values.update(values_from_inputs(template, text))
    except ValueError as err:
        usage(str(err))
    return values


def _read_values_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        usage(f"cannot read values from {path}: {err}")
    if not isinstance(data, dict):
        usage(f"{path} must hold an object of parameter values")
    return data


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"-p expects KEY=VALUE, got {text!r}")
    return key, value


def _catalog_for(template: Template, sources: Path | None, user_ref: str | None):
    """The built catalog, read only when something needs it: catalog:fetch, user.entity."""
    wants = user_ref or any(s.action == "catalog:fetch" for s in template.steps)
    if not wants or sources is None:
        return None
    return read_sources(sources)


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

    templates = find_templates(paths, sources_file)
    failures = 0
    for template in templates:
        problems = [p for p in check_template(template) if p.is_error]
        for problem in problems:
            echo_problem(problem)
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
    print_example(f"{template.ref} [{example.name}]", result)
    return result.ok


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
    from generator.scaffold.workflow_files import stale_workflows, write_workflows

    templates = find_templates(paths, sources_file)
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
        usage(str(err))
    for path in written:
        click.echo(str(path))
