"""Which scaffolder actions exist, and what an action gets to work with.

Built-in actions register themselves with `@builtin(...)` when their module is imported.
Teams add their own through the `playbill.scaffold.actions` entry point group: each entry
point names an `Action` object, a list of them, or a callable returning either. Built-ins win
over a team's action of the same id (Backstage refuses duplicate ids; we keep the run going
and let `playbill validate` tell the team), so a package can never silently replace
`publish:github`.

The runner asks `get_action` for every step before running any of them, so a template that
names an unknown action fails before it has touched anything.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

if TYPE_CHECKING:
    from generator.model.catalog import Catalog
    from generator.scaffold.github_api import GitHubClient
    from generator.scaffold.template import Template

ENTRY_POINT_GROUP = "playbill.scaffold.actions"
_BUILTIN_MODULES = ("fetch", "fs", "debug", "catalog", "github")


class ActionError(Exception):
    """An action refused its input or failed; the message is shown to the user as is."""


@runtime_checkable
class Action(Protocol):
    """What a scaffolder action is: an id and a `run` returning the step's outputs.

    `publishes` marks actions that reach outside the work folder (Git host, catalog): in a
    dry run the runner still calls them, and they must record what they would do through
    `ctx.record` instead of calling the network. `schema`, when given, is the JSON schema
    the rendered input is checked against before the step runs.
    """

    id: str

    def run(self, ctx: "ActionContext", input: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class ActionContext:
    """Everything an action may use; nothing else of the runner leaks into actions.

    `log` already masks secrets, so actions may log freely. `github` builds a REST client
    (optionally with a token given in the step input). `output` is the dry-run output
    folder. `base_dir` is where relative skeleton URLs resolve: the template's folder.
    """

    workspace: Path
    template: "Template | None" = None
    dry_run: bool = False
    log: Callable[[str], None] = lambda line: None
    secrets: dict[str, str] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)
    catalog: "Catalog | None" = None
    github: "Callable[[str | None], GitHubClient] | None" = None
    output: Path | None = None
    record: Callable[[dict[str, Any]], None] = lambda plan: None
    step_id: str = ""
    template_dir: Path | None = None
    portal_repo: str | None = None
    sources_file: Path | None = None

    @property
    def base_dir(self) -> Path:
        if self.template_dir is not None:
            return self.template_dir
        if self.template is not None:
            return Path(self.template.path).parent
        raise ActionError("this action needs the template's folder, and none is known")

    def github_client(self, token: str | None = None) -> "GitHubClient":
        if self.github is None:
            from generator.scaffold.github_api import GitHubClient

            return GitHubClient.from_env(token)
        return self.github(token)


@dataclass(frozen=True)
class BuiltinAction:
    """A built-in action: a plain function plus what the registry needs to know of it."""

    id: str
    handler: Callable[[ActionContext, dict[str, Any]], dict[str, Any] | None]
    description: str = ""
    schema: dict[str, Any] | None = None
    publishes: bool = False

    def run(self, ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
        return self.handler(ctx, input) or {}


_BUILTINS: dict[str, BuiltinAction] = {}


def builtin(
    id: str, schema: dict[str, Any] | None = None, publishes: bool = False
) -> Callable[[Callable], Callable]:
    """Register the decorated function as built-in action `id`; its docstring describes it."""

    def register(handler: Callable) -> Callable:
        doc = (handler.__doc__ or "").strip().split("\n\n")[0]
        _BUILTINS[id] = BuiltinAction(id, handler, " ".join(doc.split()), schema, publishes)
        return handler

    return register


def _load_builtins() -> dict[str, BuiltinAction]:
    for name in _BUILTIN_MODULES:
        importlib.import_module(f"generator.scaffold.actions.{name}")
    return _BUILTINS


@lru_cache(maxsize=1)
def plugin_actions() -> dict[str, Action]:
    """Actions from installed packages' entry points, by id (cached: call
    `plugin_actions.cache_clear()` after installing one at run time)."""
    found: dict[str, Action] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        for action in _as_actions(point.load()):
            found.setdefault(action.id, action)
    return found


def _as_actions(value: Any) -> list[Action]:
    """An entry point may name an action, a list of them, or a factory of either."""
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _as_actions(v)]
    if isinstance(value, type):  # a class: its instance is the action
        return _as_actions(value())
    if isinstance(value, Action) and isinstance(getattr(value, "id", None), str):
        return [value]
    if callable(value):
        return _as_actions(value())
    raise TypeError(f"entry point of group {ENTRY_POINT_GROUP} gave {value!r}, not an action")


def get_action(id: str) -> Action | None:
    """The action `id`, built-in first, then teams' own; None when nobody provides it."""
    builtins = _load_builtins()
    if id in builtins:
        return builtins[id]
    return plugin_actions().get(id)


def available_actions() -> list[str]:
    """Every action id a template may use, sorted."""
    return sorted({*_load_builtins(), *plugin_actions()})


def is_publishing(action: Action) -> bool:
    return bool(getattr(action, "publishes", False))
