"""Run a template: check everything that can be checked, then do the steps in a work folder.

The order is Backstage's `NunjucksWorkflowRunner`, with the guarantees a CI job needs:

1. parameter values are completed with defaults and checked against the form's schema;
2. every step's action must exist, or nothing runs at all;
3. steps run in order in a fresh temporary work folder, each `input` rendered just before
   its step, `if` and `each` as Backstage evaluates them; `steps['id'].output.x` feeds
   later steps;
4. on the first failure later steps are skipped (unless their `if` calls `always()` or
   `failure()`), the failing step is named, and **no publishing step runs afterwards**,
   even with `always()` (Backstage would run it). What publishing steps before it did
   stays done, and the result lists it (`published`);
5. before the first publishing step, every catalog entity in the work folder is annotated
   with the template it came from and that template's commit;
6. the template's `output` is rendered without secrets; a dry run copies the work folder
   to `options.output` and records what publishing would have done.

Secrets never reach the log, step outputs or the recorded plan: every line goes through
the renderer's mask, and a dry run renders with every secret replaced by `***`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import jsonschema

from generator.model.catalog import Catalog
from generator.model.problem import Problem, error
from generator.scaffold.actions.catalog import DRY_RUN_FOLDER
from generator.scaffold.actions.registry import (
    Action, ActionContext, ActionError, available_actions, get_action, is_publishing,
)
from generator.scaffold.expressions import Renderer, calls_status_function
from generator.scaffold.provenance import annotate_entities, template_commit, user_context

OK, SKIPPED, FAILED, NOT_RUN = "ok", "skipped", "failed", "not-run"


@dataclass
class RunOptions:
    """How to run. `secrets` are Backstage's task secrets (`${{ secrets.x }}`); `catalog`
    is the built catalog for `catalog:fetch` and `user.entity`; `workdir` is where the
    temporary work folder is made (default: the system's temp folder). `portal_repo`
    (`owner/name`, default `GITHUB_REPOSITORY`) and `sources_file` are what
    `catalog:register` proposes its change to; `github` builds REST clients (tests point
    it at a local server; default: `GITHUB_API_URL`/`GITHUB_TOKEN`); `on_log` sees every
    (masked) line as it is written."""

    dry_run: bool = False
    output: Path | None = None
    user_ref: str | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    catalog: Catalog | None = None
    workdir: Path | None = None
    portal_repo: str | None = None
    sources_file: Path | None = None
    github: Callable | None = None
    on_log: Callable[[str], None] | None = None


@dataclass
class StepResult:
    id: str
    name: str
    action: str
    status: str = NOT_RUN
    output: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As `run.json` and `--format json` show it."""
        return {"id": self.id, "action": self.action, "status": self.status,
                "output": self.output, "error": self.error}


@dataclass
class RunResult:
    """What happened. `planned` lists what publishing steps did (or, in a dry run, would
    have done), secrets masked; `published` is what real publishing steps made
    (`{"id", "action", "url"}`), which a failure later on does not undo;
    `template_commit` is the commit recorded in entities."""

    ok: bool
    steps: list[StepResult] = field(default_factory=list)
    output: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    failed_step: str | None = None
    planned: list[dict[str, Any]] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)
    template_commit: str | None = None


def run_template(template: Any, values: dict[str, Any], options: RunOptions) -> RunResult:
    """Run `template` with the form `values`; never raises for a template's or a user's
    mistake: every problem is in the result."""
    from generator.scaffold.parameters import apply_defaults, check_values

    values = apply_defaults(template, dict(values or {}))
    problems = [p for p in check_values(template, values)]
    problems += missing_actions(template)
    problems += _output_problems(options)
    if any(p.is_error for p in problems):
        result = RunResult(ok=False, problems=problems)
        result.log.append("Nothing was run: " + "; ".join(p.message for p in problems if p.is_error))
        return result
    run = _Run(template, values, options)
    return run.execute()


def missing_actions(template: Any) -> list[Problem]:
    """One error per step whose action nobody provides, checked before anything runs."""
    known = None
    problems = []
    for index, step in enumerate(template.steps):
        if get_action(step.action) is None:
            known = known or ", ".join(available_actions())
            problems.append(error(
                "unsupported-action",
                f"step `{step.id or index}` uses action `{step.action}`, which Playbill does "
                f"not support; nothing was run",
                hint=f"Available actions: {known}. Teams can add their own through the "
                "`playbill.scaffold.actions` entry point.",
                file=str(template.path), entity=str(template.ref),
            ))
    return problems


def _output_problems(options: RunOptions) -> list[Problem]:
    if not options.dry_run or options.output is None:
        return []
    out = options.output
    if out.exists() and not out.is_dir():
        return [error("output-not-a-folder", f"output {out} is a file; nothing was run",
                      hint="Give a folder for the dry run's result.")]
    if out.exists() and any(out.iterdir()) and not (out / DRY_RUN_FOLDER).is_dir():
        return [error("output-not-empty", f"output folder {out} is not empty and was not "
                      "written by a dry run; nothing was run", hint="Pick an empty or new folder.")]
    return []


class _Run:
    """One run's state: the renderer (context grows as steps finish), the log, results."""

    def __init__(self, template: Any, values: dict[str, Any], options: RunOptions) -> None:
        self.template = template
        self.options = options
        self.result = RunResult(ok=True, template_commit=_commit(template))
        user = user_context(options.user_ref, options.catalog)
        secrets = dict(options.secrets)
        context = {
            "parameters": values, "steps": {}, "user": user,
            "context": {"task": {"id": str(uuid.uuid4())}},
        }
        self.renderer = Renderer(context, secrets)
        if options.dry_run:
            self.renderer = self.renderer.redacted()
        self.annotated = False
        self.failed = False

    def log(self, line: str) -> None:
        masked = self.renderer.mask(str(line))
        self.result.log.append(masked)
        if self.options.on_log:
            self.options.on_log(masked)

    def masked(self, value: Any) -> Any:
        """`value` with every string masked, however deep: what results may show."""
        if isinstance(value, str):
            return self.renderer.mask(value)
        if isinstance(value, dict):
            return {key: self.masked(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.masked(item) for item in value]
        return value

    def record(self, plan: dict[str, Any]) -> None:
        self.result.planned.append(self.masked(plan))

    def execute(self) -> RunResult:
        workspace = Path(tempfile.mkdtemp(prefix="playbill-scaffold-", dir=self.options.workdir))
        if self.options.dry_run and self.options.output is not None:
            self.clear_output()
        try:
            for step in self.template.steps:
                self.result.steps.append(self.step(step, workspace))
            if not self.annotated:
                self.annotate(workspace)
            if not self.failed:
                self.result.output = self.render_output()
            if self.options.dry_run and self.options.output is not None:
                self.write_dry_run(workspace)
        finally:
            shutil.rmtree(workspace, ignore_errors=True)
        self.result.ok = not self.failed
        return self.result

    # steps ------------------------------------------------------------------------------

    def step(self, step: Any, workspace: Path) -> StepResult:
        name = step.name or step.id or step.action
        outcome = StepResult(step.id or "", name, step.action)
        action = get_action(step.action)
        if self.failed and (is_publishing(action) or not calls_status_function(step.if_)):
            outcome.status = SKIPPED
            self.log(f"Skipping step {name}: an earlier step failed")
            return outcome
        if is_publishing(action) and not self.annotated:
            self.annotate(workspace)
        self.log(f"Beginning step {name}")
        try:
            ran, outcome.output = self.run_action(step, action, workspace)
            outcome.status = OK if ran else SKIPPED
            self.log(f"Finished step {name}" if ran else f"Skipping step {name}: `if` is false")
        except Exception as failure:  # any failure of a step ends the run the same way
            outcome.status, outcome.error = FAILED, self.renderer.mask(_message(failure))
            self.fail(step, name, outcome.error)
        outcome.output = self.masked(outcome.output)
        if outcome.status == OK and is_publishing(action) and not self.options.dry_run:
            self.result.published.append({"id": outcome.id or name, "action": step.action,
                                          "url": published_url(outcome.output)})
        if step.id:
            self.renderer.context["steps"][step.id] = {"output": outcome.output}
        return outcome

    def run_action(self, step: Any, action: Action, workspace: Path) -> tuple[bool, dict[str, Any]]:
        """Run the step once, or once per `each` entry (outputs become lists); False when
        its `if` skipped it entirely."""
        ctx = self.context(step, workspace)
        if step.each is None:
            if not self.renderer.evaluate_condition(step.if_, self.failed):
                return False, {}
            return True, self.call(action, ctx, self.renderer.render(step.input or {}))
        rounds = self.each_rounds(step, action)
        outputs: dict[str, list[Any]] = {}
        for label, input in rounds:
            self.log(f"Running step each: {label}")
            for key, value in self.call(action, ctx, input).items():
                outputs.setdefault(key, []).append(value)
        return bool(rounds), outputs

    def each_rounds(self, step: Any, action: Action) -> list[tuple[str, dict[str, Any]]]:
        """Every iteration's rendered and checked input, before any iteration runs."""
        items = self.renderer.render(step.each)
        if isinstance(items, list):
            pairs = [(str(i), v) for i, v in enumerate(items)]
        elif isinstance(items, dict):
            pairs = list(items.items())
        else:
            raise ActionError(f"Invalid value on action {step.action}.each parameter, "
                              "\"each\" needs to be an array or an object")
        rounds = []
        for key, value in pairs:
            each = {"key": key, "value": value}
            renderer = self.renderer.with_context(each=each)
            if renderer.evaluate_condition(step.if_, self.failed):
                input = renderer.render(step.input or {})
                check_input(action, input)
                rounds.append((json.dumps(each, default=str), input))
        return rounds

    def call(self, action: Action, ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
        check_input(action, input)
        output = action.run(ctx, input)
        return output if isinstance(output, dict) else {}

    def context(self, step: Any, workspace: Path) -> ActionContext:
        options = self.options
        return ActionContext(
            workspace=workspace, template=self.template, dry_run=options.dry_run,
            log=self.log, secrets=dict(self.renderer.secrets),
            user=self.renderer.context["user"], catalog=options.catalog, github=options.github,
            output=options.output, record=self.record, step_id=step.id or "",
            portal_repo=options.portal_repo or os.environ.get("GITHUB_REPOSITORY"),
            sources_file=options.sources_file,
        )

    def fail(self, step: Any, name: str, message: str) -> None:
        self.log(f"Step {step.id or name} ({step.action}) failed: {message}")
        if not self.failed:
            self.failed = self.renderer.failed = True  # `failure()` is true from now on
            self.result.failed_step = step.id or name
            published = [f"{p['id']} ({p['url'] or p['action']})" for p in self.result.published]
            hint = ("Steps that published before it, not undone: " + ", ".join(published)) \
                if published else "Nothing was published."
            self.result.problems.append(error(
                "step-failed", f"step `{step.id or name}` ({step.action}) failed: {message}",
                hint=hint, file=str(self.template.path), entity=str(self.template.ref),
            ))

    # the end ----------------------------------------------------------------------------

    def annotate(self, workspace: Path) -> None:
        self.annotated = True
        for path in annotate_entities(workspace, str(self.template.ref), self.result.template_commit):
            self.log(f"Recorded the template and its commit in {path}")

    def render_output(self) -> dict[str, Any]:
        """The template's `output`, without secrets; `links`/`text` entries whose `if` is
        false are dropped (Backstage's filterConditionalItems)."""
        renderer = self.renderer.without_secrets()
        output = dict(self.template.output or {})
        for key in ("links", "text"):
            if isinstance(output.get(key), list):
                kept = [i for i in output[key] if not isinstance(i, dict) or renderer.evaluate_condition(i.get("if"))]
                output[key] = [{k: v for k, v in i.items() if k != "if"} if isinstance(i, dict) else i for i in kept]
        try:
            rendered = renderer.render(output) or {}
        except Exception as failure:
            self.failed = True
            self.result.problems.append(error("output-failed", f"cannot render the template's output: {_message(failure)}"))
            return {}
        return self.masked(rendered)

    def clear_output(self) -> None:
        """Empty the output folder of an earlier dry run (`_output_problems` made sure it
        is one), so the folder shows this run only."""
        out = self.options.output
        if out.exists():
            for child in out.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()

    def write_dry_run(self, workspace: Path) -> None:
        out = self.options.output
        shutil.copytree(workspace, out, symlinks=True, dirs_exist_ok=True)
        record = out / DRY_RUN_FOLDER
        record.mkdir(parents=True, exist_ok=True)
        summary = {
            "ok": not self.failed, "failed_step": self.result.failed_step,
            "template": str(self.template.ref), "template_commit": self.result.template_commit,
            "steps": [step.to_dict() for step in self.result.steps],
            "output": self.result.output, "planned": self.result.planned,
        }
        (record / "run.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
        (record / "log.txt").write_text("\n".join(self.result.log) + "\n", encoding="utf-8")


def _commit(template: Any) -> str | None:
    """The last commit that changed the template's folder, as the provenance annotation
    promises; the commit the catalog read it at when its folder is not in a Git work tree.

    Not the checkout's HEAD: a commit elsewhere in the repository must not make every
    service look as if it came from a newer version of the template."""
    return template_commit(Path(template.path)) or getattr(template, "commit", None)


#: The output naming what a publishing step made, most telling first (pull request page,
#: repository page, clone URL, workflow run).
_URL_OUTPUTS = ("pullRequestUrl", "repoContentsUrl", "remoteUrl", "workflowRunHtmlUrl")


def published_url(output: dict[str, Any]) -> str | None:
    """Where to see what a publishing step made: a known URL output, else any http(s) one;
    the URLs of an `each` step's rounds joined with spaces."""
    def urls(value: Any) -> list[str]:
        values = value if isinstance(value, list) else [value]
        return [v for v in values if isinstance(v, str) and v.startswith(("http://", "https://"))]

    keys = [*_URL_OUTPUTS, *(k for k in output if k not in _URL_OUTPUTS)]
    for key in keys:
        found = urls(output.get(key))
        if found:
            return " ".join(found)
    return None


def check_input(action: Action, input: Any) -> None:
    """Check a rendered input against the action's JSON schema, naming the field and rule."""
    schema = getattr(action, "schema", None)
    if not schema:
        return
    found = sorted(jsonschema.Draft7Validator(schema).iter_errors(input), key=lambda e: list(e.path))
    if found:
        first = found[0]
        where = ".".join(str(p) for p in first.path) or "input"
        raise ActionError(f"invalid input for {action.id}: {where}: {first.message}")


def _message(failure: BaseException) -> str:
    text = str(failure) or type(failure).__name__
    if isinstance(failure, OSError) and failure.filename:
        text = f"{failure.strerror}: {failure.filename}"
    return text
