"""debug:log and debug:wait: what template authors use to see inside a run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from generator.scaffold.actions.fs import relative
from generator.scaffold.actions.registry import ActionContext, ActionError, builtin

MAX_WAIT_SECONDS = 600  # Backstage refuses waits longer than ten minutes

LOG_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "listWorkspace": {
            "oneOf": [{"type": "boolean"}, {"enum": ["with-filenames", "with-contents"]}]
        },
    },
}


@builtin("debug:log", schema=LOG_SCHEMA)
def log(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Writes `message` to the log and, with `listWorkspace`, the work folder's files
    (`with-contents` adds each file's text)."""
    if input.get("message"):
        ctx.log(str(input["message"]))
    listing = input.get("listWorkspace")
    if listing:
        root = ctx.workspace.resolve()
        files = sorted(p for p in root.rglob("*") if p.is_file())
        lines = [f"  - {relative(root, p)}" for p in files]
        if listing == "with-contents":
            lines = [f"{line}:\n{_text(p)}" for line, p in zip(lines, files)]
        ctx.log("Workspace:\n" + "\n".join(lines))
    return {}


def _text(path: Path) -> str:
    try:
        return "    " + path.read_text(encoding="utf-8").replace("\n", "\n    ")
    except UnicodeDecodeError:
        return "    (binary)"


WAIT_SCHEMA = {
    "type": "object",
    "properties": {
        "minutes": {"type": "number", "minimum": 0},
        "seconds": {"type": "number", "minimum": 0},
        "milliseconds": {"type": "number", "minimum": 0},
    },
}


@builtin("debug:wait", schema=WAIT_SCHEMA)
def wait(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Waits the given `minutes`, `seconds` and `milliseconds` (added up, ten minutes at
    most). A dry run only logs the wait, as Backstage's dry run skips this action, so
    `playbill scaffold test` stays fast in CI."""
    seconds = (
        float(input.get("minutes") or 0) * 60
        + float(input.get("seconds") or 0)
        + float(input.get("milliseconds") or 0) / 1000
    )
    if seconds > MAX_WAIT_SECONDS:
        raise ActionError(
            f"Waiting duration of {seconds:g} seconds is longer than the maximum of "
            f"{MAX_WAIT_SECONDS} seconds (10 minutes)"
        )
    if ctx.dry_run:
        ctx.log(f"Would wait {seconds:g} seconds (dry run: not waiting)")
        return {}
    ctx.log(f"Waiting {seconds:g} seconds")
    time.sleep(seconds)
    return {}
