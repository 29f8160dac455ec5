"""Backstage's `${{ … }}` templating on Jinja2: what steps, `if`, `each`, output and
skeleton files are rendered with.

Backstage renders with nunjitsu, a Nunjucks subset. Nunjucks and Jinja2 share a grammar,
so Jinja2 does the parsing; the differences template authors meet are papered over here
and in `filters`:

- values behave as JavaScript values (printing, `+`, `.length`, lookups of missing keys
  give undefined all the way down instead of raising);
- `===`/`!==`, `null`, unquoted object keys (`{ defaultKind: "group" }`), `elseif`, and
  `for k, v in object` are Nunjucks syntax Jinja2 lacks;
- JavaScript operators Nunjucks does *not* accept (`&&`, `||`, `!`, `a ? b : c`) are
  refused with a hint, since Backstage refuses them too;
- a string that is exactly one expression keeps the value's type, an empty result is
  left out (the runner's `renderValue` JSON coercion).

Unlike Backstage, which leaves a string that failed to render as it was, a failing
expression raises `RenderError` naming it: a scaffold run should stop, not publish text
with `${{` in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from jinja2 import TemplateSyntaxError, nodes

from generator.scaffold.filters import COMPAT_FILTERS, FILTERS, is_truthy, is_undefined, js_text, to_json
from generator.scaffold.nunjucks import (
    JS_HINTS, environment, expression, javascript_operator, spans, template,
)

SECRET_MASK = "***"
_UNSET = object()  # a rendered value Backstage would leave out (undefined)


class RenderError(ValueError):
    """An expression that could not be rendered; the message names it (secrets masked)."""


# --- finding and checking ----------------------------------------------------------

def expressions_in(value: Any) -> list[str]:
    """Every `${{ … }}` in a value (strings inside dicts and lists too), as written."""
    if isinstance(value, str):
        return [value[a:b] for a, b in spans(value)]
    if isinstance(value, Mapping):
        return [e for item in value.values() for e in expressions_in(item)]
    if isinstance(value, (list, tuple)):
        return [e for item in value for e in expressions_in(item)]
    return []


def check_expression(text: str, cookiecutter_compat: bool = False) -> str | None:
    """Why `text` (a value as written in a template, `${{ }}` and all) would not parse,
    or None. Unknown filters are not parse errors (installations add their own); see
    `unknown_filters`."""
    start = "{{" if cookiecutter_compat else "${{"
    for a, b in spans(text, start):
        problem = _expression_problem(text[a:b], start)
        if problem:
            return problem
    try:
        environment(cookiecutter_compat).parse(text)
    except TemplateSyntaxError as err:
        return _syntax_message(err, text)
    return None


def _expression_problem(snippet: str, start: str) -> str | None:
    if not snippet.endswith("}}"):
        return f"{snippet.strip()!s}: the expression is not closed with }}}}"
    operator = javascript_operator(snippet[len(start):-2])
    if operator:
        return f"{snippet}: {JS_HINTS[operator]}"
    return None


def _syntax_message(err: TemplateSyntaxError, text: str) -> str:
    where = f" (line {err.lineno})" if text.count("\n") and err.lineno else ""
    return f"{err.message}{where}"


def filters_in(text: str, cookiecutter_compat: bool = False) -> list[str]:
    """Names of the filters a template string calls, in order, once each."""
    try:
        tree = environment(cookiecutter_compat).parse(text)
    except TemplateSyntaxError:
        return []
    found = [node.name for node in tree.find_all(nodes.Filter)]
    return list(dict.fromkeys(reversed(found)))  # a chain is found outermost first


def unknown_filters(text: str, cookiecutter_compat: bool = False) -> list[str]:
    """Filters a template calls that neither Backstage nor nunjitsu define (an
    installation may add them; Playbill cannot run them)."""
    known = COMPAT_FILTERS if cookiecutter_compat else FILTERS
    return [name for name in filters_in(text, cookiecutter_compat) if name not in known]


_STATUS_CALL = re.compile(r"\b(always|failure)\s*\(\s*\)")


def calls_status_function(condition: Any) -> bool:
    """Whether an `if` calls `always()` or `failure()`, so it runs after a failed step."""
    return isinstance(condition, str) and any(
        _STATUS_CALL.search(e) for e in expressions_in(condition))


# --- rendering -------------------------------------------------------------------------

@dataclass
class _Redactions:
    """Text that must never be shown: secret values and what was rendered from them."""

    values: set[str]

    def mask(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, SECRET_MASK)
        return text


class Renderer:
    """Renders template values against one context (`parameters`, `steps`, `user`, `each`,
    … and `secrets`, given apart so they can be masked and left out where Backstage does).

    `failed` says whether a step has failed already; `failure()` returns it in `if`.
    """

    def __init__(
        self, context: Mapping[str, Any], secrets: Mapping[str, Any] | None = None,
        cookiecutter_compat: bool = False, *, trim_blocks: bool = False,
        lstrip_blocks: bool = False, failed: bool = False,
        _redactions: _Redactions | None = None,
    ) -> None:
        self.context = {k: v for k, v in context.items() if k != "secrets"}
        self.secrets = dict(secrets or {})
        self.cookiecutter_compat = cookiecutter_compat
        self.failed = failed
        self._options = (cookiecutter_compat, trim_blocks, lstrip_blocks)
        self._env = environment(*self._options)
        secret_texts = {js_text(v) for v in self.secrets.values()} - {"", SECRET_MASK}
        self._redactions = _redactions or _Redactions(set())
        self._redactions.values.update(secret_texts)

    # variations ------------------------------------------------------------------------

    def _derive(self, context: Mapping[str, Any], secrets: Mapping[str, Any]) -> "Renderer":
        compat, trim, lstrip = self._options
        return Renderer(context, secrets, compat, trim_blocks=trim, lstrip_blocks=lstrip,
                        failed=self.failed, _redactions=self._redactions)

    def with_context(self, **extra: Any) -> "Renderer":
        """The same renderer with more variables (`each`, `values`, `steps` …); masking is shared."""
        return self._derive({**self.context, **extra}, self.secrets)

    def without_secrets(self) -> "Renderer":
        """For the template `output`, which Backstage renders without secrets."""
        return self._derive(self.context, {})

    def redacted(self) -> "Renderer":
        """Secrets replaced by `***`: what a dry run shows and uses."""
        return self._derive(self.context, {k: SECRET_MASK for k in self.secrets})

    def options(self, *, cookiecutter_compat: bool | None = None, trim_blocks: bool | None = None,
                lstrip_blocks: bool | None = None) -> "Renderer":
        """The same values with other engine options (fetch:template's inputs)."""
        compat, trim, lstrip = self._options
        return Renderer(
            self.context, self.secrets,
            compat if cookiecutter_compat is None else cookiecutter_compat,
            trim_blocks=trim if trim_blocks is None else trim_blocks,
            lstrip_blocks=lstrip if lstrip_blocks is None else lstrip_blocks,
            failed=self.failed, _redactions=self._redactions,
        )

    # the work ----------------------------------------------------------------------------

    def render(self, value: Any) -> Any:
        """Render every string in `value` (dicts and lists too). A string that is exactly one
        expression keeps the result's type; a string rendering to nothing is left out of
        its dict (None at the top or in a list)."""
        result = self._value(value, self._variables(self.secrets))
        if self.secrets and _mentions_secrets(value):
            self._learn_redactions(value, result)
        return None if result is _UNSET else result

    def render_text(self, text: str) -> str:
        """Render a whole text (a skeleton file, a file name): always text."""
        source = text
        self._check_operators(source)
        try:
            rendered = template(self._env, source).render(self._variables(self.secrets))
        except RenderError:
            raise
        except Exception as err:  # any engine or filter failure names the text
            raise RenderError(self.mask(_failure(err, _first_line(source)))) from None
        if self.secrets and "secrets" in source:
            self._learn_redactions(text, rendered)
        return rendered

    def evaluate_condition(self, expr: Any, failed: bool | None = None) -> bool:
        """Whether a step's `if` holds: `false` and falsy renderings skip, no `if` runs.
        `always()` is true and `failure()` says whether a step has failed."""
        if expr is None:
            return True
        if isinstance(expr, bool):
            return expr
        renderer = self if failed is None else self._with_failed(failed)
        return is_truthy(renderer.render(expr))

    def _with_failed(self, failed: bool) -> "Renderer":
        other = self._derive(self.context, self.secrets)
        other.failed = failed
        return other

    def mask(self, text: str) -> str:
        """`text` with every secret value, and every value rendered from one, as `***`."""
        return self._redactions.mask(text)

    # internals ---------------------------------------------------------------------------

    def _variables(self, secrets: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.context, "secrets": dict(secrets),
                "always": lambda: True, "failure": lambda: self.failed}

    def _value(self, value: Any, variables: dict[str, Any]) -> Any:
        if isinstance(value, str):
            return self._string(value, variables)
        if isinstance(value, Mapping):
            rendered = ((k, self._value(v, variables)) for k, v in value.items())
            return {k: v for k, v in rendered if v is not _UNSET}
        if isinstance(value, (list, tuple)):
            return [None if v is _UNSET else v for v in (self._value(i, variables) for i in value)]
        return value

    def _string(self, text: str, variables: dict[str, Any]) -> Any:
        start = self._env.variable_start_string
        if text == "":
            return _UNSET  # Backstage leaves empty strings out like undefined ones
        if start not in text and "{%" not in text and "{#" not in text:
            return text
        self._check_operators(text)
        found = spans(text, start)
        try:
            if len(found) == 1 and found[0] == (0, len(text)) and text.endswith("}}"):
                result = expression(self._env, text[len(start):-2])(**variables)
                return _UNSET if is_undefined(result) else to_json(result)
            rendered = template(self._env, text).render(variables)
        except RenderError:
            raise
        except Exception as err:
            raise RenderError(self.mask(_failure(err, text))) from None
        return _UNSET if rendered == "" else rendered

    def _check_operators(self, text: str) -> None:
        start = self._env.variable_start_string
        for a, b in spans(text, start):
            problem = _expression_problem(text[a:b], start)
            if problem:
                raise RenderError(self.mask(problem))

    def _learn_redactions(self, value: Any, rendered: Any) -> None:
        """Backstage's trick: render again without secrets; whatever differs was built
        from a secret and is masked from now on."""
        try:
            if isinstance(value, str) and not isinstance(rendered, (dict, list)):
                plain = self._derive(self.context, {})._plain_text(value)
            else:
                plain = self._value(value, self._variables({}))
        except RenderError:
            plain = None
        self._redactions.values.update(
            s for s in _changed_strings(rendered, plain) if s and s != SECRET_MASK)

    def _plain_text(self, value: str) -> Any:
        return self._value(value, self._variables({}))


def _mentions_secrets(value: Any) -> bool:
    return any("secrets" in e for e in expressions_in(value)) or (
        isinstance(value, str) and "{%" in value and "secrets" in value)


def _changed_strings(with_secrets: Any, without: Any) -> list[str]:
    if isinstance(with_secrets, str):
        return [with_secrets] if with_secrets != without else []
    if isinstance(with_secrets, list):
        other = without if isinstance(without, list) else []
        return [s for i, v in enumerate(with_secrets)
                for s in _changed_strings(v, other[i] if i < len(other) else None)]
    if isinstance(with_secrets, dict):
        other = without if isinstance(without, dict) else {}
        return [s for k, v in with_secrets.items() for s in _changed_strings(v, other.get(k))]
    return []


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= 120 else line[:117] + "..."


def _failure(err: Exception, where: str) -> str:
    message = err.message if isinstance(err, TemplateSyntaxError) else str(err)
    if type(err).__name__ == "TemplateAssertionError" and message.startswith("No filter named"):
        name = message.split("'")[1] if "'" in message else message
        message = f"filter not found: {name} (not a Backstage or Nunjucks filter)"
    return f"{where}: {message or type(err).__name__}"
