"""The `${{ }}` engine: Backstage's filters, Nunjucks built-ins with JavaScript semantics,
type preservation, secrets, conditions, cookiecutter mode, and the corpus's expressions."""

from __future__ import annotations

import pytest

from generator.scaffold.expressions import (
    RenderError, Renderer, calls_status_function, check_expression, expressions_in,
    filters_in, unknown_filters,
)
from generator.scaffold.filters import FILTERS

PARAMS = {
    "name": "My Service", "n": 3, "ratio": 1.5, "tags": ["a", "b"], "flag": False,
    "owner": "group:default/team-a", "repoUrl": "github.com?owner=acme&repo=shop",
    "obj": {"k": "v", "nested": {"deep": 1}}, "empty": [], "none": None, "text": " pad ",
}


def render(value, **extra):
    return Renderer({"parameters": PARAMS, **extra}).render(value)


@pytest.mark.parametrize("source, expected", [
    # a string that is one expression keeps the value's type
    ("${{ parameters.n }}", 3),
    ("${{ parameters.ratio }}", 1.5),
    ("${{ parameters.flag }}", False),
    ("${{ parameters.tags }}", ["a", "b"]),
    ("${{ parameters.obj }}", {"k": "v", "nested": {"deep": 1}}),
    ("${{ parameters.none }}", None),
    ("${{ 4 / 2 }}", 2),  # JavaScript has one number type: 2, not 2.0
    # anything else is text, printed as JavaScript prints
    ("n=${{ parameters.n }}", "n=3"),
    ("${{ parameters.n }} ", "3 "),
    ("${{ parameters.flag }}!", "false!"),
    ("${{ parameters.tags }}!", "a,b!"),
    ("${{ parameters.obj }}!", "[object Object]!"),
    ("[${{ parameters.none }}]", "[]"),
    ("${{ parameters.missing }}x", "x"),
    ("plain", "plain"),
])
def test_types_are_kept_only_for_a_lone_expression(source, expected):
    assert render(source) == expected


def test_undefined_values_are_left_out_of_objects_and_none_in_lists():
    value = {"a": "${{ parameters.missing }}", "b": "", "c": ["${{ parameters.missing }}", 1],
             "d": "${{ parameters.missing.deeper.still }}"}
    assert render(value) == {"c": [None, 1]}


@pytest.mark.parametrize("source, expected", [
    ("${{ parameters.name === 'My Service' }}", True),
    ("${{ parameters.name !== 'My Service' }}", False),
    ("${{ parameters.x if parameters.flag else 'z' }}", "z"),
    ("${{ parameters.name if parameters.tags }}", "My Service"),
    ("${{ 'a' + 1 }}", "a1"),
    ("${{ 1 + 2 }}", 3),
    ("${{ 'x-' + parameters.missing }}", "x-undefined"),
    ("${{ parameters.tags.length }}", 2),
    ("${{ parameters.name.length }}", 10),
    ("${{ parameters.tags[1] }}", "b"),
    ("${{ parameters.tags[-1] }}", None),  # no negative indexes in JavaScript
    ("${{ parameters['obj'].nested.deep }}", 1),
    ("${{ parameters.obj.items }}", None),  # keys only, never Python methods
    ("${{ null }}", None),
    ("${{ true and 'yes' }}", "yes"),
    ("${{ parameters.flag or 'fallback' }}", "fallback"),
    ("${{ 'b' in parameters.tags }}", True),
    ("${{ { a: 1, 'b': parameters.n } }}", {"a": 1, "b": 3}),
])
def test_nunjucks_syntax_and_javascript_values(source, expected):
    assert render(source) == expected


@pytest.mark.parametrize("source, expected", [
    ("{% for k, v in parameters.obj %}${{ k }};{% endfor %}", "k;nested;"),
    ("{% for t in parameters.tags %}${{ loop.index }}${{ t }}{% endfor %}", "1a2b"),
    ("{% if parameters.flag %}x{% elseif parameters.n == 3 %}y{% endif %}", "y"),
    ("{% set x = parameters.n + 1 %}${{ x }}", "4"),
    ("{{ not templated }} ${{ parameters.n }}", "{{ not templated }} 3"),
])
def test_statements(source, expected):
    assert Renderer({"parameters": PARAMS}).render_text(source) == expected


# --- filters ---------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    # Backstage's four
    ("${{ parameters.repoUrl | parseRepoUrl }}", {"host": "github.com", "owner": "acme", "repo": "shop"}),
    ("${{ 'gitlab.com?owner=g&repo=r/' | parseRepoUrl }}", {"host": "gitlab.com", "owner": "g", "repo": "r"}),
    ("${{ 'gitlab.com?project=42' | parseRepoUrl }}", {"host": "gitlab.com", "project": "42"}),
    ("${{ 'bitbucket.org?workspace=w&project=p&repo=r' | parseRepoUrl }}",
     {"host": "bitbucket.org", "workspace": "w", "project": "p", "repo": "r"}),
    ("${{ 'dev.azure.com?organization=o&project=p&repo=r' | parseRepoUrl }}",
     {"host": "dev.azure.com", "organization": "o", "project": "p", "repo": "r"}),
    ("${{ (parameters.repoUrl | parseRepoUrl).owner }}", "acme"),
    ("${{ (parameters.repoUrl | parseRepoUrl)['repo'] }}", "shop"),
    ("${{ parameters.repoUrl | projectSlug }}", "acme/shop"),
    ("${{ parameters.owner | parseEntityRef }}", {"kind": "group", "namespace": "default", "name": "team-a"}),
    ("${{ 'Group:Team-A' | parseEntityRef }}", {"kind": "Group", "namespace": "default", "name": "Team-A"}),
    ("${{ 'techdocs' | parseEntityRef({ defaultKind: 'group', defaultNamespace: 'other' }) }}",
     {"kind": "group", "namespace": "other", "name": "techdocs"}),
    ("${{ parameters.owner | parseEntityRef | pick('name') }}", "team-a"),
    ("${{ parameters.obj | pick('nested.deep') }}", 1),
    ("${{ parameters | pick('tags[1]') }}", "b"),
    ("${{ parameters.obj | pick('nope.x') }}", None),
    # Nunjucks built-ins, with nunjitsu's semantics
    ("${{ parameters.obj | dump }}", '{"k":"v","nested":{"deep":1}}'),
    ("${{ parameters.tags | dump(2) }}", '[\n  "a",\n  "b"\n]'),
    ("${{ 'Ünï' | dump }}", '"Ünï"'),
    ("${{ parameters.name | lower }}", "my service"),
    ("${{ parameters.name | upper }}", "MY SERVICE"),
    ("${{ parameters.none | lower }}", ""),
    ("${{ parameters.name | replace(' ', '-') }}", "My-Service"),
    ("${{ 'aaa' | replace('a', 'b', 2) }}", "bba"),
    ("${{ 'abc' | replace('', '.') }}", ".a.b.c."),
    ("${{ parameters.text | trim }}", "pad"),
    ("${{ parameters.missing | default('dflt') }}", "dflt"),
    ("${{ parameters.none | default('dflt') }}", None),  # null is not undefined
    ("${{ parameters.flag | d('dflt', true) }}", "dflt"),
    ("${{ parameters.tags | join('-') }}", "a-b"),
    ("${{ parameters.tags | join }}", "a,b"),
    ("${{ parameters.tags | length }}", 2),
    ("${{ parameters.missing | length }}", 0),
    ("${{ parameters.tags | first }}", "a"),
    ("${{ parameters.tags | last }}", "b"),
    ("${{ 'foo-bar baz' | capitalize }}", "Foo-bar baz"),
    ("${{ 'foo-bar baz' | title }}", "Foo-bar Baz"),
    ("${{ 'one two three' | truncate(6) }}", "one..."),
    ("${{ 'one two three' | truncate(7) }}", "one two..."),  # no Jinja2 leeway
    ("${{ 'one two three' | truncate(5, true, '!') }}", "one t!"),
    ("${{ parameters.name | safe }}", "My Service"),
    ("${{ parameters.n | string }}", "3"),
    ("${{ '12px' | int }}", 12),
    ("${{ 'x' | int(7) }}", 7),
    ("${{ '1.5e1rest' | float }}", 15),
    ("${{ 'a b/c' | urlencode }}", "a%20b%2Fc"),
    ("${{ {'a': 1, 'b': 'x y'} | urlencode }}", "a=1&b=x%20y"),
    ("${{ 'ab' | list }}", ["a", "b"]),
    ("${{ parameters.tags | reverse }}", ["b", "a"]),
    ("${{ [3, 1, 2] | sort }}", [1, 2, 3]),
    ("${{ [1, 2, 3] | sum }}", 6),
    ("${{ -2 | abs }}", 2),
    ("${{ 2.567 | round(1) }}", 2.6),
    ("${{ [{'a': 1}, {'a': 0}] | selectattr('a') | length }}", 1),
    ("${{ [1, 2, 3, 4] | select('odd') }}", [1, 3]),
    ("${{ [1, 2, 3, 4] | reject('odd') }}", [2, 4]),
    ("${{ 'one two' | wordcount }}", 2),
    ("${{ '<b>x</b>' | striptags }}", "x"),
    ("${{ '<a>' | escape }}", "&lt;a&gt;"),
    ("${{ 'a\nb' | nl2br }}", "a<br />\nb"),
    ("${{ 'a\nb' | indent(2) }}", "a\n  b"),
    ("${{ 'ab' | center(4) }}", " ab "),
    ("${{ [1, 2, 3] | batch(2) }}", [[1, 2], [3]]),
    ("${{ [1, 2, 3] | slice(2) }}", [[1, 2], [3]]),
    ("${{ [{'g': 'x'}, {'g': 'x'}] | groupby('g') | length }}", 1),
    ("${{ {'b': 1, 'a': 2} | dictsort | first }}", ["a", 2]),
    ("${{ 'see https://x.org' | urlize }}", 'see <a href="https://x.org">https://x.org</a>'),
    ("${{ [7] | random }}", 7),
    ("${{ '<a>' | forceescape }}", "&lt;a&gt;"),
    ("${{ '<a>' | e }}", "&lt;a&gt;"),
    ("${{ [{'a': 1}, {'a': 0}] | rejectattr('a') | length }}", 1),
])
def test_filters(source, expected):
    assert render(source) == expected


def test_every_filter_has_a_test_above():
    """Each filter is exercised by name in this file (keeps the table honest)."""
    text = open(__file__, encoding="utf-8").read()
    missing = [name for name in FILTERS if f"| {name}" not in text and f"|{name}" not in text]
    assert missing == []


@pytest.mark.parametrize("source, message", [
    ("${{ 'github.com?repo=r' | parseRepoUrl }}", "missing owner"),
    ("${{ 'name' | parseEntityRef }}", "had missing or empty kind"),
    ("${{ 'x' | nosuchfilter }}", "filter not found: nosuchfilter"),
    ("${{ parameters.missing | string }}", "string: requires a value"),
    ("${{ 5 | lower }}", "filter input must be a string"),
])
def test_filter_failures_name_the_expression(source, message):
    with pytest.raises(RenderError) as raised:
        render(source)
    assert message in str(raised.value)
    assert source.split("|")[0][:6] in str(raised.value)


def test_jinja_only_filters_are_not_offered():
    """A template that works here must work in Backstage: no Jinja2-only filters."""
    for name in ("map", "tojson", "unique", "items", "min", "max", "format"):
        assert name not in FILTERS
    with pytest.raises(RenderError, match="filter not found: map"):
        render("${{ parameters.tags | map('upper') }}")


# --- secrets ---------------------------------------------------------------------------

def test_secrets_render_into_inputs_and_are_masked_everywhere():
    renderer = Renderer({"parameters": PARAMS}, {"TOKEN": "s3cr3t"})
    assert renderer.render({"auth": "${{ secrets.TOKEN }}"}) == {"auth": "s3cr3t"}
    header = renderer.render("Bearer ${{ secrets.TOKEN | upper }}")
    assert header == "Bearer S3CR3T"
    assert renderer.mask("sent s3cr3t and Bearer S3CR3T") == "sent *** and ***"


def test_dry_run_and_output_renderers_never_see_secret_values():
    renderer = Renderer({"parameters": PARAMS}, {"TOKEN": "s3cr3t"})
    assert renderer.redacted().render("${{ secrets.TOKEN }}") == "***"
    assert renderer.without_secrets().render("${{ secrets.TOKEN }}") is None
    with_each = renderer.with_context(each={"key": "0", "value": "x"})
    assert with_each.render("${{ each.value }}-${{ secrets.TOKEN }}") == "x-s3cr3t"
    assert renderer.mask("x-s3cr3t") == "***"  # learnt by the derived renderer, shared


def test_errors_do_not_leak_secrets():
    renderer = Renderer({}, {"TOKEN": "s3cr3t"})
    with pytest.raises(RenderError) as raised:
        renderer.render("${{ secrets.TOKEN | parseEntityRef }}")
    assert "s3cr3t" not in str(raised.value)


# --- conditions ------------------------------------------------------------------------

@pytest.mark.parametrize("condition, failed, expected", [
    (None, False, True), (True, False, True), (False, False, False),
    ("${{ parameters.flag }}", False, False),
    ("${{ parameters.n }}", False, True),
    ("${{ parameters.empty }}", False, False),  # lodash: an empty array is false
    ("${{ parameters.obj }}", False, True),
    ("${{ parameters.missing }}", False, False),
    ("${{ parameters.name == 'x' }}", False, False),
    ("${{ always() }}", True, True),
    ("${{ failure() }}", False, False),
    ("${{ failure() }}", True, True),
    ("${{ failure() and parameters.n == 3 }}", True, True),
    ("text", False, True),
])
def test_evaluate_condition(condition, failed, expected):
    assert Renderer({"parameters": PARAMS}).evaluate_condition(condition, failed=failed) is expected


def test_status_functions_are_recognised():
    assert calls_status_function("${{ always() }}")
    assert calls_status_function("${{ failure() or parameters.x }}")
    assert not calls_status_function("${{ parameters.always }}")
    assert not calls_status_function(True)


# --- cookiecutter mode and files -------------------------------------------------------

def test_cookiecutter_compat_uses_plain_braces_and_jsonify():
    renderer = Renderer({"cookiecutter": {"name": "svc", "tags": ["a"]}}, cookiecutter_compat=True)
    assert renderer.render_text("{{ cookiecutter.name }}-{{ cookiecutter.tags | jsonify }}") == 'svc-["a"]'
    assert renderer.render_text("${{ x }}") == "$"  # `{{ x }}` is the expression there
    assert renderer.render_text("{{ cookiecutter.name.upper() }}") == "SVC"


def test_render_text_keeps_trailing_newline_and_options():
    renderer = Renderer({"values": {"name": "svc"}})
    assert renderer.render_text("name: ${{ values.name }}\n") == "name: svc\n"
    trimmed = renderer.options(trim_blocks=True, lstrip_blocks=True)
    assert trimmed.render_text("  {% if true %}\nx\n  {% endif %}\n") == "x\n"


# --- checking --------------------------------------------------------------------------

@pytest.mark.parametrize("text, problem", [
    ("${{ parameters.x }}", None),
    ("${{ parameters.x | replace('a', 'b') | lower }}", None),
    ("a ${{ x }} b ${{ y }}", None),
    ("${{ '' | now }}", None),  # unknown filters are not syntax errors
    ("${{ a === b }}", None),
    ("${{ a || b }}", "use `or`"),
    ("${{ a && b }}", "use `and`"),
    ("${{ !a }}", "use `not`"),
    ("${{ a ? b : c }}", "b if a else c"),
    ("${{ 'a || b' }}", None),
    ("${{ a | }}", "expected token"),
    ("${{ a", "not closed"),
    ("{% if x %}", "endif"),
])
def test_check_expression(text, problem):
    found = check_expression(text)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_expressions_in_walks_values_and_respects_quotes():
    value = {"a": "x ${{ one }} y ${{ 'two }}' }}", "b": ["${{ three }}", 4, None]}
    assert expressions_in(value) == ["${{ one }}", "${{ 'two }}' }}", "${{ three }}"]


def test_filters_in_and_unknown_filters():
    text = "${{ parameters.x | now | date('unix') | lower }}"
    assert filters_in(text) == ["now", "date", "lower"]
    assert unknown_filters(text) == ["now", "date"]
