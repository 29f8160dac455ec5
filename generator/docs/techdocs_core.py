"""What the `techdocs-core` plugin name stands for, as Backstage users expect it.

Playbill does not install mkdocs-techdocs-core (it pins an older Markdown and
mkdocs-material); it expands the name into what that plugin's `on_config` adds, read from
mkdocs-techdocs-core 1.7.1 (see ../shared/spec/techdocs.md, C1): the plugins, the
material theme with two features and an empty palette, and the Markdown extensions in
their order, with their options. A user's own options for one of these extensions are
merged over ours, as `dict.update` does there; `pymdownx.snippets` always keeps
`restrict_base_path: true`.
"""

from __future__ import annotations

from typing import Any

NAME = "techdocs-core"

#: Plugins techdocs-core injects (the built-in lunr search unless material's is asked for).
PLUGINS = ("search", "monorepo", "gh-admonitions")

THEME_FEATURES = ("navigation.footer", "content.action.edit")

#: (extension, options), in the order techdocs-core appends them.
EXTENSIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("toc", {"permalink": True}),
    ("admonition", {}),
    ("pymdownx.details", {}),
    ("pymdownx.tabbed", {"alternate_style": True}),
    ("pymdownx.caret", {}),
    ("pymdownx.critic", {}),
    ("pymdownx.emoji", {"emoji_generator": "!!python/name:material.extensions.emoji.to_svg"}),
    ("pymdownx.inlinehilite", {}),
    ("pymdownx.magiclink", {}),
    ("pymdownx.mark", {}),
    ("pymdownx.smartsymbols", {}),
    ("pymdownx.snippets", {"restrict_base_path": True}),
    ("pymdownx.highlight", {"linenums": True, "pygments_lang_class": True}),
    ("pymdownx.extra", {"pymdownx.betterem": {"smart_enable": "all"}}),
    ("pymdownx.tasklist", {"custom_checkbox": True}),
    ("pymdownx.tilde", {}),
    ("markdown_inline_graphviz", {}),
    ("plantuml_markdown", {}),
    ("mdx_truly_sane_lists", {}),
)

#: With `use_pymdownx_blocks: true`, these replace admonition, details and tabbed.
BLOCK_EXTENSIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("pymdownx.blocks.admonition", {"types": [
        "new", "settings", "note", "abstract", "info", "tip", "success", "question",
        "warning", "failure", "danger", "bug", "example", "quote"]}),
    ("pymdownx.blocks.details", {"types": [
        {"name": f"details-{kind}", "class": kind} for kind in (
            "new", "settings", "note", "abstract", "info", "tip", "success", "question",
            "warning", "failure", "danger", "bug", "example", "quote")]}),
    ("pymdownx.blocks.tab", {"alternate_style": True}),
)

#: Members of pymdownx.extra: their options move under `pymdownx.extra`.
EXTRA_MEMBERS = ("pymdownx.betterem", "pymdownx.superfences", "footnotes", "attr_list",
                 "def_list", "tables", "abbr", "md_in_html")


def extensions(use_blocks: bool) -> list[tuple[str, dict[str, Any]]]:
    """The bundle's extensions, default or blocks flavour, as fresh option dicts."""
    chosen = list(EXTENSIONS)
    if use_blocks:
        chosen[1:4] = BLOCK_EXTENSIONS
    return [(name, _copy(options)) for name, options in chosen]


def merge_extensions(user: list[tuple[str, dict[str, Any]]], use_blocks: bool
                     ) -> list[tuple[str, dict[str, Any]]]:
    """The user's own extensions, then the bundle's, each once. The user's options for a
    bundled extension are merged over the bundle's defaults; options for a member of
    pymdownx.extra move under it, as techdocs-core does."""
    given = dict(user)
    extra = {member: given.pop(member) for member in EXTRA_MEMBERS if given.get(member)}
    bundled = extensions(use_blocks)
    names = {name for name, _ in bundled}
    merged = [(name, options) for name, options in given.items() if name not in names]
    for name, defaults in bundled:
        options = {**defaults, **given.get(name, {})}
        if name == "pymdownx.extra":
            options.update(extra)
        if name == "pymdownx.snippets":
            options["restrict_base_path"] = True
        merged.append((name, options))
    return merged


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
