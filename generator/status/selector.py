"""Kubernetes label selectors as kubectl writes them, for recordings (and their tests).

A live cluster filters on its side (`?labelSelector=`); a recording is filtered here with
the same grammar: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined
by commas. Requirements are ANDed, as in `k8s.io/apimachinery/pkg/labels`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(in|notin)\s*\(([^)]*)\)\s*)?$")
_EQ = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


class SelectorError(ValueError):
    """A selector that does not parse; the message quotes the bad part."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "in", "notin", "exists", "!"
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "exists":
            return self.key in labels
        if self.operator == "!":
            return self.key not in labels
        if self.operator == "in":
            return labels.get(self.key) in self.values
        return labels.get(self.key) not in self.values  # notin: a missing key matches


def parse(selector: str) -> tuple[Requirement, ...]:
    """Requirements of `selector`; raises SelectorError for text that is not one."""
    return tuple(_requirement(part) for part in _split(selector) if part.strip())


def matches(selector: str, labels: Mapping[str, str] | None) -> bool:
    labels = labels or {}
    return all(req.matches(labels) for req in parse(selector))


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses (`a in (x,y),b=c` is two requirements)."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _requirement(text: str) -> Requirement:
    equal = _EQ.match(text)
    if equal:
        key, operator, value = equal.groups()
        return Requirement(key, "notin" if operator == "!=" else "in", frozenset({value}))
    found = _SET.match(text)
    if not found:
        raise SelectorError(f"`{text.strip()}` is not a label selector requirement")
    negated, key, operator, values = found.groups()
    if operator:
        if negated:
            raise SelectorError(f"`{text.strip()}`: `!` cannot go with `{operator}`")
        return Requirement(key, operator, frozenset(v.strip() for v in values.split(",")))
    return Requirement(key, "!" if negated else "exists")
