"""Documents an earlier build found valid are not checked again (validate's `known_valid`,
kept by `read._validate`): the verdicts, entities and relations are those of a full check."""

from __future__ import annotations

import copy
import marshal
from pathlib import Path

import pytest

from generator import load, read, validate as validate_stage
from generator.read import VALID_FILE, read_catalog
from generator.sources import trees_for_paths
from generator.validate import data_digest, validate

ROOT = Path(__file__).resolve().parents[1]

BROKEN = {
    "bad-name.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
                     "metadata: {name: 'not a name!'}\nspec: {type: a, lifecycle: b, owner: c}\n",
    "no-owner.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
                     "metadata: {name: ownerless}\nspec: {type: a, lifecycle: b}\n",
    "odd-kind.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Gadget\nmetadata: {name: g}\n",
    "bad-ref.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: r}\n"
                    "spec: {type: a, lifecycle: b, owner: c, dependsOn: [plain-name]}\n",
    "duplicate.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Group\n"
                      "metadata: {name: team-platform}\nspec: {type: team, children: []}\n",
}


@pytest.fixture()
def documents(tmp_path: Path):
    """The bundled example catalog and a folder of broken documents, as loaded."""
    for name, text in BROKEN.items():
        (tmp_path / "broken" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "broken" / name).write_text(text, encoding="utf-8")
    trees = trees_for_paths([ROOT / "example", tmp_path / "broken"])
    return load.load_catalog(trees.trees, None).documents


def _verdicts(result) -> tuple[list, list]:
    entities = [(str(e.ref), e.data, [r.to_dict() for r in e.relations], e.known_kind,
                 e.file, e.line) for e in result.entities]
    return entities, [p.to_dict() for p in result.problems]


def test_trusted_documents_give_a_full_checks_verdicts(documents) -> None:
    full = validate(documents)
    first = validate(documents, known_valid=frozenset())
    again = validate(documents, known_valid=frozenset(first.valid))
    assert len(full.entities) > 20 and len(full.problems) >= len(BROKEN)
    assert _verdicts(first) == _verdicts(full) == _verdicts(again)
    assert again.valid == first.valid
    assert full.valid == set()


def test_only_documents_not_known_valid_are_checked(documents, monkeypatch) -> None:
    first = validate(documents, known_valid=frozenset())
    checked: list[str] = []
    policies = validate_stage.policy_problems

    def counting(data, where):
        checked.append(str(where.ref))
        return policies(data, where)

    monkeypatch.setattr(validate_stage, "policy_problems", counting)
    validate(documents, known_valid=frozenset(first.valid))
    # The four with problems of their own: a copy of a ref is valid on its own (duplicates
    # are judged across documents, on every build), a kind Backstage does not know is not.
    assert sorted(checked) == ["component:default/not a name!", "component:default/ownerless",
                               "component:default/r", "gadget:default/g"]
    assert len(first.valid) == len(documents) - 4


def test_data_digest_tells_apart_what_json_would_not() -> None:
    pairs = [({1: "a"}, {"1": "a"}), ({"n": 1}, {"n": 1.0}), ({"n": True}, {"n": 1}),
             ({"n": float("nan")}, {"n": None}), ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
             ({"l": [1, 2]}, {"l": [2, 1]})]
    for one, other in pairs:
        assert data_digest(one) != data_digest(other), (one, other)


def test_data_digest_is_the_same_for_equal_data_made_apart() -> None:
    shared = "team-" + "a"
    data = {"metadata": {"name": shared, "title": shared}, "spec": {"owner": shared}}
    apart = {"metadata": {"name": "team-a", "title": "".join(["team", "-a"])},
             "spec": {"owner": "te" + "am-a"}}
    assert data_digest(data) == data_digest(apart) == data_digest(copy.deepcopy(data))
    assert data_digest({"when": object()}) is None


def _catalog_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.yaml").write_text(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
            f"metadata: {{name: {name}}}\nspec: {{type: a, lifecycle: b, owner: c}}\n")
    return folder


def _read(folder: Path, cache: Path):
    trees = trees_for_paths([folder])
    return read_catalog(trees.trees, trees.problems, cache)


def test_a_build_keeps_the_valid_documents_and_checks_an_edited_one(tmp_path) -> None:
    folder, cache = _catalog_folder(tmp_path), tmp_path / "cache"
    assert sorted(_read(folder, cache).entities) == ["component:default/a",
                                                     "component:default/b"]
    assert len(marshal.loads((cache / VALID_FILE).read_bytes())["valid"]) == 2
    (folder / "b.yaml").write_text((folder / "b.yaml").read_text().replace("name: b",
                                                                           "name: b!"))
    again = _read(folder, cache)
    assert sorted(again.entities) == ["component:default/a"]
    assert "name-format" in [p.code for p in again.problems]


def test_a_foreign_or_broken_file_or_new_code_checks_everything(tmp_path, monkeypatch) -> None:
    folder, cache = _catalog_folder(tmp_path), tmp_path / "cache"
    _read(folder, cache)
    checked: list[str] = []
    policies = validate_stage.policy_problems
    monkeypatch.setattr(validate_stage, "policy_problems",
                        lambda data, where: checked.append(str(where.ref)) or
                        policies(data, where))
    _read(folder, cache)
    assert checked == []
    saved = (cache / VALID_FILE).read_bytes()
    for broken in (b"not marshal", marshal.dumps({"key": "x", "valid": frozenset()}),
                   marshal.dumps([1, 2])):
        (cache / VALID_FILE).write_bytes(broken)
        assert len(_read(folder, cache).entities) == 2
        assert len(checked) == 2
        checked.clear()
    (cache / VALID_FILE).write_bytes(saved)
    other = tmp_path / "other.py"
    other.write_text("# another validator\n")
    code = read._validating_code()
    monkeypatch.setattr(read, "_validating_code", lambda: [*code, other])
    _read(folder, cache)
    assert len(checked) == 2
