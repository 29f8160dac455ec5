"""Every v1beta3 template of the real-world corpus, through Playbill's scaffolder.

- it parses (or Backstage would refuse it too: the few listed in REJECTED);
- when all its actions are ones Playbill has, it runs dry against its real skeleton when
  the corpus holds that skeleton (SKELETONS.tsv says which were copied), with values made
  from its own form; when the skeleton was not copied, the run fails at the fetch step and
  publishes nothing;
- when it uses an action Playbill lacks, the run refuses before any step, saying
  "unsupported action".
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from generator.scaffold.checks import known_actions
from generator.scaffold.parameters import apply_defaults, check_values, parameter_fields
from generator.scaffold.runner import RunOptions, run_template
from generator.scaffold.template import API_VERSION, load_template

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(),
                                reason="needs the corpus in ../shared/corpus")

#: Templates Backstage refuses as well: YAML syntax errors and steps without `action`.
REJECTED = {
    "C-Nell__devhub-catalog/catalog/templates/update_json_file/template.yaml": "yaml",
    "C-Nell__devhub-catalog/catalog/templates/update_yaml_file/template.yaml": "yaml",
    "giantswarm__backstage-catalogs/templates/rds-and-elasticache-service/template.yaml":
        "spec.steps[0].action is required",
}

#: Templates that fail in Backstage too, with the step and why.
FAILS_IN_BACKSTAGE_TOO = {
    "darede-labs__reference-implementation-aws/packages/crossplane-compositions/"
    "eks-cluster-template-backstage.yaml": (
        "register", "publish:github:pull-request has no repoContentsUrl output, so "
                    "catalog:register gets only catalogInfoPath"),
}

#: Where Playbill's renderer still differs from Backstage's on real skeletons.
KNOWN_GAPS = {
    "redhat-developer__red-hat-developer-hub-software-templates/templates/github/sdlc-app/"
    "template.yaml": "JavaScript string methods in skeletons (`values.x.replaceAll(',', '-')`)",
}


def corpus_templates() -> list[str]:
    if not (CORPUS / "MANIFEST.tsv").exists():
        return []
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return sorted(row["local_path"] for row in rows if "Template" in row["kinds"]
                  and API_VERSION in (CORPUS / row["local_path"]).read_text(encoding="utf-8"))


def sample_value(field) -> object:
    """A value the field accepts, as a developer filling in the form would give."""
    schema = field.schema
    if field.default is not None:
        return field.default
    if field.enum:
        return field.enum[0]
    ui = field.ui.get("ui:field", "")
    if field.type == "boolean":
        return False
    if field.type in ("number", "integer"):
        return schema.get("minimum", 1)
    if field.type == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        if items.get("enum"):
            return [items["enum"][0]]
        return ["demo"] * int(schema.get("minItems", 0))
    if field.type == "object":
        return {}
    if ui == "RepoUrlPicker":
        return "github.com?owner=cairnfield&repo=demo-service"
    if ui in ("OwnerPicker", "MyGroupsPicker"):
        return "group:default/team-platform"
    if ui in ("EntityPicker", "OwnedEntityPicker"):
        return "component:default/demo-service"
    if ui == "EntityTagsPicker":
        return ["demo"]
    return "demo-service"


def sample_values(template) -> dict:
    values = {f.name: sample_value(f) for f in parameter_fields(template) if not f.conditional}
    return apply_defaults(template, values)


def remote_fetches(template) -> list[str]:
    """Steps that fetch from a URL: Playbill reads skeletons only from the template's
    own repository, so these fail (by design) with a message naming the URL."""
    return [step.id for step in template.steps if step.action.startswith("fetch:")
            and "://" in str(step.input.get("url", ""))]


def local_skeletons(template) -> list[tuple[str, Path]]:
    """Static local `url`s of the fetch steps, with where they point."""
    found = []
    for step in template.steps:
        url = step.input.get("url") if step.action.startswith("fetch:") else None
        if isinstance(url, str) and "://" not in url and "${{" not in url:
            found.append((step.id, template.folder / url))
    return found


CASES = corpus_templates()


def test_the_corpus_has_v1beta3_templates():
    assert len(CASES) >= 90


@pytest.mark.parametrize("local_path", CASES)
def test_template(local_path, tmp_path):
    template, problems = load_template(CORPUS / local_path)
    if local_path in REJECTED:
        assert template is None
        assert REJECTED[local_path] in " ".join(p.message for p in problems)
        return
    assert template is not None, [p.message for p in problems]
    unsupported = sorted({s.action for s in template.steps} - set(known_actions()))
    values = sample_values(template)
    result = run_template(template, values, RunOptions(dry_run=True, output=tmp_path / "out",
                                                       workdir=tmp_path))
    if unsupported:
        assert not result.ok and not result.steps or all(s.status == "not-run" for s in result.steps)
        messages = " ".join(p.message for p in result.problems if p.code == "unsupported-action")
        assert "not support" in messages and unsupported[0] in messages
        return
    skeletons = local_skeletons(template)
    missing = [step for step, path in skeletons if not path.exists()]
    remote = remote_fetches(template)
    if check_values(template, values):
        pytest.skip("the form needs values a generic filler cannot guess")
    if local_path in KNOWN_GAPS and not result.ok:
        pytest.xfail(KNOWN_GAPS[local_path])
    if local_path in FAILS_IN_BACKSTAGE_TOO:
        step, _ = FAILS_IN_BACKSTAGE_TOO[local_path]
        assert not result.ok and result.failed_step == step
        return
    if missing or remote:
        # The skeleton was not copied into the corpus, or lives at a URL: the run stops
        # at the first such step, names it, and publishes nothing.
        assert not result.ok and result.failed_step in {*missing, *remote}, result.problems
        assert not any(s.status == "ok" and s.action.startswith("publish:")
                       for s in result.steps)
        return
    assert result.ok, (result.failed_step, [p.message for p in result.problems],
                       [s.error for s in result.steps if s.error])
    if skeletons:
        assert any((tmp_path / "out").rglob("*")), "a dry run with a skeleton writes files"
