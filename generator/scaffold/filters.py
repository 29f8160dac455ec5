"""The filters a Backstage template can call, with the JavaScript value semantics they have there.

Backstage renders with nunjitsu (a Nunjucks 3.2.4 subset, written in TypeScript). Its
values are JavaScript values: `null` prints as nothing, `true` as `true`, a list as
`a,b`, `1.0` as `1`, and `'a' + 1` is `a1`. Template authors rely on that, so the helpers
here give Python values the same behaviour, and the filters follow nunjitsu's standard
library (`src/runtime/builtins.ts`) rather than Jinja2's where the two disagree
(`truncate` has no leeway, `urlencode` escapes `/`, `title` splits on spaces only, ...).

Only nunjitsu's filter names plus Backstage's four defaults exist: a filter Playbill
offered beyond those would make templates that pass here fail in Backstage.
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import quote

from jinja2 import Undefined, filters as jinja_filters
from markupsafe import Markup

from generator.scaffold.backstage_filters import (
    FilterError, host_type, parse_entity_ref, parse_repo_url, pick, project_slug,
)

__all__ = ["FilterError", "host_type", "parse_entity_ref", "parse_repo_url", "pick", "project_slug"]


# --- JavaScript value semantics -------------------------------------------------------

def is_undefined(value: Any) -> bool:
    return isinstance(value, Undefined)


def js_number_text(value: float | int) -> str:
    """`String(n)` in JavaScript: integral floats have no `.0`, NaN and infinities by name."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def js_text(value: Any) -> str:
    """How a value prints inside `${{ }}`: undefined and null print as nothing."""
    if value is None or is_undefined(value):
        return ""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bool, int, float)):
        return js_number_text(value)
    if isinstance(value, (list, tuple)):
        return ",".join(js_text(item) for item in value)
    if isinstance(value, Mapping):
        return "[object Object]"
    return str(value)


def js_string(value: Any) -> str:
    """`String(value)`: like `js_text`, but undefined and null are spelled out (`+` uses it)."""
    if is_undefined(value):
        return "undefined"
    if value is None:
        return "null"
    return js_text(value)


def js_number(value: Any) -> float | int:
    """`Number(value)` for the values a template holds."""
    if is_undefined(value):
        return math.nan
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if isinstance(value, (int, float)):
        return value
    text = js_text(value).strip()
    if text == "":
        return 0
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def js_add(left: Any, right: Any) -> Any:
    """JavaScript `+`: text if either side is text or an object, numbers otherwise."""
    if any(isinstance(v, (str, list, tuple, Mapping)) for v in (left, right)):
        return js_string(left) + js_string(right)
    total = js_number(left) + js_number(right)
    return int(total) if isinstance(total, float) and total.is_integer() else total


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: every list and object is true, even an empty one."""
    if value is None or is_undefined(value):
        return False
    if isinstance(value, (list, tuple, Mapping)):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def is_truthy(value: Any) -> bool:
    """Backstage's `isTruthy` for `if`: JavaScript truthiness, except that an empty list
    is false (an empty object stays true, unlike Python)."""
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    return js_truthy(value)


def to_json(value: Any) -> Any:
    """The value `JSON.parse(JSON.stringify(value))` gives: undefined dropped from objects,
    null in arrays; integral floats become ints, markup plain text."""
    if is_undefined(value):
        return None
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items() if not is_undefined(v)}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    return value


def dump(value: Any, indent: Any = None) -> str | Undefined:
    """`JSON.stringify(value, null, indent)`: compact unless an indent is given."""
    if is_undefined(value):
        return value
    if isinstance(indent, bool) or indent is None or is_undefined(indent):
        spacing = None
    elif isinstance(indent, str):
        spacing = indent[:10] or None
    else:
        spacing = min(10, int(indent)) if indent > 0 else None
    if spacing is None:
        return json.dumps(to_json(value), ensure_ascii=False, separators=(",", ":"))
    return json.dumps(to_json(value), ensure_ascii=False, indent=spacing)


# --- Nunjucks built-ins where Jinja2's differ -----------------------------------------

def _text(value: Any, name: str) -> str:
    """A filter's text input as nunjitsu takes it: undefined, null and false are empty."""
    if value is None or value is False or is_undefined(value):
        return ""
    if isinstance(value, str):
        return str(value)
    raise FilterError(f"{name}: filter input must be a string, got {js_string(value)}")


def lower(value: Any) -> str:
    return _text(value, "lower").lower()


def upper(value: Any) -> str:
    return _text(value, "upper").upper()


def capitalize(value: Any) -> str:
    text = _text(value, "capitalize").lower()
    return text[:1].upper() + text[1:]


def title(value: Any) -> str:
    """Nunjucks capitalises each space-separated word (`foo-bar baz` -> `Foo-bar Baz`)."""
    return " ".join(capitalize(word) for word in _text(value, "title").split(" "))


def trim(value: Any) -> str:
    return _text(value, "trim").strip()


def replace(value: Any, search: Any, replacement: Any = None, maximum: Any = -1) -> Any:
    """Nunjucks `replace`: every occurrence (or the first `maximum`); an empty search puts
    the replacement between every character; non-text input is returned unchanged."""
    if not isinstance(search, (str, int, float)) or isinstance(search, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = js_text(value)
    if not isinstance(value, str):
        return value
    needle, with_text = js_text(search), js_string(replacement)
    if needle == "":
        separator = "," if replacement is None or is_undefined(replacement) else with_text
        return with_text + separator.join(value) + with_text
    if maximum == 0 or needle not in value:
        return value
    count = -1 if maximum is None or maximum == -1 else int(js_number(maximum))
    return value.replace(needle, with_text, count)


def truncate(value: Any, length: Any = 255, killwords: Any = False, end: Any = "...") -> str:
    text = _text(value, "truncate")
    length = int(js_number(length)) if length else 255
    if len(text) <= length:
        return text
    if killwords:
        cut = text[:length]
    else:
        index = text.rfind(" ", 0, length + 1)
        cut = text[: length if index < 0 else index]
    return cut + ("..." if end is None or is_undefined(end) else js_text(end))


def join(value: Any, separator: Any = ",", attribute: Any = None) -> str:
    """Nunjucks `join`: the separator defaults to `""`... unless none is given at all, where
    JavaScript's `Array.join` uses `,`; null items join as empty text."""
    if value is None or is_undefined(value):
        return ""
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, str):
        value = list(value)
    items = list(value)
    if attribute is not None and not is_undefined(attribute):
        items = [pick(item, js_text(attribute)) for item in items]
    sep = "," if separator is None or is_undefined(separator) else js_text(separator)
    return sep.join(js_text(item) for item in items)


def length(value: Any) -> Any:
    if value is None or value is False or is_undefined(value):
        return 0
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value)
    return Undefined(name="length")


def first(value: Any) -> Any:
    return _edge(value, "first", 0)


def last(value: Any) -> Any:
    return _edge(value, "last", -1)


def _edge(value: Any, name: str, index: int) -> Any:
    if value is None or is_undefined(value):
        raise FilterError(f"{name}: requires a sequence")
    if isinstance(value, (str, list, tuple)):
        return value[index] if value else Undefined(name=name)
    if isinstance(value, Mapping):
        return value.get("0") if index == 0 else Undefined(name=name)
    return Undefined(name=name)


def string(value: Any) -> str:
    if value is None or is_undefined(value):
        raise FilterError("string: requires a value")
    return js_text(value)


def safe(value: Any) -> str:
    """There is no escaping (autoescape is off), so `safe` only turns a value into text."""
    return js_text(value)


_INT_PREFIX = re.compile(r"^\s*([-+]?\d+)")
_FLOAT_PREFIX = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?Infinity)")


def to_int(value: Any, default: Any = None, base: Any = 10) -> Any:
    """`parseInt(String(value), base)`: leading digits count (`12px` -> 12), else the default."""
    text = js_string(value)
    if int(base or 10) != 10:
        match = re.match(r"^\s*([-+]?[0-9a-zA-Z]+)", text)
        try:
            return int(match.group(1), int(base)) if match else default
        except ValueError:
            return default
    match = _INT_PREFIX.match(text)
    return int(match.group(1)) if match else default


def to_float(value: Any, default: Any = None) -> Any:
    """`parseFloat(String(value))`, else the default."""
    match = _FLOAT_PREFIX.match(js_string(value))
    if not match:
        return default
    number = float(match.group(1).replace("Infinity", "inf"))
    return int(number) if number.is_integer() and not math.isinf(number) else number


def urlencode(value: Any) -> str:
    """`encodeURIComponent` for text; `k=v&…` for objects and lists of pairs."""
    if isinstance(value, str):
        return _uri_component(value)
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)):
        pairs = [tuple(item)[:2] if isinstance(item, (list, tuple)) else (item, None) for item in value]
    else:
        return ""
    return "&".join(f"{_uri_component(js_string(k))}={_uri_component(js_string(v))}" for k, v in pairs)


def _uri_component(text: str) -> str:
    return quote(text, safe="-_.!~*'()")


def list_filter(value: Any) -> list:
    """Nunjucks `list`: characters of text, `{key, value}` records of an object."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return list(value)
    if isinstance(value, Mapping):
        return [{"key": k, "value": v} for k, v in value.items()]
    raise FilterError("list: requires an iterable value")


def default(value: Any, fallback: Any = "", boolean: Any = False) -> Any:
    """`default`/`d`: only an undefined value is replaced (null stays), unless `boolean`,
    where any falsy value is (JavaScript truthiness)."""
    if boolean:
        return value if js_truthy(value) else fallback
    return fallback if is_undefined(value) else value


def reverse(value: Any) -> Any:
    if isinstance(value, str):
        return value[::-1]
    if isinstance(value, Mapping):
        return list(value.values())[::-1]
    if isinstance(value, (list, tuple)):
        return list(value)[::-1]
    return []


def random_item(value: Any) -> Any:
    if value is None or is_undefined(value):
        raise FilterError("random: requires a sequence")
    items = list(value) if isinstance(value, (str, list, tuple)) else []
    return random.choice(items) if items else Undefined(name="random")


def wordcount(value: Any) -> Any:
    text = _text(value, "wordcount")
    return len(re.findall(r"\w+", text)) if text else None


def nl2br(value: Any) -> str:
    return re.sub(r"\r\n|\n", "<br />\n", _text(value, "nl2br"))


#: Nunjucks filters Jinja2 implements the same way (apart from JS printing, which the
#: environment's finalize handles): taken from Jinja2 under the Nunjucks name.
SAME_AS_JINJA = (
    "abs", "batch", "center", "dictsort", "escape", "e", "forceescape", "groupby", "indent",
    "reject", "rejectattr", "round", "select", "selectattr", "slice", "sort", "striptags",
    "sum", "urlize",
)

def _listing(jinja_filter: Callable[..., Any]) -> Callable[..., Any]:
    """Jinja2's `select`, `batch` … return generators; Nunjucks returns arrays, which keep
    their type, have a length and print as `a,b`."""
    @functools.wraps(jinja_filter)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = jinja_filter(*args, **kwargs)
        return list(result) if isinstance(result, Iterator) else result
    return wrapper


#: Everything `${{ }}` can call, by name.
FILTERS: dict[str, Callable[..., Any]] = {
    **{name: _listing(jinja_filters.FILTERS[name]) for name in SAME_AS_JINJA},
    "capitalize": capitalize, "d": default, "default": default, "dump": dump,
    "first": first, "float": to_float, "int": to_int, "join": join, "last": last,
    "length": length, "list": list_filter, "lower": lower, "nl2br": nl2br,
    "random": random_item, "replace": replace, "reverse": reverse, "safe": safe,
    "string": string, "title": title, "trim": trim, "truncate": truncate,
    "upper": upper, "urlencode": urlencode, "wordcount": wordcount,
    # Backstage's defaults
    "parseRepoUrl": parse_repo_url, "parseEntityRef": parse_entity_ref, "pick": pick,
    "projectSlug": project_slug,
}

#: Only in cookiecutter mode: Backstage adds `jsonify` as an alias of `dump` there.
COMPAT_FILTERS: dict[str, Callable[..., Any]] = {**FILTERS, "jsonify": dump}
