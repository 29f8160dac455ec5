"""Entity references, parsed and written exactly as Backstage's `parseEntityRef` does."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_NAMESPACE = "default"


class RefError(ValueError):
    """A ref that Backstage would refuse; the message is Backstage's own wording."""


@dataclass(frozen=True, order=True)
class EntityRef:
    """`kind:namespace/name`, lower-cased: Backstage compares and stores refs in this form."""

    kind: str
    namespace: str
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", self.kind.lower())
        object.__setattr__(self, "namespace", self.namespace.lower())
        object.__setattr__(self, "name", self.name.lower())

    def __str__(self) -> str:
        return f"{self.kind}:{self.namespace}/{self.name}"

    @property
    def short(self) -> str:
        """The shortest unambiguous form a person would write in YAML."""
        if self.namespace == DEFAULT_NAMESPACE:
            return f"{self.kind}:{self.name}"
        return str(self)


def ref_text(kind: str, namespace: str, name: str) -> str:
    """`str(EntityRef(kind, namespace, name))`, without making one."""
    return f"{kind.lower()}:{namespace.lower()}/{name.lower()}"


def split_ref(text: str) -> tuple[str | None, str | None, str]:
    """Split `[<kind>:][<namespace>/]<name>` without defaults.

    A `/` before the first `:` cancels the kind (`a/b:c` is namespace `a`, name `b:c`), and
    the name is everything after the later separator, so it may contain `:` or `/`.
    """
    colon = text.find(":")
    slash = text.find("/")
    if slash != -1 and slash < colon:
        colon = -1
    kind = text[:colon] if colon != -1 else None
    namespace = text[colon + 1 : slash] if slash != -1 else None
    name = text[max(colon + 1, slash + 1) :]
    if kind == "" or namespace == "" or name == "":
        raise RefError(
            f'Entity reference "{text}" was not on the form [<kind>:][<namespace>/]<name>'
        )
    return kind, namespace, name


def parse_ref(
    text: str,
    default_kind: str | None = None,
    default_namespace: str = DEFAULT_NAMESPACE,
) -> EntityRef:
    """Parse a ref as written in a spec field; defaults are the field's kind and the
    referring entity's namespace. Names are never format-checked here (nor by Backstage)."""
    if not isinstance(text, str):
        raise RefError(f"Entity reference must be a string, got {type(text).__name__}")
    kind, namespace, name = split_ref(text)
    kind = kind or default_kind
    if not kind:
        raise RefError(
            f'Entity reference "{text}" had missing or empty kind '
            f'(e.g. did not start with "component:" or similar)'
        )
    return EntityRef(kind, namespace or default_namespace, name)
