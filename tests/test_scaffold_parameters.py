"""Parameter values: merged schema, defaults, jsonschema checks with named rules, form
fields for workflow inputs, and text values coerced to the schema's types."""

from __future__ import annotations


import pytest

from generator.scaffold.parameters import (
    apply_defaults, check_values, coerce_values, parameter_fields, schema_of,
)
from generator.scaffold.template import load_template

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: service, title: New service}
spec:
  type: service
  parameters:
    - title: Basics
      required: [name, owner]
      properties:
        name:
          type: string
          title: Name
          description: Unique name of the service
          pattern: '^[a-z][a-z0-9-]*$'
          maxLength: 20
          ui:autofocus: true
        owner: {type: string, ui:field: OwnerPicker}
        replicas: {type: integer, minimum: 1, maximum: 5, default: 2}
    - title: Options
      properties:
        language: {type: string, enum: [python, go], enumNames: [Python, Go], default: python}
        public: {type: boolean, default: false}
        tags: {type: array, items: {type: string}}
        token: {type: string, ui:field: Secret}
        settings:
          type: object
          properties: {region: {type: string, default: eu}}
      dependencies:
        language:
          oneOf:
            - properties:
                language: {const: python}
                pythonVersion: {type: string, enum: ['3.11', '3.12'], default: '3.12'}
              required: [pythonVersion]
            - properties:
                language: {const: go}
                goModule: {type: string}
  steps:
    - {id: log, action: debug:log, input: {message: hi}}
"""


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    loaded, problems = load_template(path)
    assert problems == []
    return loaded


def test_schema_of_merges_steps_and_keeps_conditions(template):
    schema = schema_of(template)
    assert schema["type"] == "object"
    assert list(schema["properties"]) == [
        "name", "owner", "replicas", "language", "public", "tags", "token", "settings"]
    assert schema["required"] == ["name", "owner"]
    assert "ui:autofocus" not in schema["properties"]["name"]
    assert schema["allOf"][0]["dependencies"]["language"]["oneOf"][1]["properties"]["goModule"]


def test_apply_defaults_fills_missing_values_and_the_chosen_branch(template):
    values = apply_defaults(template, {"name": "svc", "owner": "team", "replicas": 4})
    assert values == {"name": "svc", "owner": "team", "replicas": 4, "language": "python",
                      "public": False, "settings": {"region": "eu"}, "pythonVersion": "3.12"}
    go = apply_defaults(template, {"language": "go"})
    assert "pythonVersion" not in go


def test_good_values_have_no_problems(template):
    assert check_values(template, apply_defaults(template, {"name": "svc", "owner": "team"})) == []


@pytest.mark.parametrize("values, message", [
    ({"owner": "t"}, 'parameter "name" is required (rule required)'),
    ({"name": "Svc", "owner": "t"}, 'parameter "name" must match pattern "^[a-z][a-z0-9-]*$" (rule pattern), got "Svc"'),
    ({"name": "a" * 21, "owner": "t"}, 'parameter "name" must be at most 20 characters long (rule maxLength)'),
    ({"name": "s", "owner": "t", "replicas": 9}, 'parameter "replicas" must be <= 5 (rule maximum), got 9'),
    ({"name": "s", "owner": "t", "replicas": "2"}, 'parameter "replicas" must be of type integer (rule type), got "2"'),
    ({"name": "s", "owner": "t", "language": "rust"}, 'parameter "language" must be one of "python", "go" (rule enum), got "rust"'),
    ({"name": "s", "owner": "t", "tags": [1]}, 'parameter "tags.0" must be of type string (rule type), got 1'),
    ({"name": "s", "owner": "t", "language": "python"}, "must match exactly one of its alternatives (rule oneOf)"),
])
def test_bad_values_name_the_parameter_and_rule(template, values, message):
    problems = check_values(template, values)
    assert any(message in p.message for p in problems), [p.message for p in problems]
    assert all(p.file and p.entity == "template:default/service" for p in problems)


def test_unknown_parameters_are_warnings(template):
    problems = check_values(template, {"name": "s", "owner": "t", "nmae": "x"})
    assert [(p.severity.value, p.code) for p in problems] == [("warning", "scaffold-unknown-parameter")]


def test_parameter_fields(template):
    fields = {f.name: f for f in parameter_fields(template)}
    assert list(fields) == ["name", "owner", "replicas", "language", "public", "tags", "token",
                            "settings", "pythonVersion", "goModule"]
    name = fields["name"]
    assert (name.type, name.title, name.required, name.description) == (
        "string", "Name", True, "Unique name of the service")
    assert name.ui == {"ui:autofocus": True}
    assert fields["language"].enum == ("python", "go") and fields["language"].enum_names == ("Python", "Go")
    assert fields["replicas"].default == 2 and fields["replicas"].has_default
    assert fields["token"].secret and not fields["name"].secret
    assert fields["pythonVersion"].conditional and fields["pythonVersion"].choices == ("3.11", "3.12")
    assert fields["language"].step == 1


def test_coerce_values_from_text(template):
    raw = {"name": "svc", "replicas": "3", "public": "true", "tags": "a, b",
           "settings": '{"region": "us"}', "unknown": "x", "language": "go"}
    assert coerce_values(template, raw) == {
        "name": "svc", "replicas": 3, "public": True, "tags": ["a", "b"],
        "settings": {"region": "us"}, "unknown": "x", "language": "go"}
    assert coerce_values(template, {"tags": '["x"]', "replicas": "many"}) == {"tags": ["x"], "replicas": "many"}


def test_single_object_parameters_and_none(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE.split("  parameters:")[0] + "  parameters:\n    properties: {a: {type: string}}\n"
                    "  steps: []\n")
    template, _ = load_template(path)
    assert [f.name for f in parameter_fields(template)] == ["a"]
    path.write_text(TEMPLATE.split("  parameters:")[0] + "  steps: []\n")
    template, _ = load_template(path)
    assert schema_of(template) == {"type": "object", "properties": {}, "title": "New service"}
    assert check_values(template, {}) == []
