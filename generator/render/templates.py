"""The Jinja2 environment every page is rendered with.

Templates are data: `site_templates/` (next to the `generator` package) holds every byte
of HTML, CSS and JS the portal emits. A user's own folder is searched first, so a file of
the same name there replaces ours (mkdocs' `custom_dir`). Render workers are forked from
the process that built the environment and compiled the page templates, and render with
their own copies of them.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, Iterable

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache
from jinja2.compiler import CodeGenerator
from jinja2.runtime import Context, Macro
from markupsafe import Markup, escape

try:
    from markupsafe import _escape_inner  # markupsafe 3: the C escape, without a Markup
except ImportError:  # pragma: no cover - another markupsafe
    def _escape_inner(text: str) -> str:
        return str(escape(text))

from generator import __version__
from generator.model.catalog import ref_key
from generator.site_paths import BUILTIN_TEMPLATES, entity_url, ref_parts, template_folders


_SAFE_SCHEMES = ("http://", "https://", "mailto:", "ftp://", "ssh://", "git://")


def make_environment(
    user_folder: Path | None = None,
    strict: bool = False,
    existing: frozenset[str] = frozenset(),
) -> jinja2.Environment:
    """An autoescaping environment with the portal's globals and filters.

    `existing` is the set of refs that have a page, so templates can tell a link from a
    dangling reference. `strict` turns undefined variables into errors (tests use it so a
    typo in a template fails loudly instead of rendering an empty string).
    """
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(folder)) for folder in template_folders(user_folder)]
    )
    env = PageEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined if strict else jinja2.Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build never sees a template change; skip a stat per include
        cache_size=-1,
        bytecode_cache=BuiltinBytecodeCache(),
    )
    env.globals.update(
        entity_url=entity_url,
        has_page=PageQueries(existing),
        ref_items=ref_items,
        ref_lines=ref_lines,
        link_html=link_html,
        more_line=more_line,
        playbill_version=__version__,
    )
    env.filters.update(
        entity_url=entity_url,
        safe_url=safe_url,
        ref_name=ref_name,
        ref_kind=ref_kind,
        short_ref=short_ref,
        kind_class=kind_class,
    )
    return env


class BuiltinBytecodeCache(FileSystemBytecodeCache):
    """Our own templates, compiled once and kept beside them in `__pycache__`, as Python
    keeps compiled modules beside their source: compiling the 23 templates a build uses
    took 0.15 s of every build, loading them takes 0.004 s. Only templates of our folder:
    a user's folder is theirs, and a cache folder elsewhere (one CI restores, say) could
    hold code we did not write. Where the folder cannot be written (an installation
    owned by another user), templates are compiled as before, on every build.

    A compiled template is found by its name and file, this module's source (which
    holds the code generator) and the settings the environment compiles with; Jinja
    then checks its own version and the template's source."""

    def __init__(self, templates: Path | None = None) -> None:
        self.templates = (templates or BUILTIN_TEMPLATES).resolve()
        super().__init__(str(self.templates / "__pycache__"), "%s.jinja")

    def get_bucket(self, environment: jinja2.Environment, name: str,
                   filename: str | None, source: str) -> Bucket:
        if filename is None or not Path(filename).resolve().is_relative_to(self.templates):
            return _Unkept(environment, "", self.get_source_checksum(source))
        key = self.get_cache_key(f"{name}|{_compiler_key(environment)}", filename)
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:  # unreadable: compiled as if it were not there
            bucket.reset()

    def set_bucket(self, bucket: Bucket) -> None:
        if isinstance(bucket, _Unkept):
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            self.dump_bytecode(bucket)
        except OSError:
            pass  # a read-only installation: compiled again next build


class _Unkept(Bucket):
    """A bucket for a template that is not ours: compiled on every build, never kept."""


@lru_cache(maxsize=None)
def _compiler_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _compiler_key(env: jinja2.Environment) -> str:
    """What decides the code a template compiles to, besides its source and Jinja."""
    settings = (env.autoescape, env.trim_blocks, env.lstrip_blocks,
                env.keep_trailing_newline, env.newline_sequence, env.optimized,
                env.block_start_string, env.block_end_string, env.variable_start_string,
                env.variable_end_string, env.comment_start_string, env.comment_end_string,
                env.line_statement_prefix, env.line_comment_prefix, sorted(env.extensions),
                env.code_generator_class.__qualname__)
    return f"{_compiler_digest()}|{settings!r}"


def escape_text(value: Any) -> str:
    """markupsafe's `escape` as plain text: what `{{ value }}` writes, and what markup
    made in Python puts into an f-string. It does not make a plain string a `Markup`
    first (or copy one that is): a page is joined into one string, so its pieces need
    not be marked safe."""
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is Markup:
        return value
    if kind is int or kind is float:
        return str(value)  # digits, a sign, a point, an exponent: nothing to escape
    return escape(value)


class _PageCodeGenerator(CodeGenerator):
    """Jinja's code generator, writing `{{ value }}` as `escape_text(value)` where it
    would write `escape(value)`, and an output statement's pieces as one yield.
    `_output_child_pre` and `visit_Output` are Jinja 3.1's own steps for those;
    tests/test_render_environment.py fails if a Jinja release moves or changes them."""

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("escape_text(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)

    def visit_Template(self, node: Any, eval_ctx: Any = None) -> None:
        super().visit_Template(node, eval_ctx)
        self.writeline("escape_text = environment.escape_text")

    def visit_Output(self, node: Any, frame: Any) -> None:
        # Jinja yields each piece of `<a href="{{ url }}">{{ name }}</a>` on its own, and
        # each including template takes every piece and yields it again. Collected into a
        # list (as Jinja does in a macro) and yielded joined, a statement costs one yield.
        if frame.buffer is not None or frame.require_output_check or len(node.nodes) < 2:
            super().visit_Output(node, frame)
            return
        pieces = self.temporary_identifier()
        self.writeline(f"{pieces} = []")
        frame.buffer = pieces
        try:
            super().visit_Output(node, frame)
        finally:
            frame.buffer = None
        self.writeline(f"yield ''.join({pieces})")


_DICT_NAMES = frozenset(dir(dict))


#: Callables Jinja calls as they are unless marked `pass_context` and the like (a
#: `jinja_pass_arg` attribute): functions, methods and macros.
_PLAIN_CALLABLES = frozenset((FunctionType, BuiltinFunctionType, MethodType, Macro))


class PageContext(Context):
    """Jinja's context, calling a plain function or macro given no keyword arguments
    straight away. Jinja's own `call` first looks for `__call__` and two markers (three
    attribute lookups) on every call a template makes: about two dozen a page."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # Jinja's names
        if type(__obj) in _PLAIN_CALLABLES and not kwargs and not hasattr(
                __obj, "jinja_pass_arg"):
            try:
                return __obj(*args)
            except StopIteration:  # as Jinja does
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class PageEnvironment(jinja2.Environment):
    """Jinja's environment, faster at what every page does hundreds of times. Its
    globals are all set when it is made (see `make_globals`)."""

    code_generator_class = _PageCodeGenerator
    context_class = PageContext
    escape_text = staticmethod(escape_text)

    def make_globals(self, d: Any) -> dict[str, Any]:
        # Jinja makes a template's globals a ChainMap over the environment's, which every
        # render and include copies key by key in Python (into its context, and into the
        # set of global names). A plain copy keeps a template's own globals its own.
        return {**self.globals, **(d or {})}

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `entity.spec.owner` on a dict: Jinja asks for the attribute first and catches
        # the AttributeError, on every lookup. A dict has no attribute but its class's.
        if type(obj) is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # Jinja's first step, here to save a call for every other object
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)


class PageQueries:
    """The `has_page(ref)` global, remembering what it was asked since `asked` was last
    cleared: whether some other entity has a page is not in a page's context, so a page
    whose template asks is reused only while every answer is still the same (see
    `reuse.with_answers`)."""

    def __init__(self, existing: frozenset[str]) -> None:
        self.existing = existing
        self.asked: dict[str, bool] = {}

    def __call__(self, ref: Any) -> bool:
        key = ref_key(str(ref))
        self.asked[key] = answer = key in self.existing
        return answer

    def answers(self, refs: list[str]) -> dict[str, bool]:
        """What `has_page` answers now for each of `refs` (as recorded: ref keys)."""
        return {ref: ref in self.existing for ref in refs}


def ref_items(links: Iterable[Any], root: str) -> Markup:
    """The `<li>` of each link of a relation list (partials/relations.html), with its kind
    badge. Written here rather than in a template loop because it runs for every link of
    every page."""
    return _items(links, root, True, "        ")


def ref_lines(links: Iterable[Any], root: str, with_badge: bool) -> Markup:
    """The `<li>` of each link of a list of the `ref_list` macro (partials/macros.html)."""
    return _items(links, root, with_badge, "  ")


def _items(links: Iterable[Any], root: str, with_badge: bool, indent: str) -> Markup:
    return Markup("".join(f"{indent}<li>{_link_html(link, root, with_badge)}</li>\n"
                          for link in links))


def link_html(link: Any, root: str, with_badge: bool = False) -> Markup:
    """A link as the `ref_link` macro shows it (partials/macros.html): its kind badge when
    asked, then a link to its page or, when it dangles, its ref. A link looks the same on
    every page at the same depth, so each is made once; a macro call per link was most
    of a team page's template time."""
    return Markup(_link_html(link, root, with_badge))


@lru_cache(maxsize=1 << 17)
def _link_html(link: Any, root: str, with_badge: bool) -> str:
    text = escape_text
    badge = (f'<span class="badge {text(kind_class(link.kind))}">{text(link.kind)}</span> '
             if with_badge else "")
    if link.exists:
        return (f'{badge}<a href="{text(root)}{text(entity_url(link.ref))}" '
                f'data-ref="{text(link.ref)}">{text(link.label)}</a>')
    return f'{badge}<span class="missing" title="Not in the catalog">{text(link.ref)}</span>'


def more_line(links: Any, root: str) -> Markup:
    """Under a capped list (`context.Links`): how many more there are, linking to the
    catalog filtered to all of them when it can; nothing when the list is whole. The
    `more` macro of partials/macros.html, for the lists every page has."""
    more = getattr(links, "more", 0)
    if not more > 0:
        return Markup("")
    if links.more_url:
        text = (f'<a href="{escape(root)}{escape(links.more_url)}">'
                f"and {escape(more)} more in the catalog</a>")
    else:
        text = f"and {escape(more)} more"
    return Markup(f'<p class="more">{text}</p>\n')


def safe_url(url: Any) -> str | None:
    """`url` when it is a web, mail or Git address; None for `javascript:` and the like."""
    text = str(url or "").strip()
    return text if text.lower().startswith(_SAFE_SCHEMES) else None


def ref_name(ref: Any) -> str:
    return ref_parts(ref)[2]


def ref_kind(ref: Any) -> str:
    return ref_parts(ref)[0]


def short_ref(ref: Any) -> str:
    """`kind:name` in the default namespace, the full ref elsewhere."""
    kind, namespace, name = ref_parts(ref)
    return f"{kind}:{name}" if namespace == "default" else f"{kind}:{namespace}/{name}"


@lru_cache(maxsize=256)
def kind_class(kind: Any) -> str:
    """The CSS class of a kind badge: `kind-component`."""
    return "kind-" + "".join(c for c in str(kind).lower() if c.isalnum() or c == "-")
