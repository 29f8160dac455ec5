"""TechDocs in the browser: the portal's one search box finds a word that appears only in
a docs page and opens that page; the page loads its shared theme without errors, and its
header leads back to the entity, whose Docs link leads to the docs again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import EXAMPLE, Site, catalog_of, serve

from generator.build import build_site
from generator.docs import DocsOptions
from generator.render import RenderOptions

DOCS = "docs/default/component/catalog-service/"
ENTITY = "entity/default/component/catalog-service.html"


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("e2e-docs") / "site"
    catalog = catalog_of(EXAMPLE)
    build_site(catalog, folder, RenderOptions(),
               docs_options=DocsOptions(cache_dir=folder.parent / "cache"))
    with serve(folder) as base_url:
        yield Site(folder, catalog, base_url)


def test_a_word_only_in_a_docs_page_leads_to_that_page(docs_site, page) -> None:
    page.goto(docs_site.url("index.html"))
    box = page.locator("header #search")
    box.click()
    box.press_sequentially("CatalogLatencyHigh", delay=15)
    link = page.locator(f'#search-results a[href$="{DOCS}operations.html"]')
    link.first.wait_for(state="visible")
    item = link.first.inner_text()
    assert "Docs" in item and "Catalogue service" in item  # whose docs it is
    box.press("Enter")
    page.wait_for_url(f"**/{DOCS}operations.html")
    page.wait_for_load_state("networkidle")
    assert "CatalogLatencyHigh" in page.locator("article").inner_text()
    # material's stylesheet came from the one shared copy of the theme
    position = page.evaluate("getComputedStyle(document.querySelector('.md-header')).position")
    assert position in ("sticky", "fixed")


def test_the_header_leads_to_the_entity_and_its_docs_link_back(docs_site, page) -> None:
    page.goto(docs_site.url(DOCS + "operations.html"))
    page.wait_for_load_state("networkidle")  # material's search worker; leaving aborts it
    page.locator("a.playbill-docs-entity").click()
    page.wait_for_url(f"**/{ENTITY}")
    assert "Catalogue service" in page.locator("main h1").inner_text()
    page.locator("a.docs-link").click()
    page.wait_for_url(f"**/{DOCS}index.html")
    page.wait_for_load_state("networkidle")
    page.locator("article a", has_text="catalog entry").click()
    page.wait_for_url(f"**/{ENTITY}")
