"""The page environment renders exactly what Jinja's own would, through its faster paths:
`{{ value }}`, `a.b` on a dict, calls, and output statements yielded whole."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup

from generator.render.templates import make_environment


class _Html:
    def __html__(self) -> str:
        return "<em>safe</em>"


class _Text(str):
    pass


class _Mapping(dict):
    label = "an attribute"


VALUES = {
    "text": "<a href=\"x\" title='y'>&amp;</a>",
    "markup": Markup("<b>bold</b> &amp;"),
    "number": 42,
    "numbers": [-7, 0.5, 1e21, float("inf"), True],
    "none": None,
    "html": _Html(),
    "subclass": _Text("<i>"),
    "data": {"owner": "team-<a>", "items": "a key named items", "count": 0},
    "mapping": _Mapping(label="a key", other="<k>"),
}

TEMPLATES = [
    "{{ text }}|{{ markup }}|{{ number }}|{{ none }}|{{ html }}|{{ subclass }}",
    "{% for n in numbers %}{{ n }} {{ n * 2 }};{% endfor %}",
    "{{ text ~ markup }}|{{ markup ~ text }}|{{ text | upper }}|{{ text | safe }}",
    "{{ data.owner }}|{{ data.count }}|{{ data['items'] }}|{{ data.missing }}|{{ nothing }}",
    "{{ data.items() | list | length }}|{{ data.get('owner') }}|{{ data.missing is defined }}",
    "{{ mapping.label }}|{{ mapping.other }}|{{ mapping['label'] }}",
    "{% for key, value in data | dictsort %}{{ key }}={{ value }};{% endfor %}",
    "{% macro m(x) %}<li>{{ x }}</li>{% endmacro %}{{ m(text) }}{{ m(markup) }}",
    "{% set block %}<p>{{ text }}</p>{% endset %}{{ block }}|{{ block | length }}",
    "{% filter upper %}{{ text }}{% endfilter %}",
    "{% autoescape false %}{{ text }}{% endautoescape %}|{{ text }}",
    "{% set flag = false %}{% autoescape flag %}{{ text }}{% endautoescape %}",
]


@pytest.mark.parametrize("source", TEMPLATES)
def test_pages_render_what_jinjas_own_environment_renders(source):
    ours = make_environment().from_string(source).render(VALUES)
    jinjas = jinja2.Environment(autoescape=True).from_string(source).render(VALUES)
    assert ours == jinjas


@jinja2.pass_context
def _page_of(context, suffix=""):
    return f"{context.get('page')}{suffix}"


@jinja2.pass_environment
def _autoescaping(environment):
    return environment.autoescape


def _exhausted():
    raise StopIteration


CALLS = [
    "{{ page_of() }}|{{ page_of('!') }}|{{ page_of(suffix='?') }}|{{ autoescaping() }}",
    "{{ exhausted() is defined }}|{{ data.get('owner') }}|{{ '<%s>' | format(text) }}",
    "{% for n in numbers %}{{ page_of(n) }};{% endfor %}",
    "{% macro m(x, y='-') %}[{{ x }}{{ y }}{{ page }}]{% endmacro %}{{ m(1) }}{{ m(2, y='+') }}"
    "{% for n in [3] %}{{ m(n) }}{% endfor %}",
    "{% macro outer() %}{{ caller() }}{% endmacro %}{% call outer() %}{{ page_of() }}{% endcall %}",
]


@pytest.mark.parametrize("source", CALLS)
def test_calls_from_templates_get_what_jinja_gives_them(source):
    functions = {"page_of": _page_of, "autoescaping": _autoescaping, "exhausted": _exhausted}
    values = {**VALUES, "page": "<home>"}
    ours, jinjas = make_environment(), jinja2.Environment(autoescape=True)
    ours.globals.update(functions)
    jinjas.globals.update(functions)
    assert ours.from_string(source).render(values) == jinjas.from_string(source).render(values)


#: Templates that extend, include and loop: output in blocks, `super()`, `self.block()`,
#: loop bodies, includes and an `extends` that is only known when rendering.
FAMILY = {
    "base.html": "<html>{% block title %}T{{ text }}{% endblock %}|"
                 "{% block body %}<b>{{ number }}</b>{{ none }}{% endblock %}</html>",
    "page.html": "{% extends 'base.html' %}{% block body %}[{{ super() }}]{{ self.title() }}"
                 "{% for n in numbers %}<i>{{ n }}</i>{{ loop.index }}"
                 "{% if loop.last %}!{% else %},{% endif %}{% endfor %}"
                 "{% include 'part.html' %}{% endblock %}",
    "part.html": "<p>{{ text }}{{ markup }}</p>{% for k, v in data | dictsort %}"
                 "{{ k }}:{{ v }} {% else %}none{% endfor %}{{ html }}",
    "maybe.html": "{% if extend %}{% extends 'base.html' %}{% endif %}"
                  "<s>{{ text }}</s>{% block title %}M{{ number }}{% endblock %}",
}


@pytest.mark.parametrize("name, extend", [("page.html", False), ("part.html", False),
                                          ("maybe.html", True), ("maybe.html", False)])
def test_families_of_templates_render_what_jinja_renders(name, extend):
    ours = make_environment()
    ours.loader = jinja2.DictLoader(FAMILY)
    jinjas = jinja2.Environment(autoescape=True, loader=jinja2.DictLoader(FAMILY))
    values = {**VALUES, "extend": extend}
    assert ours.get_template(name).render(values) == jinjas.get_template(name).render(values)


def test_an_output_statement_is_yielded_whole():
    source = make_environment().compile('<a href="{{ text }}">{{ number }}</a>', raw=True)
    yields = [line.strip() for line in source.splitlines() if "yield" in line]
    assert yields == ["if 0: yield None", "yield ''.join(t_1)"]


def test_output_is_escaped_as_markupsafe_escapes():
    rendered = make_environment().from_string("{{ text }}|{{ markup }}").render(VALUES)
    assert rendered == ("&lt;a href=&#34;x&#34; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
                        "|<b>bold</b> &amp;")


def test_a_missing_key_is_undefined_and_strict_pages_say_so():
    assert make_environment().from_string("[{{ data.missing }}]").render(VALUES) == "[]"
    strict = make_environment(strict=True).from_string("{{ data.missing }}")
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'missing'"):
        strict.render(VALUES)


def test_a_dict_method_name_is_still_the_method():
    template = make_environment().from_string("{{ data.items is callable }}|{{ data.items }}")
    assert template.render(VALUES).startswith("True|&lt;built-in method items")


def test_output_goes_through_the_fast_escape():
    source = make_environment().compile("{{ text }}", raw=True)
    assert "escape_text(" in source and "escape(" not in source.replace("escape_text(", "")


def test_a_templates_own_globals_stay_its_own():
    env = make_environment()
    own = env.from_string("{{ x }}", globals={"x": "mine"})
    assert own.render() == "mine"
    assert env.from_string("[{{ x }}]").render() == "[]"
    assert "x" not in env.globals
