"""What `playbill scaffold` prints: problems, usage errors, and a run's result as text,
as JSON, and on the GitHub Actions run's summary page.

A failed run says which step failed and what publishing steps before it already made
(a repository, a pull request): a failure does not undo them.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NoReturn

import click

from generator.model.problem import Problem

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def print_result(result: Any, fmt: str) -> None:
    """A run's result on stdout (JSON, or one line a step); the verdict, on stderr when
    the run failed."""
    if fmt == "json":
        click.echo(json.dumps(result_dict(result), indent=2, default=str))
        return
    for problem in result.problems:
        echo_problem(problem)
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
    for line in failure_lines(result):
        click.echo(line, err=True)


def print_example(label: str, result: Any) -> None:
    """One example of `playbill scaffold test`: PASS, or FAIL with what went wrong."""
    if result.ok:
        click.echo(f"PASS {label}")
        return
    click.echo(f"FAIL {label}{_at_step(result)}")
    for problem in result.problems:
        echo_problem(problem)
    for step in result.steps:
        if step.error:
            click.echo(f"  {step.id}: {step.error}", err=True)


def failure_lines(result: Any, markdown: bool = False) -> list[str]:
    """Which step failed, and what publishing steps before it made: a failure does not
    undo a repository or pull request already made."""
    code, bullet = ("`", "- ") if markdown else ("", "  ")
    failed = next((s for s in result.steps if s.error), None)
    where = _at_step(result, code) + (f" ({failed.action})" if failed is not None else "")
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


def result_dict(result: Any) -> dict[str, Any]:
    """A run's result for `--format json`."""
    return {
        "ok": result.ok, "failed_step": result.failed_step, "output": result.output,
        "steps": [step.to_dict() for step in result.steps],
        "planned": result.planned, "published": result.published, "log": result.log,
        "problems": [p.to_dict() for p in result.problems],
        "template_commit": result.template_commit,
    }


def step_summary(title: str, result: Any) -> None:
    """In GitHub Actions, the run's summary page shows the outcome and the output links."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    lines = [f"### {title}: {'done' if result.ok else 'failed'}", ""]
    if not result.ok:
        lines += failure_lines(result, markdown=True) + [""]
    for link in result.output.get("links") or []:
        url = link.get("url") or ""
        lines.append(f"- [{link.get('title') or url}]({url})" if url else
                     f"- {link.get('title') or ''} {link.get('entityRef') or ''}")
    with open(target, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def echo_problem(problem: Problem) -> None:
    where = ":".join(str(x) for x in (problem.file, problem.line) if x)
    click.echo(f"{where + ': ' if where else ''}{problem.severity.value}: {problem.message}",
               err=True)
    if problem.hint:
        click.echo(f"  hint: {problem.hint}", err=True)


def usage_problems(problems: list[Problem]) -> NoReturn:
    """Print the problems and exit 2: the command cannot go on."""
    for problem in problems:
        echo_problem(problem)
    sys.exit(EXIT_USAGE)


def usage(message: str) -> NoReturn:
    """Print `error: message` and exit 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _at_step(result: Any, code: str = "") -> str:
    return f" at step {code}{result.failed_step}{code}" if result.failed_step else ""
