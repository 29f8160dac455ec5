"""Reading templates: from a file (placeholders, Git commit, examples), from a catalog,
and every v1beta3 template of the shared corpus."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from generator.model.scm import web_for
from generator.scaffold.expressions import check_expression, expressions_in
from generator.scaffold.parameters import apply_defaults, parameter_fields, schema_of
from generator.scaffold.template import EXAMPLES_KEY, load_template, templates_from_catalog
from gitrepo import commit, make_repo

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: service
  title: New service
  description: A service from the skeleton
spec:
  owner: group:platform
  type: service
  parameters:
    - title: Basics
      required: [name]
      properties:
        name: {type: string, title: Name, ui:autofocus: true}
    - $yaml: ./more-parameters.yaml
  steps:
    - id: fetch
      name: Fetch skeleton
      action: fetch:template
      input:
        url: ./skeleton
        values: {name: "${{ parameters.name }}"}
    - action: debug:log
      if: ${{ parameters.verbose }}
      each: ${{ parameters.tags }}
      input: {message: "${{ each.value }}"}
  output:
    links:
      - title: Repository
        url: ${{ steps.publish.output.remoteUrl }}
  x-playbill-examples:
    - name: minimal
      values: {name: demo}
    - values: {name: other, verbose: true}
"""

MORE = """\
title: Options
properties:
  verbose: {type: boolean, default: false}
  tags: {type: array, items: {type: string}, default: [a]}
"""


def test_load_template_reads_steps_parameters_output_and_examples(tmp_path):
    repo = make_repo(tmp_path / "templates", {
        "service/template.yaml": TEMPLATE, "service/more-parameters.yaml": MORE,
        "service/skeleton/README.md": "# ${{ values.name }}\n",
    })
    template, problems = load_template(Path(repo.workdir) / "service/template.yaml")
    assert problems == []
    assert template.ref == "template:default/service"
    assert (template.name, template.title, template.owner, template.type) == (
        "service", "New service", "group:platform", "service")
    assert [p.title for p in template.parameters] == ["Basics", "Options"]
    assert template.parameters[1].properties["verbose"] == {"type": "boolean", "default": False}
    assert [(s.id, s.action) for s in template.steps] == [("fetch", "fetch:template"), ("step-2", "debug:log")]
    assert template.steps[0].input["values"] == {"name": "${{ parameters.name }}"}  # raw
    assert template.steps[1].if_ == "${{ parameters.verbose }}"
    assert template.steps[1].each == "${{ parameters.tags }}"
    assert template.output["links"][0]["title"] == "Repository"
    assert [(e.name, e.values) for e in template.examples] == [
        ("minimal", {"name": "demo"}), ("example-2", {"name": "other", "verbose": True})]
    assert template.folder == template.path.parent and template.folder.name == "service"
    assert template.commit == str(repo.head.target)
    assert template.line_of(("spec", "steps", 1, "action")) == TEMPLATE.splitlines().index(
        "    - action: debug:log") + 1
    assert template.entity is not None


def test_a_template_backstage_refuses_is_returned_with_its_errors(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE.replace("id: fetch", "id: null").replace("    - $yaml: ./more-parameters.yaml\n", ""))
    template, problems = load_template(path)
    assert template is not None and template.entity is None
    assert [p.code for p in problems if p.is_error] == ["spec-schema"]
    assert template.steps[0].id == "step-1"


@pytest.mark.parametrize("text, code", [
    ("kind: Component\napiVersion: backstage.io/v1alpha1\nmetadata: {name: x}\nspec: {}\n", "template-missing"),
    ("a: [\n", "yaml-syntax"),
])
def test_files_without_a_usable_template(tmp_path, text, code):
    path = tmp_path / "template.yaml"
    path.write_text(text)
    template, problems = load_template(path)
    assert template is None
    assert code in [p.code for p in problems]


def test_missing_file(tmp_path):
    template, problems = load_template(tmp_path / "nope.yaml")
    assert template is None and problems[0].code == "template-unreadable"


def test_bad_examples_are_reported(tmp_path):
    path = tmp_path / "template.yaml"
    text = TEMPLATE.replace("    - $yaml: ./more-parameters.yaml\n", "")
    path.write_text(text.replace("    - name: minimal\n      values: {name: demo}\n", "    - 3\n"))
    template, problems = load_template(path)
    assert [p.code for p in problems] == ["template-examples"]
    assert problems[0].line == text.splitlines().index(f"  {EXAMPLES_KEY}:") + 2


def test_templates_from_catalog(tmp_path):
    from generator.read import read_catalog
    from generator.model.source import SourceTree
    repo = make_repo(tmp_path / "t", {"template.yaml": TEMPLATE.replace(
        "    - $yaml: ./more-parameters.yaml\n", "")})
    commit(repo, {"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Location\n"
                  "metadata: {name: l}\nspec: {targets: [./template.yaml]}\n"})
    catalog = read_catalog([SourceTree("t", Path(repo.workdir), commit=str(repo.head.target))])
    [template] = templates_from_catalog(catalog)
    assert template.ref == "template:default/service"
    assert template.path.name == "template.yaml" and template.commit == str(repo.head.target)


# --- the shared corpus -----------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
#: Files a YAML parser rejects (MANIFEST says `unparseable`): nothing can load them.
UNPARSEABLE = "unparseable"


def _corpus_templates() -> list[tuple[str, str, str]]:
    if not (CORPUS / "MANIFEST.tsv").exists():
        return []
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        (row["local_path"], row["repo"], row["kinds"]) for row in rows
        if "Template" in row["kinds"]
        and "scaffolder.backstage.io/v1beta3" in (CORPUS / row["local_path"]).read_text(errors="replace")
    ]


def _load(local: str, repo: str):
    root = CORPUS / local.split("/", 1)[0]
    return load_template(CORPUS / local, root=root, web=web_for(f"https://github.com/{repo}", "main"))


@pytest.mark.skipif(not _corpus_templates(), reason="needs ../shared/corpus")
@pytest.mark.parametrize("local, repo, kinds", _corpus_templates(), ids=lambda v: str(v)[:60])
def test_every_corpus_template_loads(local, repo, kinds):
    template, problems = _load(local, repo)
    if UNPARSEABLE in kinds:
        assert template is None and problems[0].code == "yaml-syntax"
        return
    assert template is not None, [p.message for p in problems]
    schema_of(template)
    parameter_fields(template)
    apply_defaults(template, {})


#: Expressions in the corpus that Backstage refuses too: JavaScript operators Nunjucks
#: lacks (`||`, `&&`, `? :`). Counted so a regression either way shows.
EXPECTED_REFUSED = 41


@pytest.mark.skipif(not _corpus_templates(), reason="needs ../shared/corpus")
def test_corpus_expressions_parse_except_javascript_operators():
    refused, total = [], 0
    for local, repo, kinds in _corpus_templates():
        template, _ = _load(local, repo)
        if template is None:
            continue
        values = [[s.input, s.if_, s.each] for s in template.steps] + [template.output]
        for expression in expressions_in(values):
            total += 1
            problem = check_expression(expression)
            if problem:
                refused.append(problem)
    assert total > 1500
    assert all("is JavaScript" in p for p in refused), refused
    assert len(refused) == EXPECTED_REFUSED
