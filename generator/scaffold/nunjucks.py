"""The Nunjucks dialect Backstage templates are written in, on Jinja2's engine.

Nunjucks and Jinja2 share a grammar, so Jinja2 parses and runs; this module closes the
gaps template authors meet (see `expressions` for the list) and finds `${{ … }}` in text
the way the Nunjucks lexer does.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Iterator, Mapping

from jinja2 import ChainableUndefined
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.sandbox import SandboxedEnvironment

from generator.scaffold.filters import COMPAT_FILTERS, FILTERS, is_undefined, js_add, js_text, js_truthy


class _Undefined(ChainableUndefined):
    """Nunjucks' undefined: prints as nothing, and looking into it gives undefined again."""

    __slots__ = ()

    def __str__(self) -> str:
        return ""


# --- finding expressions ---------------------------------------------------------------

def spans(text: str, start: str = "${{", end: str = "}}") -> list[tuple[int, int]]:
    """(begin, end) of every `${{ … }}` in `text`, delimiters included. As in the Nunjucks
    lexer, the expression ends at the first `}}` outside a quoted string; an unclosed one
    runs to the end of the text."""
    found = []
    index = text.find(start)
    while index != -1:
        close = closing(text, index + len(start), end)
        found.append((index, close))
        index = text.find(start, close)
    return found


def closing(text: str, index: int, end: str) -> int:
    quote = None
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif text.startswith(end, index):
            return index + len(end)
        index += 1
    return len(text)


JS_HINTS = {
    "&&": "`&&` is JavaScript; Nunjucks (and so Backstage) has no such operator: use `and`",
    "||": "`||` is JavaScript; Nunjucks (and so Backstage) reads it as a filter: use `or`",
    "!": "`!` is JavaScript; Nunjucks (and so Backstage) has no such operator: use `not`",
    "?": "`a ? b : c` is JavaScript; Nunjucks (and so Backstage) has no such operator: "
         "use `b if a else c`",
}


def javascript_operator(code: str) -> str | None:
    """The first JavaScript-only operator in expression code, outside string literals."""
    quote = None
    index = 0
    while index < len(code):
        char = code[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif code.startswith("&&", index) or code.startswith("||", index):
            return code[index:index + 2]
        elif char == "!" and not code.startswith("!=", index):
            return "!"
        elif char == "?":
            return "?"
        index += 1
    return None


# --- Nunjucks syntax on Jinja2 ---------------------------------------------------------

class _NunjucksSyntax(Extension):
    """Rewrites the token stream so Nunjucks-only syntax means what it means there."""

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        tokens = list(stream)
        return _for_pairs(_object_keys(_simple_rewrites(tokens)))


def _simple_rewrites(tokens: list[Token]) -> list[Token]:
    """`===` -> `==`, `!==` -> `!=`, `null` -> `none`, `{% elseif %}` -> `{% elif %}`."""
    out: list[Token] = []
    for token in tokens:
        previous = out[-1] if out else None
        if token.type == "assign" and previous and previous.type in ("eq", "ne"):
            continue
        if token.type == "name" and token.value == "null" and not (previous and previous.type == "dot"):
            token = Token(token.lineno, "name", "none")
        if token.type == "name" and token.value == "elseif" and previous and previous.type == "block_begin":
            token = Token(token.lineno, "name", "elif")
        out.append(token)
    return out


def _object_keys(tokens: list[Token]) -> list[Token]:
    """`{ defaultKind: "group" }`: a bare name as an object key is the key's text, not a
    variable (JavaScript object literal syntax, which Nunjucks accepts)."""
    out: list[Token] = []
    opened: list[str] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        previous = out[-1] if out else None
        if (token.type == "name" and opened and opened[-1] == "lbrace"
                and previous and previous.type in ("lbrace", "comma")
                and following and following.type == "colon"):
            token = Token(token.lineno, "string", token.value)
        if token.type in ("lbrace", "lbracket", "lparen"):
            opened.append(token.type)
        elif token.type in ("rbrace", "rbracket", "rparen") and opened:
            opened.pop()
        out.append(token)
    return out


def _for_pairs(tokens: list[Token]) -> Iterator[Token]:
    """`{% for k, v in obj %}` iterates an object's entries in Nunjucks; Jinja2 would
    iterate its keys, so the iterable is wrapped in the `_pairs` filter."""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        yield token
        index += 1
        if not (token.type == "name" and token.value == "for" and index >= 2
                and tokens[index - 2].type == "block_begin"):
            continue
        targets = []
        while index < len(tokens) and not (tokens[index].type == "name" and tokens[index].value == "in"):
            targets.append(tokens[index])
            index += 1
        yield from targets
        if index >= len(tokens) or not any(t.type == "comma" for t in targets):
            continue
        yield tokens[index]
        index += 1
        line = tokens[index - 1].lineno
        yield Token(line, "lparen", "(")
        depth = 0
        while index < len(tokens):
            current = tokens[index]
            if depth == 0 and (current.type == "block_end" or (
                    current.type == "name" and current.value in ("if", "recursive"))):
                break
            depth += current.type in ("lparen", "lbracket", "lbrace")
            depth -= current.type in ("rparen", "rbracket", "rbrace")
            yield current
            index += 1
        yield from (Token(line, "rparen", ")"), Token(line, "pipe", "|"), Token(line, "name", "_pairs"))


def _pairs(value: Any) -> Any:
    return list(value.items()) if isinstance(value, Mapping) else value


_DATA = (str, int, float, bool, list, tuple, type(None))


class _Environment(SandboxedEnvironment):
    """Jinja2 with Backstage's delimiters, filters, and JavaScript lookups and `+`."""

    intercepted_binops = frozenset(["+"])

    def __init__(self, compat: bool, trim_blocks: bool, lstrip_blocks: bool) -> None:
        super().__init__(
            variable_start_string="{{" if compat else "${{", variable_end_string="}}",
            autoescape=False, undefined=_Undefined, finalize=js_text,
            keep_trailing_newline=True, extensions=[_NunjucksSyntax],
            trim_blocks=trim_blocks, lstrip_blocks=lstrip_blocks,
        )
        self.compat = compat
        self.filters = {**(COMPAT_FILTERS if compat else FILTERS), "_pairs": _pairs}
        self.tests.update({"null": lambda v: v is None, "truthy": js_truthy,
                           "falsy": lambda v: not js_truthy(v)})
        self.policies["urlize.rel"] = None  # Nunjucks adds no rel attribute
        for name in ("dict", "lipsum", "namespace"):
            self.globals.pop(name, None)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`a.b` as in JavaScript: a key of an object, `length` of a list or text; nothing
        else (no Python methods), except in cookiecutter mode, which is Jinja2's home."""
        if is_undefined(obj):
            return obj
        if isinstance(obj, Mapping):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if attribute == "length" and isinstance(obj, (str, list, tuple)):
            return len(obj)
        if self.compat or not isinstance(obj, _DATA):
            return super().getattr(obj, attribute)  # the engine's own: loop, cycler …
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """`a['b']` and `a[0]`: keys are text in JavaScript, indexes never negative."""
        if is_undefined(obj) or obj is None:
            return self.undefined(obj=obj, name=str(argument))
        if isinstance(obj, Mapping):
            key = js_text(argument) if not isinstance(argument, str) else argument
            return obj[key] if key in obj else self.undefined(obj=obj, name=key)
        if isinstance(obj, (str, list, tuple)):
            if isinstance(argument, slice) or self.compat:
                return super().getitem(obj, argument)
            if isinstance(argument, str):
                if argument == "length":
                    return len(obj)
                argument = int(argument) if argument.isdigit() else -1
            if isinstance(argument, int) and not isinstance(argument, bool) and 0 <= argument < len(obj):
                return obj[argument]
            return self.undefined(obj=obj, name=str(argument))
        return super().getitem(obj, argument) if self.compat else self.undefined(obj=obj)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "+":
            return js_add(left, right)
        return super().call_binop(context, operator, left, right)


@functools.lru_cache(maxsize=8)
def environment(compat: bool = False, trim_blocks: bool = False, lstrip_blocks: bool = False) -> _Environment:
    return _Environment(compat, trim_blocks, lstrip_blocks)


@functools.lru_cache(maxsize=4096)
def template(env: _Environment, source: str) -> Any:
    return env.from_string(source)


@functools.lru_cache(maxsize=4096)
def expression(env: _Environment, code: str) -> Callable[..., Any]:
    return env.compile_expression(code, undefined_to_none=False)
