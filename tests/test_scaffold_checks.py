"""`check_templates`: what `playbill validate` says about templates, table by table."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.read import read_catalog
from generator.scaffold.checks import KNOWN_ACTIONS, check_template, check_templates
from generator.scaffold.template import load_template
from generator.sources import trees_for_paths

ROOT = Path(__file__).resolve().parents[1]

HEAD = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: demo
spec:
  type: service
"""


def load(tmp_path: Path, body: str, folders: tuple[str, ...] = ()):
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True)
    path = tmp_path / "template.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    template, problems = load_template(path)
    assert template is not None, problems
    return template


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def test_a_clean_template_has_no_problems(tmp_path):
    template = load(tmp_path, """\
  parameters:
    - title: One
      required: [name]
      properties:
        name: {type: string, "ui:autofocus": true}
  steps:
    - id: fetch
      action: fetch:template
      input: {url: ./skeleton, values: {name: "${{ parameters.name | lower }}"}}
    - id: log
      action: debug:log
      input: {message: "${{ steps['fetch'].output | dump }}"}
  output:
    text: [{title: Done, content: "${{ parameters.name }}"}]
""", folders=("skeleton",))
    assert check_template(template) == []


@pytest.mark.parametrize("body, code, line", [
    # parameter schemas must be JSON Schema
    ("  parameters:\n    properties:\n      n: {type: strng}\n"
     "  steps: [{action: debug:log}]\n", "scaffold-parameter-schema", 9),
    ("  parameters:\n    - required: name\n  steps: [{action: debug:log}]\n",
     "scaffold-parameter-schema", 8),
    ("  parameters:\n    - required: [nme]\n      properties: {name: {type: string}}\n"
     "  steps: [{action: debug:log}]\n", "scaffold-required-unknown", 8),
    # actions
    ("  steps:\n    - id: a\n      action: roadiehq:utils:fs:write\n",
     "scaffold-unknown-action", 9),
    ("  steps:\n    - id: a\n      action: debug:log\n    - id: a\n      action: debug:log\n",
     "scaffold-duplicate-step-id", 10),
    ("  steps:\n    - id: a\n      action: fetch:template\n      input: {targetPath: x}\n",
     "scaffold-step-input", 10),
    # skeletons
    ("  steps:\n    - id: a\n      action: fetch:template\n      input: {url: ./nowhere}\n",
     "scaffold-skeleton-missing", 10),
    ("  steps:\n    - id: a\n      action: fetch:plain:file\n      input: {url: ./skeleton, targetPath: x}\n",
     "scaffold-skeleton-missing", 10),
    ("  steps:\n    - id: a\n      action: fetch:plain\n      input: {url: 'https://github.com/o/r/tree/main/s'}\n",
     "scaffold-remote-skeleton", 10),
    # expressions
    ("  steps:\n    - id: a\n      action: debug:log\n      input:\n        message: ${{ parameters.a && parameters.b }}\n",
     "scaffold-expression", 11),
    ("  steps:\n    - id: a\n      action: debug:log\n      if: ${{ parameters.a\n",
     "scaffold-expression", 10),
    ("  steps:\n    - id: a\n      action: debug:log\n      input:\n        message: ${{ parameters.a | shout }}\n",
     "scaffold-unknown-filter", 11),
    ("  steps:\n    - id: a\n      action: debug:log\n      input:\n        message: ${{ steps.b.output.x }}\n"
     "    - id: b\n      action: debug:log\n", "scaffold-unknown-step", 11),
    ("  steps: [{id: a, action: debug:log}]\n  output:\n    links: [{url: \"${{ steps['zz'].output.u }}\"}]\n",
     "scaffold-unknown-step", 9),
    # example parameter sets
    ("  parameters:\n    properties: {n: {type: integer}}\n  steps: [{action: debug:log}]\n"
     "  x-playbill-examples:\n    - name: bad\n      values: {n: many}\n", "scaffold-example", 12),
])
def test_problems_name_the_rule_and_the_line(tmp_path, body, code, line):
    template = load(tmp_path, body, folders=("skeleton",))
    problems = check_template(template)
    assert code in codes(problems), problems
    problem = next(p for p in problems if p.code == code)
    assert problem.line == line and problem.file == str(tmp_path / "template.yaml")
    assert problem.entity == "template:default/demo" and problem.hint


def test_unknown_action_message_says_unsupported_and_suggests_relatives(tmp_path):
    template = load(tmp_path, "  steps:\n    - id: a\n      action: fetch:cookiecutter\n")
    [problem] = check_template(template)
    assert "`fetch:cookiecutter`" in problem.message and "unsupported action" in problem.message
    assert "fetch:template" in problem.hint and "playbill.scaffold.actions" in problem.hint
    assert "not registered" in problem.backstage


def test_a_given_action_list_replaces_the_registry(tmp_path):
    template = load(tmp_path, "  steps:\n    - id: a\n      action: acme:deploy\n")
    assert check_template(template, actions=["acme:deploy"]) == []
    assert set(KNOWN_ACTIONS) <= set(__import__(
        "generator.scaffold.checks", fromlist=["known_actions"]).known_actions())


def test_templated_urls_are_not_checked_on_disk(tmp_path):
    template = load(tmp_path, "  steps:\n    - id: a\n      action: fetch:plain\n"
                              "      input: {url: './${{ parameters.ci }}'}\n")
    assert check_template(template) == []


def test_catalog_entities_are_checked_and_other_kinds_skipped(tmp_path):
    (tmp_path / "template.yaml").write_text(HEAD + "  steps:\n    - action: nope:nope\n",
                                            encoding="utf-8")
    (tmp_path / "component.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c}\n"
        "spec: {type: service, lifecycle: production, owner: team-a}\n", encoding="utf-8")
    found = trees_for_paths([tmp_path])
    catalog = read_catalog(found.trees, found.problems)
    problems = check_templates(catalog.entities.values())
    assert codes(problems) == ["scaffold-unknown-action"]
    assert problems[0].line == 8 and problems[0].file.endswith("template.yaml")


def test_the_example_templates_are_clean():
    from generator.scaffold.discovery import templates_at

    templates, _ = templates_at(ROOT / "scaffold_templates")
    assert len(templates) == 3
    assert check_templates(templates) == []
