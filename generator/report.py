"""Problems as people and machines read them: a text table, JSON, GitHub annotations.

The same `Problem` list feeds all three, so what a developer sees in a terminal, what CI
annotates on a pull request and what a script parses never disagree.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby
from typing import Iterable, Sequence

from generator.model.problem import Problem, Severity

FORMATS = ("text", "json", "github")


def summarize(problems: Sequence[Problem], entity_count: int) -> dict:
    counts = Counter(p.severity.value for p in problems)
    return {
        "entities": entity_count,
        "errors": counts.get("error", 0),
        "warnings": counts.get("warning", 0),
        "notes": counts.get("note", 0),
    }


def summary_line(summary: dict) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return (
        f"{plural(summary['errors'], 'error')}, {plural(summary['warnings'], 'warning')}, "
        f"{plural(summary['notes'], 'note')} in {plural(summary['entities'], 'entity')}"
    ).replace("entitys", "entities")


def as_json(problems: Sequence[Problem], entity_count: int) -> str:
    payload = {
        "summary": summarize(problems, entity_count),
        "problems": [p.to_dict() for p in problems],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


_GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(problems: Iterable[Problem]) -> str:
    """GitHub Actions workflow commands: `::error file=…,line=…,title=…::message`."""
    lines = []
    for p in problems:
        props = []
        if p.file:
            props.append(f"file={_escape_property(p.file)}")
        if p.line:
            props.append(f"line={p.line}")
        props.append(f"title={_escape_property(_title(p))}")
        body = p.message + (f"\nHint: {p.hint}" if p.hint else "")
        lines.append(f"::{_GITHUB_COMMAND[p.severity]} {','.join(props)}::{_escape_data(body)}")
    return "\n".join(lines)


def _title(p: Problem) -> str:
    return f"{p.code} ({p.entity})" if p.entity else p.code


def as_text(problems: Sequence[Problem], entity_count: int, color: bool = False) -> str:
    """Problems grouped by file, one block each: line, severity, code, entity, message, hint."""
    out: list[str] = []
    for file, group in groupby(problems, key=lambda p: p.file or "(no file)"):
        out.append(_style(file, bold=True, color=color))
        for p in group:
            where = f"{p.line:>5}" if p.line else "     "
            severity = _style(f"{p.severity.value:<7}", fg=_COLOURS[p.severity], color=color)
            subject = f" {p.entity}" if p.entity else ""
            out.append(f"{where}  {severity} {p.code}{subject}")
            out.append(f"         {p.message}")
            if p.hint:
                out.append(_style(f"         hint: {p.hint}", dim=True, color=color))
        out.append("")
    out.append(summary_line(summarize(problems, entity_count)))
    return "\n".join(out)


_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def _style(text: str, color: bool, **style) -> str:
    if not color:
        return text
    import click

    return click.style(text, **style)
