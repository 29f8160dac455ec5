"""build_site (generator/build.py) and the staged output folder (generator/render/output.py)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from generator import sources
from generator.build import build_site
from generator.read import read_catalog
from generator.render import RenderOptions
from generator.render.output import MARKER, SiteDirError, check_site_dir

EXAMPLE = Path(__file__).resolve().parent.parent / "example"


@pytest.fixture(scope="module")
def example():
    return read_catalog(sources.trees_for_paths([EXAMPLE]).trees)


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_build_writes_pages_search_index_and_marker(example, tmp_path):
    result = build_site(example, tmp_path / "site", RenderOptions(strict=True))
    site = tmp_path / "site"
    assert result.site_dir == site
    assert (site / MARKER).is_file()
    assert (site / "index.html").is_file()
    assert (site / "assets/lunr.js").is_file()  # copied from mkdocs by the search stage
    assert any((site / "search").iterdir())
    assert result.search.documents == len(example.entities)
    assert leftovers(tmp_path) == []  # no staging folder left beside it


def test_rebuilding_replaces_an_old_site(example, tmp_path):
    site = tmp_path / "site"
    build_site(example, site)
    (site / "stale.html").write_text("old page")
    build_site(example, site)
    assert not (site / "stale.html").exists()
    assert (site / "index.html").is_file()


def test_an_empty_folder_is_used(example, tmp_path):
    (tmp_path / "site").mkdir()
    build_site(example, tmp_path / "site")
    assert (tmp_path / "site/catalog.html").is_file()


def test_a_folder_playbill_did_not_write_is_never_replaced(example, tmp_path):
    mine = tmp_path / "docs"
    mine.mkdir()
    (mine / "notes.md").write_text("precious")
    with pytest.raises(SiteDirError, match="refusing to replace it"):
        build_site(example, mine)
    assert (mine / "notes.md").read_text() == "precious"
    assert sorted(p.name for p in mine.iterdir()) == ["notes.md"]
    assert leftovers(tmp_path) == []


def test_a_file_is_not_a_site_folder(tmp_path):
    (tmp_path / "site").write_text("x")
    with pytest.raises(SiteDirError, match="not a folder"):
        check_site_dir(tmp_path / "site")


def test_a_failed_build_leaves_the_previous_site_untouched(example, tmp_path):
    site = tmp_path / "site"
    build_site(example, site)
    before = (site / "index.html").read_bytes()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "home.html").write_text("{% if %}")
    with pytest.raises(jinja2.TemplateSyntaxError):
        build_site(example, site, RenderOptions(templates=broken))
    assert (site / "index.html").read_bytes() == before
    assert leftovers(tmp_path) == []


def test_building_twice_gives_byte_identical_sites(example, tmp_path):
    build_site(example, tmp_path / "a")
    build_site(example, tmp_path / "b", RenderOptions(workers=2))

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*")) if p.is_file()}

    assert files(tmp_path / "a") == files(tmp_path / "b")
