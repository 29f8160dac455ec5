"""Per-kind spec schemas and their errors in ajv's words (spec §5.1)."""

from __future__ import annotations

import pytest

from generator.model.kinds import KINDS, entity_schema_errors, kind_spec, similar_kind

BACKSTAGE = ("backstage.io/v1alpha1", "backstage.io/v1beta1")

MINIMAL = {
    "Component": {"type": "service", "lifecycle": "production", "owner": "team-a"},
    "API": {"type": "openapi", "lifecycle": "production", "owner": "team-a",
            "definition": "openapi: 3.0.0"},
    "Resource": {"type": "database", "owner": "team-a"},
    "System": {"owner": "team-a"},
    "Domain": {"owner": "team-a"},
    "Group": {"type": "team", "children": []},
    "User": {"memberOf": []},
    "Location": {},
    "Template": {"type": "service", "steps": [{"action": "fetch:template"}]},
}


def _first(kind: str, spec: dict) -> str | None:
    errors = KINDS[kind].spec_errors(spec)
    return errors[0].ajv_text() if errors else None


@pytest.mark.parametrize("kind", sorted(MINIMAL))
def test_minimal_spec_is_valid_and_extra_keys_are_allowed(kind):
    assert _first(kind, {**MINIMAL[kind], "tier": 1, "x-custom": {"a": [1]}}) is None


@pytest.mark.parametrize(
    "kind, versions",
    [(kind, BACKSTAGE) for kind in MINIMAL if kind != "Template"]
    + [("Template", ("scaffolder.backstage.io/v1beta3",))],
)
def test_accepted_api_versions(kind, versions):
    assert KINDS[kind].api_versions == versions


@pytest.mark.parametrize(
    "kind, required",
    [
        ("Component", ["type", "lifecycle", "owner"]),
        ("API", ["type", "lifecycle", "owner", "definition"]),
        ("Resource", ["type", "owner"]),
        ("System", ["owner"]),
        ("Domain", ["owner"]),
        ("Group", ["type", "children"]),
        ("User", ["memberOf"]),
        ("Template", ["type", "steps"]),
    ],
)
def test_required_fields_in_schema_order(kind, required):
    errors = KINDS[kind].spec_errors({})
    assert [e.missing for e in errors] == required
    assert errors[0].ajv_text() == (
        f"/spec must have required property '{required[0]}' - missingProperty: {required[0]}"
    )


@pytest.mark.parametrize(
    "kind, change, expected",
    [
        ("System", {"owner": {"kind": "Group", "name": "a"}},
         "/spec/owner must be string - type: string"),
        ("Component", {"owner": ""},
         "/spec/owner must NOT have fewer than 1 characters - limit: 1"),
        ("Component", {"type": 3}, "/spec/type must be string - type: string"),
        ("Component", {"providesApis": "x"}, "/spec/providesApis must be array - type: array"),
        ("Component", {"dependsOn": ["a", 3]}, "/spec/dependsOn/1 must be string - type: string"),
        ("Component", {"dependencyOf": 3}, None),  # not in Backstage's schema
        ("API", {"definition": {"openapi": "3.0.0"}},
         "/spec/definition must be string - type: string"),
        ("Group", {"children": None}, "/spec/children must be array - type: array"),
        ("Group", {"profile": {"displayName": ""}},
         "/spec/profile/displayName must NOT have fewer than 1 characters - limit: 1"),
        ("Group", {"profile": "x"}, "/spec/profile must be object - type: object"),
        ("User", {"memberOf": [""]},
         "/spec/memberOf/0 must NOT have fewer than 1 characters - limit: 1"),
        ("Location", {"presence": "maybe"},
         "/spec/presence must be equal to one of the allowed values - "
         "allowedValues: required,optional"),
        ("Location", {"presence": 3}, "/spec/presence must be string - type: string"),
        ("Location", {"targets": "./x.yaml"}, "/spec/targets must be array - type: array"),
        ("Template", {"steps": [{"id": "x"}]},
         "/spec/steps/0 must have required property 'action' - missingProperty: action"),
        ("Template", {"steps": [{"action": "a", "if": 3}]},
         "/spec/steps/0/if must be string,boolean - type: string,boolean"),
        ("Template", {"parameters": 3}, "/spec/parameters must be object - type: object"),
        ("Template", {"parameters": [{"title": "x"}]}, None),
        ("Template", {"output": {"extra": 3}}, "/spec/output/extra must be string - type: string"),
    ],
)
def test_spec_errors_in_ajv_words(kind, change, expected):
    assert _first(kind, {**MINIMAL[kind], **change}) == expected


def test_missing_comes_before_type_errors_like_ajv():
    errors = KINDS["Component"].spec_errors({"type": 3, "lifecycle": "x"})
    assert [e.ajv_text() for e in errors] == [
        "/spec must have required property 'owner' - missingProperty: owner",
        "/spec/type must be string - type: string",
    ]


@pytest.mark.parametrize(
    "kind, fields",
    [
        ("Component", [("owner", "Group", "ownedBy"), ("subcomponentOf", "Component", "partOf"),
                       ("providesApis", "API", "providesApi"),
                       ("consumesApis", "API", "consumesApi"), ("dependsOn", None, "dependsOn"),
                       ("dependencyOf", None, "dependencyOf"), ("system", "System", "partOf")]),
        ("API", [("owner", "Group", "ownedBy"), ("system", "System", "partOf")]),
        ("Resource", [("owner", "Group", "ownedBy"), ("dependsOn", None, "dependsOn"),
                      ("dependencyOf", None, "dependencyOf"), ("system", "System", "partOf")]),
        ("System", [("owner", "Group", "ownedBy"), ("domain", "Domain", "partOf")]),
        ("Domain", [("owner", "Group", "ownedBy"), ("subdomainOf", "Domain", "partOf")]),
        ("Group", [("parent", "Group", "childOf"), ("children", "Group", "parentOf"),
                   ("members", "User", "hasMember")]),
        ("User", [("memberOf", "Group", "memberOf")]),
        ("Location", []),
        ("Template", [("owner", "Group", "ownedBy")]),
    ],
)
def test_relation_field_tables(kind, fields):
    table = [(f.field, f.default_kind, f.relation) for f in KINDS[kind].relation_fields]
    assert table == fields


def test_template_is_validated_by_the_scaffolder_processor():
    assert KINDS["Template"].processor == "ScaffolderEntitiesProcessor"
    assert KINDS["Component"].processor == "BuiltinKindsEntityProcessor"


@pytest.mark.parametrize("kind, known, similar", [
    ("Component", True, "Component"), ("component", False, "Component"),
    ("Service", False, None), ("AIResource", False, None), ("api", False, "API"),
])
def test_kinds_are_case_sensitive(kind, known, similar):
    assert (kind_spec(kind) is not None) is known
    assert similar_kind(kind) == similar


def _doc(**overrides):
    return {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": {"name": "x"}, "spec": {}, **overrides}


@pytest.mark.parametrize(
    "data, expected",
    [
        (_doc(), None),
        (_doc(owner="x"), "<root> must NOT have additional properties"),
        (_doc(relations=[{"type": "ownedBy", "targetRef": "group:default/a"}]), None),
        (_doc(relations="x"), "/relations must be array"),
        (_doc(spec=None), "/spec must be object"),
        (_doc(metadata={"name": "x", "title": ""}),
         "/metadata/title must NOT have fewer than 1 characters"),
        (_doc(metadata={"name": "x", "description": 3}), "/metadata/description must be string"),
        (_doc(metadata={"name": "x", "annotations": {"example.com/mode": 755}}),
         "/metadata/annotations/example.com~1mode must be string"),
        (_doc(metadata={"name": "x", "labels": {"a": True}}), "/metadata/labels/a must be string"),
        (_doc(metadata={"name": "x", "tags": "java"}), "/metadata/tags must be array"),
        (_doc(metadata={"name": "x", "tags": [""]}),
         "/metadata/tags/0 must NOT have fewer than 1 characters"),
        (_doc(metadata={"name": "x", "links": [{"title": "x"}]}),
         "/metadata/links/0 must have required property 'url'"),
        (_doc(metadata={"name": "x", "labels": {"a": 1}, "tags": [""]}),
         "/metadata/labels/a must be string"),
        (_doc(extra=1, metadata={"name": "x", "title": ""}),
         "<root> must NOT have additional properties"),
    ],
)
def test_entity_schema_first_error(data, expected):
    errors = entity_schema_errors(data)
    assert (errors[0].ajv_text(params=False) if errors else None) == expected
