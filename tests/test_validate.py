"""The validate stage end to end: verdicts, problems, relations, duplicates."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from generator.model import Document, LocationRef, Positions
from generator.model.problem import Severity
from generator.validate import ValidationResult, validate

COMPONENT = """
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: "{name}"
spec:
  type: "service"
  lifecycle: "production"
  owner: "team-a"
"""


def doc(text: str, file: str = "catalog-info.yaml", index: int = 0, lines=None) -> Document:
    """A Document from YAML whose values are quoted, so YAML 1.1 and 1.2 agree."""
    location = LocationRef("url", f"https://github.com/acme/shop/blob/main/{file}")
    positions = Positions(lines or {}, start=(lines or {}).get((), 1))
    return Document(yaml.safe_load(text), file, Path(file), index, positions, location,
                    location, str(location))


def entity_yaml(kind: str, spec: str, api_version: str = "backstage.io/v1alpha1") -> str:
    return f'apiVersion: "{api_version}"\nkind: "{kind}"\nmetadata: {{name: "x"}}\nspec: {spec}\n'


def run(*texts: str) -> ValidationResult:
    return validate([doc(text, index=i) for i, text in enumerate(texts)])


def errors(result: ValidationResult) -> list:
    return [p for p in result.problems if p.severity is Severity.ERROR]


def test_valid_component_becomes_an_entity_with_its_relations():
    result = run(COMPONENT.format(name="Orders"))
    assert result.problems == []
    [entity] = result.entities
    assert str(entity.ref) == "component:default/orders"
    assert entity.known_kind
    assert [(r.type, str(r.target), r.field) for r in entity.relations] == [
        ("ownedBy", "group:default/team-a", ("spec", "owner"))
    ]


def test_data_is_a_processed_copy():
    document = doc(COMPONENT.format(name="x").replace('owner: "team-a"', """owner: "team-a"
  dependsOn: ["resource:b", "resource:a"]"""))
    before = copy.deepcopy(document.data)
    [entity] = validate([document]).entities
    assert document.data == before
    assert entity.data["metadata"]["namespace"] == "default"
    assert entity.data["spec"]["dependsOn"] == ["resource:a", "resource:b"]


def test_relations_come_sorted_but_point_at_the_line_written():
    text = """
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: "svc", namespace: "payments"}
spec:
  type: "service"
  lifecycle: "production"
  owner: "team-a"
  system: "default/checkout"
  providesApis: ["payments-api"]
  consumesApis: ["api:shared/fx-rates"]
  dependsOn: ["user:jdoe", "resource:default/ledger-db"]
  dependencyOf: ["component:web"]
  subcomponentOf: "platform"
"""
    [entity] = validate([doc(text)]).entities
    assert [(r.type, str(r.target), r.field) for r in entity.relations] == [
        ("ownedBy", "group:payments/team-a", ("spec", "owner")),
        ("partOf", "component:payments/platform", ("spec", "subcomponentOf")),
        ("providesApi", "api:payments/payments-api", ("spec", "providesApis", 0)),
        ("consumesApi", "api:shared/fx-rates", ("spec", "consumesApis", 0)),
        ("dependsOn", "resource:default/ledger-db", ("spec", "dependsOn", 1)),
        ("dependsOn", "user:payments/jdoe", ("spec", "dependsOn", 0)),
        ("dependencyOf", "component:payments/web", ("spec", "dependencyOf", 0)),
        ("partOf", "system:default/checkout", ("spec", "system")),
    ]


@pytest.mark.parametrize(
    "kind, spec, expected",
    [
        ("API", '{type: "openapi", lifecycle: "x", owner: "user:jane", definition: "x", '
         'system: "s"}', [("ownedBy", "user:default/jane"), ("partOf", "system:default/s")]),
        ("Resource", '{type: "db", owner: "t", dependencyOf: "component:c"}',
         [("ownedBy", "group:default/t"), ("dependencyOf", "component:default/c")]),
        ("System", '{owner: "component:odd", domain: "d"}',
         [("ownedBy", "component:default/odd"), ("partOf", "domain:default/d")]),
        ("Domain", '{owner: "t", subdomainOf: "top"}',
         [("ownedBy", "group:default/t"), ("partOf", "domain:default/top")]),
        ("Group", '{type: "team", parent: "eng", children: ["b", "a"], members: ["jdoe"]}',
         [("childOf", "group:default/eng"), ("parentOf", "group:default/a"),
          ("parentOf", "group:default/b"), ("hasMember", "user:default/jdoe")]),
        ("User", '{memberOf: ["team-a", "group:other/x"]}',
         [("memberOf", "group:other/x"), ("memberOf", "group:default/team-a")]),
        ("Location", '{targets: ["./a.yaml"]}', []),
    ],
)
def test_relations_per_kind(kind, spec, expected):
    result = run(entity_yaml(kind, spec))
    assert errors(result) == []
    assert [(r.type, str(r.target)) for r in result.entities[0].relations] == expected


def test_template_owner_relation():
    text = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: "t"}
spec: {type: "service", owner: "team-a", steps: [{action: "fetch:plain"}]}
"""
    [entity] = run(text).entities
    assert [(r.type, str(r.target)) for r in entity.relations] == [
        ("ownedBy", "group:default/team-a")
    ]


@pytest.mark.parametrize(
    "extra, code, backstage",
    [
        ('  dependsOn: ["orders-db"]', "bad-ref",
         'caused by Error: Entity reference "orders-db" had missing or empty kind '
         '(e.g. did not start with "component:" or similar)'),
        ('  system: "system:"', "bad-ref",
         'caused by TypeError: Entity reference "system:" was not on the form '
         "[<kind>:][<namespace>/]<name>"),
        ("  dependencyOf: [3]", "bad-ref",
         "caused by Error: Entity reference 3 had missing or empty kind"),
    ],
)
def test_bad_refs_fail_the_entity(extra, code, backstage):
    result = run(COMPONENT.format(name="x") + extra)
    assert result.entities == []
    [problem] = errors(result)
    assert problem.code == code
    assert problem.backstage.startswith(
        "InputError: Processor BuiltinKindsEntityProcessor threw an error while postprocessing"
    )
    assert backstage in problem.backstage


def test_compound_dependency_of_is_accepted_like_backstage():
    result = run(COMPONENT.format(name="x") + '  dependencyOf: [{kind: "Component", name: "Y"}]')
    assert [str(r.target) for r in result.entities[0].relations][-1] == "component:default/y"


@pytest.mark.parametrize(
    "kind, api_version",
    [("Component", "backstage.io/v1"), ("Template", "backstage.io/v1beta2"),
     ("Resource", "example.com/v1alpha1")],
)
def test_unknown_api_version_of_a_known_kind_is_an_error(kind, api_version):
    result = run(entity_yaml(kind, "{}", api_version))
    [problem] = result.problems  # spec errors are hidden, as in Backstage
    assert problem.code == "unknown-api-version" and problem.is_error
    assert problem.backstage == (
        f"InputError: No processor recognized the entity {kind.lower()}:default/x as valid, "
        "possibly caused by a foreign kind or apiVersion"
    )
    assert "v1" in problem.hint
    assert result.entities == []


@pytest.mark.parametrize("kind", ["Service", "component", "AIResource", "Environment"])
def test_unknown_kind_is_a_warning_and_still_listed(kind):
    result = run(entity_yaml(kind, '{owner: "t"}'))
    [problem] = result.problems
    assert problem.code == "unknown-kind" and problem.severity is Severity.WARNING
    assert "No processor recognized" in problem.backstage and "module" in problem.backstage
    [entity] = result.entities
    assert not entity.known_kind and entity.relations == ()


def test_unknown_kind_still_goes_through_the_policies():
    text = 'apiVersion: "backstage.io/v1alpha1"\nkind: "Service"\nmetadata: {name: "-x"}\n'
    result = run(text)
    assert [p.code for p in result.problems] == ["name-format"]
    assert result.entities == []


def test_all_format_problems_reported_first_is_backstages():
    text = COMPONENT.format(name="-x").replace(
        'name: "-x"', 'name: "-x"\n  namespace: "Payments"\n  tags: ["Java"]'
    )
    result = run(text)
    assert [p.code for p in result.problems] == ["name-format", "namespace-format", "tag-format"]
    assert result.problems[0].backstage.startswith(
        'InputError: Policy check failed for component:payments/-x; caused by Error: '
        '"metadata.name" is not valid'
    )
    assert "-x" in result.problems[0].message and result.problems[0].hint


def test_schema_problem_names_field_value_and_line():
    text = COMPONENT.format(name="x").replace(
        'name: "x"', 'name: "x"\n  annotations:\n    example.com/replicas: 3'
    )
    lines = {(): 2, ("metadata", "annotations", "example.com/replicas"): 7}
    result = validate([doc(text, lines=lines)])
    [problem] = result.problems
    assert problem.code == "entity-schema" and problem.line == 7
    assert "example.com/replicas" in problem.message and "3" in problem.message
    assert problem.backstage.endswith(
        "Malformed envelope, /metadata/annotations/example.com~1replicas must be string"
    )
    assert '"3"' in problem.hint


@pytest.mark.parametrize(
    "root, code, backstage",
    [
        ("relations: []", "root-field", "caused by Error: Unknown field relations"),
        ("status: {}", "root-field", "caused by Error: Unknown field status"),
        ('owner: "team-a"', "root-field",
         "caused by Error: Malformed envelope, <root> must NOT have additional properties"),
    ],
)
def test_root_fields(root, code, backstage):
    result = run(COMPONENT.format(name="x") + root)
    [problem] = result.problems
    assert problem.code == code and problem.backstage.endswith(backstage)


def test_missing_spec_and_required_fields():
    result = run('apiVersion: "backstage.io/v1alpha1"\nkind: "Group"\nmetadata: {name: "g"}\n',
                 'apiVersion: "backstage.io/v1alpha1"\nkind: "Group"\nmetadata: {name: "h"}\n'
                 'spec: {type: "team"}\n')
    assert [p.backstage.split("caused by ")[1] for p in result.problems] == [
        "TypeError: <root> must have required property 'spec' - missingProperty: spec",
        "TypeError: /spec must have required property 'children' - missingProperty: children",
    ]
    assert all(p.code == "spec-schema" for p in result.problems)
    assert "children: []" in result.problems[1].hint


def test_same_file_duplicates_keep_the_last():
    first = doc(COMPONENT.format(name="checkout"), index=0)
    second = doc(COMPONENT.format(name="Checkout"), index=1)
    result = validate([first, second])
    assert [e.document.index for e in result.entities] == [1]
    [problem] = result.problems
    assert problem.code == "duplicate-in-file" and problem.severity is Severity.WARNING
    assert problem.backstage.startswith("accepted")


def test_cross_file_duplicates_keep_the_first_and_name_both_places():
    first = doc(COMPONENT.format(name="checkout"), file="a/catalog-info.yaml")
    second = doc(COMPONENT.format(name="CHECKOUT"), file="b/catalog-info.yaml")
    result = validate([first, second])
    assert [e.file for e in result.entities] == ["a/catalog-info.yaml"]
    [problem] = result.problems
    assert problem.code == "duplicate-ref" and problem.is_error
    assert "a/catalog-info.yaml:1" in problem.message
    assert "b/catalog-info.yaml:1" in problem.message
    assert problem.file == "b/catalog-info.yaml" and problem.hint
    assert "Detected conflicting entityRef component:default/checkout" in problem.backstage


def test_duplicate_of_an_invalid_entity_still_claims_the_ref():
    broken = doc(COMPONENT.format(name="x").replace('owner: "team-a"', ""), file="a.yaml")
    fine = doc(COMPONENT.format(name="x"), file="b.yaml")
    result = validate([broken, fine])
    assert result.entities == []
    assert [p.code for p in result.problems] == ["spec-schema", "duplicate-ref"]


@pytest.mark.parametrize(
    "data, backstage",
    [
        ({"kind": "Component", "metadata": {"name": "x"}},
         "TypeError: <root> must have required property 'apiVersion' - "
         "missingProperty: apiVersion"),
        ({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": 3}},
         "TypeError: /metadata/name must be string - type: string"),
        ({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
          "metadata": {"name": "x", "annotations": ["a"]}},
         "Error: metadata.annotations must be a valid object"),
    ],
)
def test_broken_envelopes_are_reported_not_raised(data, backstage):
    location = LocationRef("file", "/x.yaml")
    document = Document(data, "x.yaml", None, 0, Positions(), location, location, "x")
    result = validate([document])
    [problem] = result.problems
    assert problem.code == "envelope" and problem.backstage == backstage
    assert result.entities == []


def test_empty_annotations_become_an_object():
    text = COMPONENT.format(name="x").replace('name: "x"', 'name: "x"\n  annotations:')
    [entity] = run(text).entities
    assert entity.annotations == {}
