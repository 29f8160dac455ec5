"""Backstage's format rules for entity fields, with the texts its FieldFormat policy prints.

Each rule mirrors a function of `@backstage/catalog-model` (KubernetesValidatorFunctions,
CommonValidatorFunctions, makeValidator) closely enough to give the same verdict on every
input, including the quirks the docs get wrong: names may repeat separators (`a--b`), tags
accept `:` although the message says `[a-z0-9+#]`, namespaces are lowercase only. Regexes
use `fullmatch` because JavaScript's `$` never matches before a trailing newline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import unquote

ADR_LINK = (
    "To learn more about catalog file format, visit: "
    "https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/"
    "adr002-default-catalog-file-format.md"
)

NAME_EXPECTATION = (
    "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], "
    "at most 63 characters in total"
)
PREFIX_EXPECTATION = "a valid prefix and/or suffix"
NAMESPACE_EXPECTATION = (
    "a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total"
)
TAG_EXPECTATION = (
    "a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total"
)
KIND_EXPECTATION = (
    "a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total"
)
URL_EXPECTATION = "a string that is a valid url"
NON_EMPTY_EXPECTATION = "a non empty string"

_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_LABEL = re.compile(r"[a-z0-9]+(?:-+[a-z0-9]+)*")
_TAG = re.compile(r"[a-z0-9:+#]+(-[a-z0-9:+#]+)*")
_KIND = re.compile(r"[a-zA-Z][a-z0-9A-Z]*")
_VERSION = re.compile(r"[a-z0-9A-Z]+")


def _short(value: Any, limit: int = 63) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= limit


def is_valid_name(value: Any) -> bool:
    """`metadata.name`, the name part of label/annotation keys, and label values."""
    return _short(value) and _NAME.fullmatch(value) is not None


def is_valid_dns_label(value: Any) -> bool:
    return _short(value) and _DNS_LABEL.fullmatch(value) is not None


def is_valid_namespace(value: Any) -> bool:
    """A lowercase DNS label: `Payments` is refused although refs are case-insensitive."""
    return is_valid_dns_label(value)


def is_valid_dns_subdomain(value: Any) -> bool:
    return (
        _short(value, 253)
        and all(is_valid_dns_label(label) for label in value.split("."))
    )


def is_valid_tag(value: Any) -> bool:
    return _short(value) and _TAG.fullmatch(value) is not None


def is_valid_kind(value: Any) -> bool:
    return _short(value) and _KIND.fullmatch(value) is not None


def _prefix_and_or_suffix(
    value: Any, prefix: Callable[[str], bool], suffix: Callable[[str], bool]
) -> bool:
    """`<suffix>` or `<prefix>/<suffix>`; a second `/` is never valid."""
    if not isinstance(value, str):
        return False
    parts = value.split("/")
    if len(parts) == 1:
        return suffix(parts[0])
    if len(parts) == 2:
        return prefix(parts[0]) and suffix(parts[1])
    return False


def is_valid_api_version(value: Any) -> bool:
    return _prefix_and_or_suffix(
        value,
        is_valid_dns_subdomain,
        lambda version: _short(version) and _VERSION.fullmatch(version) is not None,
    )


def is_valid_label_key(value: Any) -> bool:
    return _prefix_and_or_suffix(value, is_valid_dns_subdomain, is_valid_name)


def is_valid_annotation_key(value: Any) -> bool:
    return _prefix_and_or_suffix(value, is_valid_dns_subdomain, is_valid_name)


def is_valid_label_value(value: Any) -> bool:
    return value == "" or is_valid_name(value)


def is_valid_annotation_value(value: Any) -> bool:
    return isinstance(value, str)


def is_non_empty_string(value: Any) -> bool:
    """Link titles and icons: blank after trimming is refused (`"   "`)."""
    return isinstance(value, str) and value.strip() != ""


# WHATWG URL parsing, reduced to the cases where `new URL(x)` throws.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_SPECIAL = {"http", "https", "ws", "wss", "ftp"}
_FORBIDDEN_HOST = set("\x00\t\n\r #/:<>?@[\\]^|")
_FORBIDDEN_DOMAIN = _FORBIDDEN_HOST | set("%\x7f") | {chr(c) for c in range(0x20)}
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def is_valid_url(value: Any) -> bool:
    """Does JavaScript's `new URL(value)` accept it (absolute URLs only)?

    `mailto:x` and `urn:x` pass, `/docs` and `example.com` fail; for http(s), ws(s) and ftp
    the host must be non-empty, free of forbidden characters and have a numeric port.
    """
    if not isinstance(value, str):
        return False
    text = value.strip(_C0_AND_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    match = _SCHEME.match(text)
    if not match:
        return False
    scheme = match.group()[:-1].lower()
    rest = text[match.end():]
    if scheme in _SPECIAL:
        return _valid_authority(rest.lstrip("/\\"), _FORBIDDEN_DOMAIN, host_required=True)
    if scheme == "file":
        return True
    if rest.startswith("//"):
        return _valid_authority(rest[2:], _FORBIDDEN_HOST, host_required=False)
    return True


def _valid_authority(rest: str, forbidden: set[str], host_required: bool) -> bool:
    authority = re.split(r"[/\\?#]" if host_required else r"[/?#]", rest, maxsplit=1)[0]
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        host, bracket, port = hostport.partition("]")
        if not bracket or (port and not port.startswith(":")):
            return False
        port = port[1:]
    else:
        host, _, port = hostport.partition(":")
    if port and (not port.isdigit() or not port.isascii() or int(port) > 65535):
        return False
    if not host:
        return not host_required
    if host.startswith("["):
        return True
    if host_required:
        host = unquote(host)
    return not any(char in forbidden for char in host)


def _memo(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """Catalogs repeat the same keys, tags and values thousands of times: remember verdicts
    on strings (bounded), check anything else directly."""
    cached = lru_cache(maxsize=65536)(check)

    def memo(value: Any) -> bool:
        return cached(value) if type(value) is str else check(value)

    return memo


@dataclass(frozen=True)
class FormatRule:
    """One Backstage validator: its check and the expectation its failure message names."""

    name: str
    check: Callable[[Any], bool]
    expectation: str
    hint: str
    code: str


NAME = FormatRule(
    "name", _memo(is_valid_name), NAME_EXPECTATION,
    "use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    "name-format",
)
NAMESPACE = FormatRule(
    "namespace", _memo(is_valid_namespace), NAMESPACE_EXPECTATION,
    "use 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    "namespace-format",
)
API_VERSION = FormatRule(
    "apiVersion", _memo(is_valid_api_version), PREFIX_EXPECTATION,
    "write it as <dns-prefix>/<version>, e.g. backstage.io/v1alpha1",
    "api-version-format",
)
KIND = FormatRule(
    "kind", _memo(is_valid_kind), KIND_EXPECTATION,
    "use a letter followed by letters and digits only, e.g. Component",
    "kind-format",
)
LABEL_KEY = FormatRule(
    "label key", _memo(is_valid_label_key), PREFIX_EXPECTATION,
    "write [<lowercase-dns-prefix>/]<name>, e.g. example.com/tier, with at most one '/'",
    "label-format",
)
LABEL_VALUE = FormatRule(
    "label value", _memo(is_valid_label_value), NAME_EXPECTATION,
    "use \"\" or 1-63 letters, digits, '-', '_' or '.' (no spaces); put free text in an "
    "annotation instead",
    "label-format",
)
ANNOTATION_KEY = FormatRule(
    "annotation key", _memo(is_valid_annotation_key), PREFIX_EXPECTATION,
    "write [<lowercase-dns-prefix>/]<name>, e.g. example.com/notes, with at most one '/'",
    "annotation-format",
)
ANNOTATION_VALUE = FormatRule(
    "annotation value", is_valid_annotation_value, "a string", "quote the value",
    "annotation-format",
)
TAG = FormatRule(
    "tag", _memo(is_valid_tag), TAG_EXPECTATION,
    "use lowercase letters, digits, ':', '+' and '#' in runs joined by single '-', "
    "at most 63 characters",
    "tag-format",
)
LINK_URL = FormatRule(
    "link url", _memo(is_valid_url), URL_EXPECTATION,
    "use an absolute URL with a scheme, e.g. https://example.com/docs or mailto:team@x.org",
    "link-format",
)
NON_EMPTY = FormatRule(
    "non-empty string", is_non_empty_string, NON_EMPTY_EXPECTATION,
    "write some text, or leave the key out",
    "link-format",
)


@dataclass(frozen=True)
class FormatViolation:
    """A field that fails its rule. `field` is Backstage's name for it (`labels.tier`,
    `links.0.url`), `path` the place in the document (for the line number)."""

    field: str
    path: tuple[str | int, ...]
    value: Any
    rule: FormatRule

    @property
    def backstage_error(self) -> str:
        """The text of the `Error` FieldFormatEntityPolicy throws."""
        if self.value is None:
            return f"{self.field} must have a value"
        return (
            f'"{self.field}" is not valid; expected {self.rule.expectation} '
            f'but found "{js_string(self.value)}". {ADR_LINK}'
        )


def js_string(value: Any) -> str:
    """How JavaScript's template strings print a JSON value (`${value}`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join("" if v is None else js_string(v) for v in value)
    return str(value)


def field_format_violations(data: dict[str, Any]) -> list[FormatViolation]:
    """Every FieldFormat failure of an entity, in the order Backstage checks them.

    Backstage stops at the first; callers may go on to show users everything at once.
    Assumes the entity schema passed (metadata is an object, labels map to strings, ...),
    but tolerates anything. Runs for every entity, so field names are only built for
    failures.
    """
    found: list[FormatViolation] = []
    metadata = data.get("metadata")
    if type(metadata) is not dict:
        metadata = {}
    for field, path, value, rule in (
        ("apiVersion", ("apiVersion",), data.get("apiVersion"), API_VERSION),
        ("kind", ("kind",), data.get("kind"), KIND),
        ("metadata.name", ("metadata", "name"), metadata.get("name"), NAME),
    ):
        if not rule.check(value):
            found.append(FormatViolation(field, path, value, rule))
    if "namespace" in metadata and not NAMESPACE.check(metadata["namespace"]):
        found.append(FormatViolation(
            "metadata.namespace", ("metadata", "namespace"), metadata["namespace"], NAMESPACE
        ))
    for section, key_rule, value_rule in (
        ("labels", LABEL_KEY, LABEL_VALUE),
        ("annotations", ANNOTATION_KEY, ANNOTATION_VALUE),
    ):
        entries = metadata.get(section)
        if type(entries) is not dict:
            continue
        for key, value in entries.items():
            key = key if type(key) is str else js_string(key)  # JSON keys are strings
            if not key_rule.check(key):
                found.append(_violation(f"{section}.{key}", (section, key), key_rule, key))
            elif not value_rule.check(value):
                found.append(_violation(f"{section}.{key}", (section, key), value_rule, value))
    tags = metadata.get("tags")
    if type(tags) is list:
        for index, tag in enumerate(tags):
            if not TAG.check(tag):
                found.append(_violation(f"tags.{index}", ("tags", index), TAG, tag))
    links = metadata.get("links")
    if type(links) is list:
        for index, link in enumerate(links):
            found.extend(_link_violations(index, link if type(link) is dict else {}))
    return found


def _link_violations(index: int, link: dict[str, Any]) -> list[FormatViolation]:
    found = []
    base = ("links", index)
    if not LINK_URL.check(link.get("url")):
        found.append(_violation(f"links.{index}.url", (*base, "url"), LINK_URL, link.get("url")))
    for key in ("title", "icon"):
        if key in link and not NON_EMPTY.check(link[key]):
            found.append(_violation(f"links.{index}.{key}", (*base, key), NON_EMPTY, link[key]))
    return found


def _violation(field: str, path: tuple, rule: FormatRule, value: Any) -> FormatViolation:
    """A violation under `metadata`, `path` relative to it."""
    return FormatViolation(field, ("metadata", *path), value, rule)
