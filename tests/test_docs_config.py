"""generator/docs/mkdocsconfig.py: finding and sanitising a repository's MkDocs config the
way Backstage's TechDocs 2.x does, on real files in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.docs import techdocs_core
from generator.docs.mkdocsconfig import NEEDS_PROGRAM, Allow, missing_programs, prepare
from gitrepo import write_files

REF = "component:default/shop"


def prepared(root: Path, files: dict[str, str], project: str = ".", allow: Allow = Allow(),
             title: str = "Shop"):
    write_files(root, files)
    return prepare((root / project).resolve(), root.resolve(), title,
                   lambda p: p.resolve().relative_to(root.resolve()).as_posix() or ".",
                   REF, allow)


def codes(result) -> list[str]:
    return [problem.code for problem in result.problems]


def names(entries: list) -> list[str]:
    return [entry if isinstance(entry, str) else next(iter(entry)) for entry in entries]


def options_of(entries: list, name: str) -> dict:
    return next(entry[name] for entry in entries if isinstance(entry, dict) and name in entry)


def test_without_a_config_the_default_names_the_site_after_the_entity(tmp_path):
    result = prepared(tmp_path, {"docs/index.md": "# Hi\n"}, title="Shop service")
    assert result.config_file is None and result.problems == []
    assert result.config["site_name"] == "Shop service"
    assert result.config["docs_dir"] == str((tmp_path / "docs").resolve())
    assert names(result.config["plugins"]) == ["search", "monorepo", "gh-admonitions"]


def test_mkdocs_yaml_wins_over_mkdocs_yml_with_a_warning(tmp_path):
    result = prepared(tmp_path, {"mkdocs.yaml": "site_name: From yaml\n",
                                 "mkdocs.yml": "site_name: From yml\n",
                                 "docs/index.md": "# Hi\n"})
    assert result.config["site_name"] == "From yaml"
    assert result.config_file.name == "mkdocs.yaml"
    (problem,) = result.problems
    assert problem.code == "docs-config-both" and problem.file == "mkdocs.yml"
    assert "using mkdocs.yaml" in problem.message


def test_techdocs_core_expands_to_its_bundle_in_order(tmp_path):
    result = prepared(tmp_path, {"mkdocs.yml": "site_name: S\nplugins: [techdocs-core]\n"
                                 "theme: readthedocs\n", "docs/index.md": "# Hi\n"})
    assert result.problems == []
    extensions = result.config["markdown_extensions"]
    drawn = {name for name, tool in NEEDS_PROGRAM.items() if shutil.which(tool) is None}
    assert names(extensions) == [name for name, _ in techdocs_core.EXTENSIONS
                                 if name not in drawn]  # those need a missing program
    assert options_of(extensions, "toc") == {"permalink": True}
    assert options_of(extensions, "pymdownx.snippets")["restrict_base_path"] is True
    theme = result.config["theme"]
    assert theme["name"] == "material" and theme["palette"] == {}
    assert theme["features"] == ["navigation.footer", "content.action.edit"]
    assert result.config["use_directory_urls"] is False


def test_user_options_for_a_bundled_extension_merge_over_the_defaults(tmp_path):
    config = ("site_name: S\nmarkdown_extensions:\n  - toc:\n      toc_depth: 2\n"
              "  - pymdownx.snippets:\n      restrict_base_path: false\n"
              "  - pymdownx.superfences:\n      custom_fences:\n        - name: mermaid\n"
              "          class: mermaid\n"
              "          format: !!python/name:pymdownx.superfences.fence_code_format\n")
    result = prepared(tmp_path, {"mkdocs.yml": config, "docs/index.md": "# Hi\n"})
    assert result.problems == []
    extensions = result.config["markdown_extensions"]
    assert options_of(extensions, "toc") == {"permalink": True, "toc_depth": 2}
    assert options_of(extensions, "pymdownx.snippets")["restrict_base_path"] is True
    fences = options_of(extensions, "pymdownx.extra")["pymdownx.superfences"]["custom_fences"]
    assert fences[0]["format"] == "!!python/name:pymdownx.superfences.fence_code_format"


def test_hooks_plugins_extensions_and_javascript_outside_the_allowlist_are_dropped(tmp_path):
    config = ("site_name: S\n"
              "hooks:\n  - hooks/evil.py\n"
              "extra_javascript:\n  - https://cdn.example.com/x.js\n"
              "plugins:\n  - techdocs-core\n  - print-site:\n      add_to_navigation: true\n"
              "markdown_extensions:\n  - mkdocs_graphviz\n  - attr_list\n")
    result = prepared(tmp_path, {"mkdocs.yml": config, "docs/index.md": "# Hi\n"})
    assert "hooks" not in result.config and "extra_javascript" not in result.config
    assert "print-site" not in names(result.config["plugins"])
    assert "mkdocs_graphviz" not in names(result.config["markdown_extensions"])
    assert "attr_list" in names(result.config["markdown_extensions"])
    by_code = {(p.code, p.line) for p in result.problems}
    assert by_code == {("docs-config-key-dropped", 2), ("docs-config-key-dropped", 4),
                       ("docs-plugin-dropped", 8), ("docs-extension-dropped", 11)}
    assert all(p.file == "mkdocs.yml" and p.entity == REF and p.hint for p in result.problems)


def test_an_opt_in_keeps_what_the_allowlist_drops(tmp_path):
    config = "site_name: S\nhooks: [hooks/ok.py]\nplugins: [search, material/tags]\n"
    allow = Allow(keys=frozenset({"hooks"}), plugins=frozenset({"material/tags"}))
    result = prepared(tmp_path, {"mkdocs.yml": config, "docs/index.md": "# Hi\n"},
                      allow=allow)
    assert result.config["hooks"] == ["hooks/ok.py"]
    assert "material/tags" in names(result.config["plugins"])
    assert result.problems == []


@pytest.mark.parametrize("value, code", [
    ("!!python/name:os.system", "docs-python-name-dropped"),
    ("!!python/object/apply:os.system [touch pwned]", "docs-tag-dropped"),
    ("!ENV [PLAYBILL_SECRET_TOKEN]", "docs-env-refused"),
    ("!relative $config_dir", "docs-tag-dropped"),
])
def test_python_tags_and_env_are_never_resolved(tmp_path, monkeypatch, value, code):
    monkeypatch.setenv("PLAYBILL_SECRET_TOKEN", "s3cr3t-value")
    config = f"site_name: S\nextra:\n  thing: {value}\n"
    result = prepared(tmp_path, {"mkdocs.yml": config, "docs/index.md": "# Hi\n"})
    assert result.config["extra"] == {}
    (problem,) = result.problems
    assert problem.code == code and problem.line == 3
    assert "s3cr3t-value" not in repr(result.config)
    assert not (tmp_path / "pwned").exists()


def test_env_with_a_default_uses_the_default_not_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE", "from the environment")
    result = prepared(tmp_path, {"mkdocs.yml": "site_name: !ENV [SITE, Fallback]\n",
                                 "docs/index.md": "# Hi\n"})
    assert result.config["site_name"] == "Fallback"
    assert codes(result) == ["docs-env-refused"]


@pytest.mark.parametrize("docs_dir", ["../outside", "/etc", "docs/../../outside"])
def test_docs_dir_must_stay_inside_the_repository(tmp_path, docs_dir):
    (tmp_path / "outside").mkdir()
    result = prepared(tmp_path / "repo", {"mkdocs.yml": f"site_name: S\ndocs_dir: {docs_dir}\n",
                                          "docs/index.md": "# Hi\n"})
    assert result.config is None
    (problem,) = result.problems
    assert problem.code == "docs-dir-outside" and problem.is_error and problem.line == 2


def test_a_docs_dir_elsewhere_in_the_repository_is_allowed(tmp_path):
    result = prepared(tmp_path, {"svc/mkdocs.yml": "site_name: S\ndocs_dir: ../shared-docs\n",
                                 "shared-docs/index.md": "# Hi\n"}, project="svc")
    assert result.config["docs_dir"] == str((tmp_path / "shared-docs").resolve())


def test_snippets_stay_in_the_repository(tmp_path):
    config = ("site_name: S\nmarkdown_extensions:\n  - pymdownx.snippets:\n"
              "      base_path: [snippets, ../../etc]\n")
    result = prepared(tmp_path, {"mkdocs.yml": config, "docs/index.md": "# Hi\n"})
    options = options_of(result.config["markdown_extensions"], "pymdownx.snippets")
    assert options["base_path"] == [str((tmp_path / "snippets").resolve())]
    assert options["restrict_base_path"] is True and options["url_download"] is False
    assert codes(result) == ["docs-path-outside"]


def test_monorepo_includes_outside_the_repository_are_dropped(tmp_path):
    config = ("site_name: S\nnav:\n  - Home: index.md\n  - Sub: '!include ./sub/mkdocs.yml'\n"
              "  - Evil: '!include ../../other/mkdocs.yml'\n")
    result = prepared(tmp_path, {"mkdocs.yml": config, "docs/index.md": "# Hi\n",
                                 "sub/mkdocs.yml": "site_name: sub\n"})
    assert result.config["nav"] == [{"Home": "index.md"}, {"Sub": "!include ./sub/mkdocs.yml"}]
    (problem,) = result.problems
    assert problem.code == "docs-path-outside" and problem.line == 5


def test_a_plugin_that_is_allowed_but_not_installed_is_a_warning(tmp_path):
    result = prepared(tmp_path, {"mkdocs.yml": "site_name: S\nplugins: [redirects]\n",
                                 "docs/index.md": "# Hi\n"})
    assert "redirects" not in names(result.config["plugins"])
    assert codes(result) == ["docs-plugin-missing"]


@pytest.mark.parametrize("text, code, line", [
    ("site_name: [unclosed\n", "docs-config-syntax", 2),
    ("site_name: {{cookiecutter.name | jsonify}}\n", "docs-config-syntax", 1),
    ("- just a list\n", "docs-config-invalid", None),
])
def test_a_broken_config_is_an_error_with_its_line(tmp_path, text, code, line):
    result = prepared(tmp_path, {"mkdocs.yml": text, "docs/index.md": "# Hi\n"})
    assert result.config is None
    (problem,) = result.problems
    assert problem.code == code and problem.is_error and problem.line == line
    assert problem.file == "mkdocs.yml"


def test_a_missing_docs_folder_is_an_error(tmp_path):
    result = prepared(tmp_path, {"mkdocs.yml": "site_name: S\n"})
    assert result.config is None and codes(result) == ["docs-dir-missing"]


def test_a_missing_drawing_program_is_one_note_per_build_not_a_failure(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no plantuml, no dot
    notes = missing_programs()
    assert [p.code for p in notes] == ["docs-program-missing"] * 2
    assert all(p.severity.value == "note" and p.hint for p in notes)
    result = prepared(tmp_path, {"docs/index.md": "# Hi\n"})
    assert "plantuml_markdown" not in names(result.config["markdown_extensions"])


@pytest.mark.parametrize("included, why", [
    ("site_name: !!python/object/apply:os.getpid []\n", "YAML tags"),
    ("site_name: !ENV [HOME]\n", "YAML tags"),
    ("site_name: sub\ndocs_dir: ../../../elsewhere\n", "outside the repository"),
])
def test_monorepo_includes_must_be_plain_yaml_inside_the_repository(tmp_path, included, why):
    config = ("site_name: S\nnav:\n  - Sub: '!include ./sub/mkdocs.yml'\n"
              "  - W: '*include ./*/mkdocs.yml'\n")
    result = prepared(tmp_path, {"mkdocs.yml": config, "docs/index.md": "# Hi\n",
                                 "sub/mkdocs.yml": included})
    assert result.config["nav"] == []
    first, second = result.problems
    assert first.code == "docs-include-dropped" and why in first.message and first.line == 3
    assert second.code == "docs-include-dropped" and "wildcard" in second.message


def test_theme_overrides_need_an_opt_in_and_must_stay_inside(tmp_path):
    config = "site_name: S\ntheme:\n  name: material\n  custom_dir: overrides\n"
    files = {"mkdocs.yml": config, "docs/index.md": "# Hi\n", "overrides/main.html": "x"}
    dropped = prepared(tmp_path, files)
    assert "custom_dir" not in dropped.config["theme"]
    assert [(p.code, p.line) for p in dropped.problems] == [("docs-config-key-dropped", 4)]
    allowed = prepared(tmp_path, files, allow=Allow(keys=frozenset({"theme.custom_dir"})))
    assert allowed.config["theme"]["custom_dir"] == str((tmp_path / "overrides").resolve())
    outside = prepared(tmp_path, {"mkdocs.yml": config.replace("overrides", "../x")},
                       allow=Allow(keys=frozenset({"theme.custom_dir"})))
    assert "custom_dir" not in outside.config["theme"]
    assert "docs-path-outside" in codes(outside)
