"""Backstage's field format rules (spec §3, §10.1), one row per case."""

from __future__ import annotations

import pytest

from generator.model import formats
from generator.model.formats import field_format_violations

N63 = "a" * 63
N64 = "a" * 64


@pytest.mark.parametrize(
    "value, ok",
    [
        ("artist-web", True),
        ("CircleciBuildsDumpV2_avro.gcs", True),
        ("a--b", True),
        ("a..b", True),
        ("a_.b", True),
        ("x", True),
        (N63, True),
        (N64, False),
        ("-x", False),
        ("x-", False),
        ("_x", False),
        ("my service", False),
        ("café", False),
        ("", False),
        ("a\n", False),
        (3, False),
        (None, False),
    ],
)
def test_name(value, ok):
    assert formats.is_valid_name(value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [
        ("default", True),
        ("payments", True),
        ("a--b", True),
        ("n" * 63, True),
        ("n" * 64, False),
        ("Payments", False),
        ("a_b", False),
        ("a.b", False),
        ("-a", False),
        ("a-", False),
        ("", False),
    ],
)
def test_namespace(value, ok):
    assert formats.is_valid_namespace(value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [
        ("java", True),
        ("c++", True),
        ("c#", True),
        ("lang:java", True),
        ("node-js", True),
        ("t" * 63, True),
        ("t" * 64, False),
        ("Java", False),
        ("node--js", False),
        ("-js", False),
        ("js-", False),
        ("a_b", False),
        ("a.b", False),
        ("", False),
    ],
)
def test_tag(value, ok):
    assert formats.is_valid_tag(value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [
        ("tier", True),
        ("example.com/x", True),
        ("backstage.io/techdocs-ref", True),
        ("example.com/Mixed_Case.name", True),
        ("a-b.example.com/x", True),
        ("Example.com/x", False),
        ("a_b.com/x", False),
        ("example.com/", False),
        ("/x", False),
        ("example.com/a/b", False),
        ("example.com/-x", False),
        ("x" * 254 + "/x", False),
    ],
)
def test_label_and_annotation_keys(value, ok):
    assert formats.is_valid_label_key(value) is ok
    assert formats.is_valid_annotation_key(value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [("", True), ("gold", True), ("v1.2_x", True), ("gold plus", False), (3, False)],
)
def test_label_value(value, ok):
    assert formats.is_valid_label_value(value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [
        ("backstage.io/v1alpha1", True),
        ("scaffolder.backstage.io/v1beta3", True),
        ("v1", True),
        ("Backstage.io/v1", False),
        ("backstage.io/v1/x", False),
        ("backstage.io/v1.0", False),
        ("backstage.io/", False),
    ],
)
def test_api_version(value, ok):
    assert formats.is_valid_api_version(value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [("Component", True), ("component", True), ("AIResource", True), ("My-Kind", False),
     ("1Kind", False), ("K" * 64, False)],
)
def test_kind(value, ok):
    assert formats.is_valid_kind(value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [
        ("https://example.com", True),
        ("mailto:team-a@example.com", True),
        ("urn:isbn:123", True),
        ("slack://channel", True),
        ("http:foo", True),
        ("  https://x.com  ", True),
        ("https://x.com:80/a b", True),
        ("/docs/runbook", False),
        ("example.com", False),
        ("http://", False),
        ("https://exa mple.com", False),
        ("https://x.com:99999", False),
        ("https://x.com:abc", False),
        ("foo://a b", False),
        ("1http://x", False),
    ],
)
def test_url_like_javascript(value, ok):
    """Each verdict was checked against node's `new URL(value)`."""
    assert formats.is_valid_url(value) is ok


@pytest.mark.parametrize("value, ok", [("Runbook", True), ("   ", False), ("", False)])
def test_link_title(value, ok):
    assert formats.is_non_empty_string(value) is ok


def _entity(**metadata):
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "x", **metadata},
    }


EXPECT = {
    "name": "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], "
    "at most 63 characters in total",
    "prefix": "a valid prefix and/or suffix",
    "namespace": "a string that is sequences of [a-z0-9] separated by [-], "
    "at most 63 characters in total",
    "tag": "a string that is sequences of [a-z0-9+#] separated by [-], "
    "at most 63 characters in total",
    "kind": "a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total",
    "url": "a string that is a valid url",
    "non-empty": "a non empty string",
}


@pytest.mark.parametrize(
    "entity, field, found, expectation, code",
    [
        (_entity(name="-x"), "metadata.name", "-x", "name", "name-format"),
        (_entity(namespace="Payments"), "metadata.namespace", "Payments", "namespace",
         "namespace-format"),
        (_entity(labels={"Example.com/x": "v"}), "labels.Example.com/x", "Example.com/x",
         "prefix", "label-format"),
        (_entity(labels={"tier": "gold plus"}), "labels.tier", "gold plus", "name",
         "label-format"),
        (_entity(annotations={"a_b.com/x": "v"}), "annotations.a_b.com/x", "a_b.com/x",
         "prefix", "annotation-format"),
        (_entity(tags=["java", "Java"]), "tags.1", "Java", "tag", "tag-format"),
        (_entity(links=[{"url": "/docs"}]), "links.0.url", "/docs", "url", "link-format"),
        (_entity(links=[{"url": "https://x.com", "icon": " "}]), "links.0.icon", " ",
         "non-empty", "link-format"),
        ({**_entity(), "kind": "My-Kind"}, "kind", "My-Kind", "kind", "kind-format"),
        ({**_entity(), "apiVersion": "a/b/c"}, "apiVersion", "a/b/c", "prefix",
         "api-version-format"),
    ],
)
def test_violation_texts_match_backstage(entity, field, found, expectation, code):
    [violation] = field_format_violations(entity)
    assert violation.rule.code == code
    assert violation.backstage_error == (
        f'"{field}" is not valid; expected {EXPECT[expectation]} but found "{found}". '
        f"{formats.ADR_LINK}"
    )


def test_violations_come_in_backstage_order():
    entity = _entity(name="-x", tags=["Java"], labels={"Bad_Key.com/x": "v"},
                     links=[{"url": "/x", "title": " "}])
    fields = [v.field for v in field_format_violations(entity)]
    assert fields == ["metadata.name", "labels.Bad_Key.com/x", "tags.0", "links.0.url",
                      "links.0.title"]


def test_label_value_not_checked_when_key_is_bad():
    entity = _entity(labels={"/x": "gold plus"})
    [violation] = field_format_violations(entity)
    assert violation.value == "/x"
