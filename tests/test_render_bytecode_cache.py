"""Our templates are compiled once and kept beside them; a user's templates never are, and
a kept template is used only while its source, the code generator and the settings that
compile it are the same."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from generator import site_paths
from generator.render import templates
from generator.render.templates import BuiltinBytecodeCache, PageEnvironment


def _environment(folders: list[Path], cache: BuiltinBytecodeCache, **settings) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f)) for f in folders])
    return PageEnvironment(loader=loader, autoescape=True, bytecode_cache=cache, **settings)


class _Counting(PageEnvironment):
    """Counts the templates it compiles from source."""

    compiled: list[str] = []

    def _compile(self, source: str, filename: str):  # Jinja's step after parsing
        self.compiled.append(filename)
        return super()._compile(source, filename)


@pytest.fixture()
def ours(tmp_path: Path) -> Path:
    folder = tmp_path / "ours"
    folder.mkdir()
    (folder / "page.html").write_text("<p>{{ name }}</p>\n", encoding="utf-8")
    return folder


def _compiles(folders: list[Path], name: str, cache: BuiltinBytecodeCache, **settings) -> bool:
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f)) for f in folders])
    _Counting.compiled = []
    env = _Counting(loader=loader, autoescape=True, bytecode_cache=cache, **settings)
    assert env.get_template(name).render(name="<x>")
    return bool(_Counting.compiled)


def test_our_template_is_compiled_once_then_loaded(ours: Path) -> None:
    cache = BuiltinBytecodeCache(ours)
    assert _compiles([ours], "page.html", cache)
    assert len(list((ours / "__pycache__").iterdir())) == 1
    assert not _compiles([ours], "page.html", BuiltinBytecodeCache(ours))
    rendered = _environment([ours], BuiltinBytecodeCache(ours)).get_template("page.html")
    assert rendered.render(name="<x>") == "<p>&lt;x&gt;</p>"


def test_a_changed_template_is_compiled_again(ours: Path) -> None:
    _environment([ours], BuiltinBytecodeCache(ours)).get_template("page.html")
    (ours / "page.html").write_text("<h1>{{ name }}</h1>\n", encoding="utf-8")
    again = _environment([ours], BuiltinBytecodeCache(ours)).get_template("page.html")
    assert again.render(name="a") == "<h1>a</h1>"


def test_other_settings_or_another_code_generator_are_kept_apart(
        ours: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (ours / "page.html").write_text("{% if name %}\n  <p>{{ name }}</p>\n{% endif %}\n")
    plain = _environment([ours], BuiltinBytecodeCache(ours)).get_template("page.html")
    trimmed = _environment([ours], BuiltinBytecodeCache(ours), trim_blocks=True,
                           lstrip_blocks=True).get_template("page.html")
    assert plain.render(name="a") == "\n  <p>a</p>\n"
    assert trimmed.render(name="a") == "  <p>a</p>\n"
    assert len(list((ours / "__pycache__").iterdir())) == 2
    monkeypatch.setattr(templates, "_compiler_digest", lambda: "another generator")
    assert _compiles([ours], "page.html", BuiltinBytecodeCache(ours))


def test_a_users_templates_are_never_kept(ours: Path, tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "page.html").write_text("<div>{{ name }}</div>\n", encoding="utf-8")
    (user / "own.html").write_text("<i>{{ name }}</i>\n", encoding="utf-8")
    for name in ("page.html", "own.html"):
        assert _compiles([user, ours], name, BuiltinBytecodeCache(ours))
        assert _compiles([user, ours], name, BuiltinBytecodeCache(ours))
    assert not (ours / "__pycache__").exists()
    assert not (user / "__pycache__").exists()


def test_a_broken_kept_file_is_compiled_again(ours: Path) -> None:
    _environment([ours], BuiltinBytecodeCache(ours)).get_template("page.html")
    [kept] = (ours / "__pycache__").iterdir()
    kept.write_bytes(kept.read_bytes()[:-20])
    assert _compiles([ours], "page.html", BuiltinBytecodeCache(ours))


def test_a_folder_that_cannot_be_written_compiles_every_time(ours: Path) -> None:
    (ours / "__pycache__").write_text("a file where the folder would go")
    assert _compiles([ours], "page.html", BuiltinBytecodeCache(ours))
    assert _compiles([ours], "page.html", BuiltinBytecodeCache(ours))


def test_pages_use_the_cache_of_our_templates() -> None:
    env = templates.make_environment()
    assert isinstance(env.bytecode_cache, BuiltinBytecodeCache)
    assert env.bytecode_cache.templates == site_paths.BUILTIN_TEMPLATES.resolve()
