"""The load stage on real files in tmp_path: globs, Locations, placeholders, annotations,
and every way a file can be broken without losing the rest."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from generator.load import load_catalog, looks_like_entity_file
from generator.load.globs import expand
from generator.model.envelope import check_envelope
from generator.model.scm import RepoWeb
from generator.model.source import SourceTree

SHARED = Path(__file__).resolve().parents[2] / "shared"
GITHUB = RepoWeb("github", "https://github.com/acme/shop", "main")
BLOB = "https://github.com/acme/shop/blob/main/"
TREE = "https://github.com/acme/shop/tree/main/"


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"))
    return root


def component(name: str, **spec: str) -> str:
    lines = ["apiVersion: backstage.io/v1alpha1", "kind: Component", "metadata:", f"  name: {name}",
             "spec:", "  type: service", "  lifecycle: production", "  owner: team-a"]
    lines += [f"  {k}: {v}" for k, v in spec.items()]
    return "\n".join(lines) + "\n"


def location(name: str, *targets: str, extra: str = "") -> str:
    items = "".join(f"    - {t}\n" for t in targets)
    return (f"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: {name}\n"
            f"spec:\n{extra}  targets:\n{items}")


def repo_tree(root: Path, **kwargs) -> SourceTree:
    options = dict(web=GITHUB, display_prefix="acme/shop/", commit="c0ffee", branch="main")
    options.update(kwargs)
    return SourceTree("acme/shop", root, **options)


def names(result) -> list[str]:
    return [d.data["metadata"]["name"] for d in result.documents]


def codes(result) -> list[str]:
    return sorted(p.code for p in result.problems)


def only(result, code: str):
    [problem] = [p for p in result.problems if p.code == code]
    return problem


# --- globs and sniffing ---------------------------------------------------------------


def test_globs_expand_recursively_sorted_and_skip_hidden_folders(tmp_path):
    write(tmp_path, {
        "b/catalog-info.yaml": component("b"),
        "a/deep/er/catalog-info.yaml": component("a"),
        "catalog-info.yaml": component("top"),
        ".github/catalog-info.yaml": component("hidden"),
        "a/other.yaml": component("other"),
    })
    found = expand(tmp_path, "**/catalog-info.yaml")
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a/deep/er/catalog-info.yaml", "b/catalog-info.yaml", "catalog-info.yaml"]
    assert [p.name for p in expand(tmp_path, "a/*.{yaml,yml}")] == ["other.yaml"]
    assert expand(tmp_path, "./b/catalog-info.yaml") == [tmp_path / "b/catalog-info.yaml"]


def test_each_matched_file_is_a_registered_location(tmp_path):
    write(tmp_path, {"one.yaml": component("one"), "two/x.yaml": component("two")})
    result = load_catalog([repo_tree(tmp_path, globs=("**/*.yaml",))])
    assert names(result) == ["one", "two"]
    one, two = result.documents
    assert one.file == "acme/shop/one.yaml" and one.path == (tmp_path / "one.yaml").resolve()
    assert str(one.location) == f"url:{BLOB}one.yaml"
    assert one.origin == one.location and one.parent == str(one.location)
    assert (one.source, one.commit, one.index, one.line) == ("acme/shop", "c0ffee", 0, 1)
    assert str(two.origin) == f"url:{BLOB}two/x.yaml"


def test_sniffing_skips_yaml_that_is_not_an_entity_but_not_listed_files(tmp_path):
    write(tmp_path, {
        "mkdocs.yml": "site_name: docs\nnav: []\n",
        "openapi.yaml": "openapi: 3.0.0\ninfo: {title: x}\n",
        "service.yaml": component("svc"),
        "broken.yaml": "apiVersion: v1\nkind: [\n",
    })
    tree = SourceTree("here", tmp_path, globs=("*.yml", "*.yaml", "openapi.yaml"),
                      location_type="file", sniff=True)
    result = load_catalog([tree])
    assert names(result) == ["svc"]
    # broken.yaml looks like an entity file, so its syntax error is reported; openapi.yaml
    # was listed by name, so it is read and refused.
    assert codes(result) == ["envelope"] * 3 + ["yaml-syntax"]  # apiVersion, kind, metadata
    assert looks_like_entity_file('"apiVersion": v1\nkind: X\n')
    assert not looks_like_entity_file("spec:\n  apiVersion: v1\n  kind: X\n")


def test_sniffing_skips_template_skeletons_but_keeps_templates(tmp_path):
    template = ("apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n"
                "  name: svc\nspec:\n  type: service\n  steps:\n    - action: debug:log\n"
                "      input: {message: '${{ parameters.name }}'}\n")
    write(tmp_path, {
        "svc/template.yaml": template,
        "svc/skeleton/catalog-info.yaml": component("${{ values.name }}"),
        "old/{{cookiecutter.name}}/catalog-info.yaml": component("{{ cookiecutter.name }}"),
    })
    tree = SourceTree("here", tmp_path, globs=("**/*.yaml",), location_type="file", sniff=True)
    result = load_catalog([tree])
    assert names(result) == ["svc"]
    assert codes(result) == []


def test_a_tree_without_catalog_files_is_a_warning(tmp_path):
    result = load_catalog([repo_tree(tmp_path)])
    assert codes(result) == ["no-catalog-files"]


# --- annotations ------------------------------------------------------------------------


def test_url_tree_annotations_match_the_oracle(tmp_path):
    """Values recorded from `node validate.js --base-url https://github.com/acme/shop/blob/main/
    --root repo --follow --entity repo/catalog-info.yaml` on the same files."""
    write(tmp_path, ORACLE_REPO)
    result = load_catalog([repo_tree(tmp_path)])
    by_name = {d.data["metadata"]["name"]: d for d in result.documents}
    assert list(by_name) == ["root", "orders-api", "team-a"]
    assert by_name["root"].data["metadata"]["annotations"] == {
        "backstage.io/managed-by-location": f"url:{BLOB}catalog-info.yaml",
        "backstage.io/managed-by-origin-location": f"url:{BLOB}catalog-info.yaml",
        "backstage.io/view-url": f"{BLOB}catalog-info.yaml",
        "backstage.io/edit-url": "https://github.com/acme/shop/edit/main/catalog-info.yaml",
        "backstage.io/source-location": f"url:{TREE}",
    }
    api = by_name["orders-api"]
    assert list(api.data["metadata"]["annotations"].items()) == [
        ("backstage.io/managed-by-location", f"url:{TREE}services/orders/catalog-info.yaml"),
        ("backstage.io/managed-by-origin-location", f"url:{BLOB}catalog-info.yaml"),
        ("backstage.io/view-url", "https://example.com/mine"),
        ("backstage.io/edit-url", "https://github.com/acme/shop/edit/main/services/orders/catalog-info.yaml"),
        ("backstage.io/source-location", f"url:{TREE}services/orders/"),
    ]
    assert api.parent == "location:default/root"
    assert str(api.origin) == f"url:{BLOB}catalog-info.yaml"
    assert str(by_name["team-a"].location) == f"url:{TREE}org.yaml"
    assert api.data["spec"]["definition"] == "openapi: 3.0.0\n"
    assert api.data["spec"]["extra"] == {"json": {"a": [1, 2]}, "yaml": {"k": "yes", "n": 755}}
    missing = [p for p in result.problems if p.code == "placeholder"]
    assert [p.entity for p in missing] == ["component:default/missing-placeholder", "component:default/two-docs"]
    assert missing[0].line == 26 and missing[0].file == "acme/shop/services/orders/catalog-info.yaml"
    assert "could not read location ./nope.txt" in missing[0].message
    assert missing[1].backstage == (
        "InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by "
        "Error: Placeholder $yaml expected to find exactly one document of data at /data/two.yaml, found 2")


ORACLE_REPO = {
    "catalog-info.yaml": location("root", "./services/orders/catalog-info.yaml", "/org.yaml"),
    "services/orders/catalog-info.yaml": """
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata:
          name: orders-api
          annotations:
            backstage.io/view-url: https://example.com/mine
            backstage.io/managed-by-location: url:https://example.com/fake
        spec:
          type: openapi
          lifecycle: production
          owner: team-a
          definition:
            $text: ./openapi.yaml
          extra:
            json: {$json: /data/info.json}
            yaml: {$yaml: ../../data/meta.yaml}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: missing-placeholder
        spec:
          type: service
          lifecycle: production
          owner: team-a
          x: {$text: ./nope.txt}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: two-docs
        spec:
          type: service
          lifecycle: production
          owner: team-a
          x: {$yaml: /data/two.yaml}
        """,
    "services/orders/openapi.yaml": "openapi: 3.0.0\n",
    "data/info.json": '{"a": [1, 2]}',
    "data/meta.yaml": "k: yes\nn: 0755\n",
    "data/two.yaml": "a: 1\n---\nb: 2\n",
    "org.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n"
                "spec:\n  type: team\n  children: []\n",
}


def test_file_tree_sets_only_the_managed_by_annotations(tmp_path):
    write(tmp_path, {"catalog-info.yaml": component("svc")})
    [document] = load_catalog([SourceTree("local", tmp_path, location_type="file")]).documents
    path = (tmp_path / "catalog-info.yaml").resolve()
    assert document.data["metadata"]["annotations"] == {
        "backstage.io/managed-by-location": f"file:{path}",
        "backstage.io/managed-by-origin-location": f"file:{path}",
    }


def test_no_edit_url_when_the_location_pins_a_commit(tmp_path):
    write(tmp_path, {"catalog-info.yaml": component("svc")})
    pinned = RepoWeb("github", "https://github.com/acme/shop", "a" * 40)
    [document] = load_catalog([repo_tree(tmp_path, web=pinned)]).documents
    annotations = document.data["metadata"]["annotations"]
    assert "backstage.io/edit-url" not in annotations
    assert annotations["backstage.io/view-url"] == f"https://github.com/acme/shop/blob/{'a' * 40}/catalog-info.yaml"


def test_null_annotations_become_an_object(tmp_path):
    write(tmp_path, {"catalog-info.yaml": component("svc").replace("  name: svc\n", "  name: svc\n  annotations:\n")})
    [document] = load_catalog([repo_tree(tmp_path)]).documents
    assert "backstage.io/managed-by-location" in document.data["metadata"]["annotations"]


# --- placeholders ---------------------------------------------------------------------------


def test_placeholders_resolve_anywhere_but_only_as_single_key_objects(tmp_path):
    write(tmp_path, {
        "catalog-info.yaml": """
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata:
              name: svc
              description: {$text: ./docs/summary.txt}
            spec:
              items:
                - {$json: /data.json}
              two: {$text: ./docs/summary.txt, other: 1}
              unknown: {$openapi: ./x.yaml}
              nested:
                deeper: {$yaml: docs/meta.yaml}
            """,
        "docs/summary.txt": "Sums things up.\n",
        "docs/meta.yaml": "on: off\n",
        "data.json": "[1, 2.5, null]",
    })
    [document] = load_catalog([repo_tree(tmp_path)]).documents
    assert document.data["metadata"]["description"] == "Sums things up.\n"
    spec = document.data["spec"]
    assert spec["items"] == [[1, 2.5, None]]
    assert spec["two"] == {"$text": "./docs/summary.txt", "other": 1}
    assert spec["unknown"] == {"$openapi": "./x.yaml"}
    assert spec["nested"]["deeper"] == {"on": "off"}


@pytest.mark.parametrize(
    "value, message",
    [
        ("{$text: ../outside.txt}", "points outside the repository"),
        ("{$text: /../../etc/passwd}", "points outside the repository"),
        ("{$text: 42}", "expected a string value parameter"),
        ("{$json: ./bad.json}", "failed to parse JSON data at ./bad.json"),
        ("{$yaml: ./bad.yaml}", "found an error in the data at ./bad.yaml"),
        ("{$yaml: ./empty.yaml}", "found 0"),
        ("{$text: ./folder}", "could not read location ./folder"),
        ("{$text: https://github.com/acme/other/blob/main/x}", "same repository"),
    ],
)
def test_placeholder_failures_drop_only_their_document(tmp_path, value, message):
    write(tmp_path / "repo", {
        "catalog-info.yaml": component("broken", x=value) + "---\n" + component("fine"),
        "bad.json": "{nope",
        "bad.yaml": "a: [\n",
        "empty.yaml": "# nothing\n",
        "folder/file.txt": "x",
    })
    (tmp_path / "outside.txt").write_text("secret")
    result = load_catalog([repo_tree(tmp_path / "repo")])
    assert names(result) == ["fine"]
    problem = only(result, "placeholder")
    assert message in problem.message
    assert problem.line == 9 and problem.entity == "component:default/broken"
    assert problem.backstage.startswith("InputError: Processor PlaceholderProcessor")
    assert "backstage-drops-siblings" not in codes(result)


def test_placeholder_urls_into_a_listed_repository_are_read_from_its_clone(tmp_path):
    write(tmp_path / "shop", {
        "catalog-info.yaml": component("svc", definition=f"{{$text: {BLOB}api/openapi.yaml}}",
                                       other="{$json: https://example.com/x.json}"),
        "api/openapi.yaml": "openapi: 3.1.0\n",
    })
    result = load_catalog([repo_tree(tmp_path / "shop")])
    [document] = result.documents
    assert document.data["spec"]["definition"] == "openapi: 3.1.0\n"
    assert document.data["spec"]["other"] == {}
    problem = only(result, "placeholder-not-read")
    assert problem.severity.value == "warning" and "https://example.com/x.json" in problem.message


def test_relative_placeholders_in_a_file_tree_fail_like_backstage(tmp_path):
    write(tmp_path, {"catalog-info.yaml": component("svc", definition="{$text: ./openapi.yaml}"),
                     "openapi.yaml": "openapi: 3.0.0\n"})
    result = load_catalog([SourceTree("local", tmp_path, location_type="file")])
    assert result.documents == []
    problem = only(result, "placeholder")
    path = (tmp_path / "catalog-info.yaml").resolve()
    assert problem.message.endswith(
        f"Placeholder $text could not form a URL out of {path} and ./openapi.yaml, TypeError: Invalid URL")
    assert "catalog_sources.yaml" in problem.hint and "Git repository" in problem.hint


# --- Locations ---------------------------------------------------------------------------


def test_locations_follow_relative_root_and_glob_targets_once(tmp_path):
    write(tmp_path, {
        "catalog-info.yaml": location("root", "./teams/*.yaml", "/services/catalog.yaml",
                                      "./catalog-info.yaml"),
        "teams/a.yaml": component("team-a-svc"),
        "teams/b.yaml": location("nested", "../services/catalog.yaml", "../catalog-info.yaml"),
        "services/catalog.yaml": component("svc"),
    })
    result = load_catalog([repo_tree(tmp_path)])
    assert names(result) == ["root", "team-a-svc", "nested", "svc"]
    assert result.problems == []
    by_name = {d.data["metadata"]["name"]: d for d in result.documents}
    assert by_name["team-a-svc"].parent == "location:default/root"
    assert str(by_name["svc"].location) == f"url:{TREE}services/catalog.yaml"
    assert by_name["svc"].origin == by_name["root"].location


def test_missing_and_optional_targets(tmp_path):
    write(tmp_path, {
        "catalog-info.yaml": location("root", "./a.yaml", "./gone.yaml", "./none/*.yaml")
        + "---\n" + location("maybe", "./gone-too.yaml", extra="  presence: optional\n"),
        "a.yaml": component("a"),
    })
    result = load_catalog([repo_tree(tmp_path)])
    # Backstage pins a missing target on the Location, which is then not stored.
    assert names(result) == ["maybe", "a"]
    missing = [p for p in result.problems if p.code == "location-target-missing"]
    assert [(p.line, p.entity) for p in missing] == [(8, "location:default/root"), (9, "location:default/root")]
    assert missing[0].backstage == (
        f"NotFoundError: Unable to read url, no matching files found for {TREE}gone.yaml")
    dropped = only(result, "backstage-drops-siblings")
    assert (dropped.file, dropped.line) == ("acme/shop/catalog-info.yaml", 8)
    assert "1 other entity" in dropped.message and "Playbill keeps it" in dropped.message


def test_file_tree_location_targets(tmp_path):
    write(tmp_path, {
        "catalog-info.yaml": location("root", "./sub/*.yaml", "./missing.yaml"),
        "sub/a.yaml": component("a"),
    })
    result = load_catalog([SourceTree("local", tmp_path, location_type="file")])
    assert names(result) == ["a"]
    problem = only(result, "location-target-missing")
    assert problem.backstage == f"NotFoundError: file {(tmp_path / 'missing.yaml').resolve()} does not exist"
    [a] = [d for d in result.documents if d.data["metadata"]["name"] == "a"]
    assert str(a.location) == f"file:{(tmp_path / 'sub/a.yaml').resolve()}"


def test_url_targets_into_other_listed_trees_and_outside(tmp_path):
    other_web = RepoWeb("github", "https://github.com/acme/infra", "main")
    write(tmp_path / "shop", {"catalog-info.yaml": location(
        "root", "https://github.com/acme/infra/blob/main/db.yaml", "https://example.com/c.yaml")})
    write(tmp_path / "infra", {"db.yaml": component("db"), "catalog-info.yaml": component("infra")})
    infra = SourceTree("acme/infra", tmp_path / "infra", web=other_web, display_prefix="acme/infra/")
    result = load_catalog([repo_tree(tmp_path / "shop"), infra])
    assert names(result) == ["root", "infra", "db"]
    db = result.documents[-1]
    assert db.file == "acme/infra/db.yaml" and db.source == "acme/infra"
    assert str(db.location) == "url:https://github.com/acme/infra/blob/main/db.yaml"
    assert db.data["metadata"]["annotations"]["backstage.io/edit-url"] == \
        "https://github.com/acme/infra/edit/main/db.yaml"
    assert only(result, "location-not-read").severity.value == "warning"


@pytest.mark.parametrize(
    "spec, code",
    [
        ("  type: github-discovery\n  target: https://github.com/acme/*/blob/main/c.yaml\n",
         "location-type-unsupported"),
        ("  type: url\n  target: ./relative.yaml\n", "location-target-invalid"),
    ],
)
def test_unreadable_location_types(tmp_path, spec, code):
    text = ("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\n"
            f"spec:\n{spec}")
    write(tmp_path, {"catalog-info.yaml": text, "relative.yaml": component("r")})
    result = load_catalog([SourceTree("local", tmp_path, location_type="file")])
    assert names(result) == []
    assert codes(result) == [code]
    assert only(result, code).line == 7


def test_malformed_locations_are_not_followed(tmp_path):
    write(tmp_path, {
        "catalog-info.yaml": location("l", "./a.yaml", extra="  presence: maybe\n")
        + "---\n" + "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: m\n"
        "spec:\n  target: [./a.yaml]\n",
        "a.yaml": component("a"),
    })
    result = load_catalog([repo_tree(tmp_path)])
    assert names(result) == ["l", "m"] and result.problems == []


def test_location_cycles_end_and_a_child_with_the_locations_own_ref_is_ignored(tmp_path):
    write(tmp_path, {
        "catalog-info.yaml": location("loop", "./b.yaml"),
        "b.yaml": location("loop-b", "./catalog-info.yaml", "./c.yaml"),
        "c.yaml": location("loop-b", "./b.yaml"),
    })
    result = load_catalog([repo_tree(tmp_path)])
    assert names(result) == ["loop", "loop-b"]
    assert codes(result) == ["location-reads-itself"]


# --- broken files --------------------------------------------------------------------------


def test_broken_documents_are_reported_and_siblings_kept_with_one_warning(tmp_path):
    text = (component("first") + "---\n" + "kind: Component\nmetadata:\n  name: [x\n"
            + "---\n- a list\n---\n" + component("dup").replace("  owner: team-a\n", "  owner: a\n  owner: b\n")
            + "---\n" + "apiVersion: v1\nkind: X\nmetadata:\n  name: 12345\n"
            + "---\n" + component("last"))
    write(tmp_path, {"catalog-info.yaml": text})
    result = load_catalog([repo_tree(tmp_path)])
    assert names(result) == ["first", "last"]
    found = sorted((p.code, p.line) for p in result.problems)
    assert found == [("backstage-drops-siblings", 12), ("envelope", 29), ("not-an-object", 14),
                     ("yaml-duplicate-key", 24), ("yaml-syntax", 12)]
    syntax = only(result, "yaml-syntax")
    assert syntax.file == "acme/shop/catalog-info.yaml"
    assert syntax.backstage.startswith(f"Error: YAML error at url:{BLOB}catalog-info.yaml, YAMLParseError: ")
    assert only(result, "not-an-object").backstage == "Error: Expected object at root, got object"
    dropped = only(result, "backstage-drops-siblings")
    assert "2 other entities" in dropped.message and dropped.severity.value == "warning"


def test_tabs_empty_files_and_unreadable_files(tmp_path):
    write(tmp_path, {
        "a-tabs.yaml": "apiVersion: v1\nkind: X\nmetadata:\n\tname: x\n",
        "b-empty.yaml": "# nothing here\n",
        "c-latin1.yaml": "apiVersion: v1\nkind: X\nmetadata:\n  name: caf\xe9\n".encode("latin-1"),
        "d-binary.yaml": b"\x00\x01\x02",
        "e-good.yaml": component("good"),
    })
    result = load_catalog([repo_tree(tmp_path, globs=("*.yaml",))])
    assert names(result) == ["good"]
    found = sorted((p.code, p.file, p.line, p.severity.value) for p in result.problems)
    assert found == [
        ("empty-file", "acme/shop/b-empty.yaml", 1, "note"),
        ("file-unreadable", "acme/shop/c-latin1.yaml", 4, "error"),
        ("file-unreadable", "acme/shop/d-binary.yaml", 1, "error"),
        ("yaml-syntax", "acme/shop/a-tabs.yaml", 4, "error"),
    ]
    assert "spaces" in only(result, "yaml-syntax").hint


# --- envelope ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, backstage",
    [
        ({}, "TypeError: <root> must have required property 'apiVersion' - missingProperty: apiVersion"),
        ({"apiVersion": "", "kind": "X", "metadata": {"name": "a"}},
         "TypeError: /apiVersion must NOT have fewer than 1 characters - limit: 1"),
        ({"apiVersion": "a", "kind": "X", "metadata": []}, "TypeError: /metadata must be object - type: object"),
        ({"apiVersion": "a", "kind": "X", "metadata": {}},
         "TypeError: /metadata must have required property 'name' - missingProperty: name"),
        ({"apiVersion": "a", "kind": "X", "metadata": {"name": None}},
         "TypeError: /metadata/name must be string - type: string"),
        ({"apiVersion": "a", "kind": "X", "metadata": {"name": "a", "namespace": ""}},
         "TypeError: /metadata/namespace must NOT have fewer than 1 characters - limit: 1"),
        ({"apiVersion": 3, "kind": 3, "metadata": {"name": 3}}, "TypeError: /apiVersion must be string - type: string"),
        ({"apiVersion": "a", "kind": "X", "metadata": {"name": "a", "annotations": ["x"]}},
         "Error: metadata.annotations must be a valid object"),
    ],
)
def test_envelope_messages_match_backstage_first_error(data, backstage):
    """Recorded from `entityEnvelopeSchemaValidator()` of @backstage/catalog-model 1.10.3."""
    problems = check_envelope(data)
    assert problems and all(p.code == "envelope" for p in problems)
    assert problems[0].backstage.startswith(backstage)


def test_envelope_accepts_falsy_annotations_and_reports_every_issue():
    assert check_envelope({"apiVersion": "a", "kind": "X", "metadata": {"name": "a", "annotations": ""}}) == []
    problems = check_envelope({"apiVersion": 1, "metadata": {"name": 2}})
    assert [p.message for p in problems] == [
        "missing required field kind", "apiVersion must be a string, got 1 (a number)",
        "metadata.name must be a string, got 2 (a number)"]


# --- the oracle's own cases ---------------------------------------------------------------------

CASES = SHARED / "oracle" / "cases"


@pytest.mark.skipif(not CASES.is_dir(), reason="shared oracle cases not available")
def test_refusals_agree_with_the_oracle_on_its_cases():
    """Every document the oracle reports on the location is refused here, with the same
    Backstage message for the non-YAML ones; every other one becomes a Document."""
    tree = SourceTree("cases", CASES, globs=("*.yaml",), location_type="file")
    result = load_catalog([tree])
    expected = [json.loads(line) for line in (CASES / "expected.jsonl").read_text().splitlines()]
    refused = {(r["file"].removeprefix("cases/"), r["line"]) for r in expected if r.get("reportedOn")}
    kept = {(r["file"].removeprefix("cases/"), r["index"]) for r in expected
            if not r.get("reportedOn") and "Placeholder" not in (r["error"] or "")
            and "NotFoundError" not in (r["error"] or "")}
    assert {(d.file, d.index) for d in result.documents} == kept
    starts = {(p.file, p.line) for p in result.problems if p.code in ("not-an-object", "envelope")}
    assert starts <= {(f, line) for f, line in refused} | {
        ("13-yaml-errors-block-siblings.yaml", 23)}  # the field's own line, the oracle's is 20
