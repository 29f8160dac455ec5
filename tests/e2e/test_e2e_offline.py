"""The site opened straight from disk (file://): no fetch(), no server; search and the
catalog filter still work because their data ships as script files."""

from __future__ import annotations

from e2e_support import COMPONENT, GROUP, entity_path, owned_by, visible_rows


def test_search_works_from_file_urls(site, page) -> None:
    page.goto(site.file_url(entity_path(COMPONENT)))
    box = page.locator("header #search")
    box.click()
    box.press_sequentially("gateway", delay=15)
    target = entity_path("component:default/payment-gateway")
    link = page.locator(f'#search-results li a[href$="{target}"]').first
    link.wait_for(state="visible")
    link.click()
    page.wait_for_url(f"**/{target}")
    assert page.url == site.file_url(target)


def test_the_catalog_filter_works_from_file_urls(site, page) -> None:
    page.goto(site.file_url("catalog.html"))
    page.locator("#catalog-table tbody tr[data-ref]").first.wait_for()
    page.select_option('#catalog-filters select[name="owner"]', GROUP)
    expected = owned_by(site.catalog, GROUP)
    page.wait_for_function(
        "n => [...document.querySelectorAll('#catalog-table tbody tr[data-ref]')]"
        ".filter(r => r.checkVisibility()).length === n", arg=len(expected))
    assert set(visible_rows(page)) == expected


def test_pages_load_every_asset_from_file_urls(site, page) -> None:
    for path in ("index.html", "health.html", entity_path(GROUP)):
        page.goto(site.file_url(path))
        page.wait_for_load_state("load")
        sheets = page.evaluate("document.styleSheets.length")
        assert sheets >= 1, f"{path} has no style sheet"
