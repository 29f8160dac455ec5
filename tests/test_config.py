"""Reading catalog_sources.yaml (generator/config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import SourcesConfig, derive_name, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog_sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def codes_and_lines(problems) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in problems]


def test_full_example(tmp_path):
    path = write(tmp_path, """\
cache_dir: .playbill/cache
sources:
  - url: https://github.com/acme/shop.git
    ref: main
    catalog: [catalog-info.yaml, "services/*/catalog-info.yaml"]
    name: shop
    token_env: SHOP_TOKEN
    host: github
  - path: example
    catalog: ["**/catalog-info.yaml"]
""")
    config, problems = load_config(path)
    assert problems == []
    assert config is not None
    assert config.file == path
    assert config.cache_dir == (tmp_path / ".playbill/cache").resolve()
    shop, example = config.sources
    assert shop.is_git and shop.url == "https://github.com/acme/shop.git"
    assert shop.ref == "main" and shop.token_env == "SHOP_TOKEN" and shop.host == "github"
    assert shop.catalog == ("catalog-info.yaml", "services/*/catalog-info.yaml")
    assert (shop.display_name, shop.line) == ("shop", 3)
    assert not example.is_git
    assert example.path == (tmp_path / "example").resolve()
    assert example.catalog == ("**/catalog-info.yaml",)
    assert (example.display_name, example.line) == ("example", 9)


def test_defaults(tmp_path):
    config, problems = load_config(write(tmp_path, "sources:\n  - url: git@github.com:acme/shop.git\n"))
    assert problems == []
    source = config.sources[0]
    assert source.ref is None
    assert source.catalog == ("catalog-info.yaml",)
    assert source.display_name == "acme/shop"
    assert config.cache_dir == (tmp_path / ".playbill" / "cache").resolve()


def test_one_glob_may_be_a_string(tmp_path):
    config, _ = load_config(write(tmp_path, "sources:\n  - path: .\n    catalog: 'a/*.yaml'\n"))
    assert config.sources[0].catalog == ("a/*.yaml",)


def test_local_url_resolves_against_config_folder(tmp_path):
    config, problems = load_config(write(tmp_path, "sources:\n  - url: ../repos/shop\n"))
    assert problems == []
    assert config.sources[0].url == str((tmp_path.parent / "repos" / "shop").resolve())
    assert config.sources[0].display_name == "shop"


def test_missing_file(tmp_path):
    config, problems = load_config(tmp_path / "nope.yaml")
    assert config is None
    assert [p.code for p in problems] == ["config-not-found"]
    assert problems[0].hint


def test_yaml_syntax_error_has_line(tmp_path):
    config, problems = load_config(write(tmp_path, "sources:\n  - url: [a\n  - path: b\n"))
    assert config is None
    assert len(problems) == 1 and problems[0].code == "config-syntax"
    assert problems[0].line is not None and problems[0].line >= 2
    assert problems[0].file.endswith("catalog_sources.yaml")


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
def test_not_a_mapping(tmp_path, text):
    config, problems = load_config(write(tmp_path, text))
    assert config is None
    assert [p.code for p in problems] == ["config-invalid"]


def test_all_problems_reported_at_once_with_lines(tmp_path):
    path = write(tmp_path, """\
sources:
  - url: https://github.com/acme/shop.git
    tokenenv: SHOP_TOKEN
  - url: https://github.com/acme/web.git
    path: web
  - ref: main
  - url: https://github.com/acme/api.git
    ref: [1, 2]
    host: gitlabb
  - path: docs
    catalog: ["../outside.yaml"]
  - just-a-string
cach_dir: x
""")
    config, problems = load_config(path)
    assert config is None
    assert codes_and_lines(problems) == [
        ("config-unknown-key", 3),
        ("config-invalid", 4),   # both url and path
        ("config-invalid", 6),   # neither
        ("config-invalid", 8),   # ref type
        ("config-invalid", 9),   # host value
        ("config-invalid", 11),  # glob escapes the repository
        ("config-invalid", 12),  # entry not a mapping
        ("config-unknown-key", 13),
    ]
    unknown = problems[0]
    assert "tokenenv" in unknown.message and "sources[0]" in unknown.message
    assert "token_env" in unknown.hint
    assert "cach_dir" in problems[-1].message and "cache_dir" in problems[-1].hint
    assert "exactly one of `url`" in problems[1].message
    assert "gitlabb" in problems[4].message and "gitea" in problems[4].hint
    assert all(p.hint and p.file and p.is_error for p in problems)


def test_path_source_rejects_git_only_keys(tmp_path):
    _, problems = load_config(write(tmp_path, "sources:\n  - path: .\n    ref: main\n"))
    assert codes_and_lines(problems) == [("config-invalid", 2)]
    assert "url` sources only" in problems[0].message


@pytest.mark.parametrize("token", ["ghp_0123456789abcdefTOKEN", "glpat-abc123-SECRET", "s3cr3t/t0ken="])
def test_token_pasted_into_token_env_is_not_echoed(tmp_path, token):
    _, problems = load_config(write(tmp_path, f"sources:\n  - url: https://h/r.git\n    token_env: {token}\n"))
    assert [p.code for p in problems] == ["config-invalid"]
    assert "NAME of an environment variable" in problems[0].hint
    assert all(token not in str(p) for p in problems)


def test_credentials_in_url_are_not_echoed(tmp_path):
    _, problems = load_config(write(tmp_path, "sources:\n  - https://u:hunter2@h/r.git\n"))
    assert [p.code for p in problems] == ["config-invalid"]
    assert "hunter2" not in str(problems[0])


def test_empty_sources(tmp_path):
    _, problems = load_config(write(tmp_path, "sources: []\n"))
    assert codes_and_lines(problems) == [("config-invalid", 1)]
    _, problems = load_config(write(tmp_path, "cache_dir: x\n"))
    assert [(p.code, "sources is required") for p in problems] == [
        ("config-invalid", problems[0].message)]


def test_duplicate_keys_and_names(tmp_path):
    path = write(tmp_path, """\
sources:
  - url: https://github.com/acme/shop.git
    ref: main
    ref: dev
  - url: https://github.com/acme/shop.git
    ref: release
""")
    config, problems = load_config(path)
    assert config is None
    assert codes_and_lines(problems) == [("config-duplicate-key", 4), ("config-duplicate-name", 5)]


def test_from_data_for_code_built_configs(tmp_path):
    config = SourcesConfig.from_data({"sources": [{"path": "x"}]}, base_dir=tmp_path)
    assert config.sources[0].path == (tmp_path / "x").resolve()
    assert config.file is None and config.sources[0].line is None


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://github.com/acme/shop.git", "acme/shop"),
        ("git@gitlab.com:group/sub/repo.git", "group/sub/repo"),
        ("ssh://git@host:22/x/y", "x/y"),
        ("file:///srv/git/shop.git", "shop"),
        ("/srv/git/shop/", "shop"),
    ],
)
def test_derive_name(url, name):
    assert derive_name(url) == name
