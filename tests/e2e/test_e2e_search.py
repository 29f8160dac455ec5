"""Search as a person uses it: type in the header's box, see results with kind badges as you
type, press Enter to open the best match; from the home page and from a deep entity page."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, Site, build, serve
from e2e_support import COMPONENT, entity_path

from generator import search

TARGET = "component:default/payment-gateway"


def type_query(page, text: str) -> None:
    """Types like a person: one key at a time, so every input event fires."""
    box = page.locator("header #search")
    box.click()
    box.press_sequentially(text, delay=15)


def wait_for_results(page, text: str) -> None:
    """Waits until the list shows the final results for `text`, not those of a prefix typed
    a moment earlier or of a half-loaded index."""
    page.locator(f'#search-results[data-query="{text}"]').wait_for(state="attached")


def result_link(page, ref: str):
    return page.locator(f'#search-results li a[href$="{entity_path(ref)}"]')


def test_typing_shows_the_entity_with_its_kind_badge(site, page) -> None:
    page.goto(site.url("index.html"))
    assert page.get_attribute("header #search", "aria-label") == "Search the catalog"
    type_query(page, "gateway")
    link = result_link(page, TARGET)
    link.first.wait_for(state="visible")
    item = page.locator("#search-results li").filter(
        has=page.locator(f'a[href$="{entity_path(TARGET)}"]')).first
    badge = item.locator("span.badge.kind-component")
    assert badge.count() == 1, item.inner_html()
    assert badge.inner_text().strip().lower() == "component"
    assert "Payment gateway" in item.inner_text()


def test_the_best_match_comes_first_and_enter_opens_it(site, page) -> None:
    page.goto(site.url("index.html"))
    type_query(page, "gateway")
    result_link(page, TARGET).first.wait_for(state="visible")
    first = page.locator("#search-results li a").first.get_attribute("href")
    assert first.endswith(entity_path(TARGET)), f"first result is {first}"
    page.locator("header #search").press("Enter")
    page.wait_for_url(f"**/{entity_path(TARGET)}")
    assert "Payment gateway" in page.locator("main h1").inner_text()


def test_results_link_correctly_from_a_deep_page(site, page) -> None:
    page.goto(site.url(entity_path(COMPONENT)))
    type_query(page, "gateway")
    link = result_link(page, TARGET).first
    link.wait_for(state="visible")
    link.click()
    page.wait_for_url(f"**/{entity_path(TARGET)}")
    assert page.url == site.url(entity_path(TARGET))


def test_a_query_with_no_match_shows_no_result_links(site, page) -> None:
    page.goto(site.url("index.html"))
    type_query(page, "zzzqqqxxy")
    wait_for_results(page, "zzzqqqxxy")
    assert page.locator("#search-results li a").count() == 0


def test_slash_focuses_the_box_and_arrow_keys_choose_a_result(site, page) -> None:
    page.goto(site.url("catalog.html"))
    page.locator("main").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("checkout", delay=15)
    wait_for_results(page, "checkout")
    second = page.locator("#search-results li a").nth(1).get_attribute("href")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{second}")


def test_typing_before_lunr_has_loaded_waits_for_it(site, page) -> None:
    """On a slow connection the first keystrokes arrive before lunr.js: the box says it is
    loading, then shows the results, with no script error (the page fixture checks)."""
    held = []

    def slow_lunr(route) -> None:
        held.append(route)  # answered below, once the query has run without lunr

    page.route("**/lunr*.js", slow_lunr)
    page.goto(site.url("index.html"))
    type_query(page, "gateway")
    page.wait_for_timeout(200)  # the 40 ms search timer has fired by now
    assert held, "lunr.js was not requested"
    assert result_link(page, TARGET).count() == 0
    for route in held:
        route.continue_()
    result_link(page, TARGET).first.wait_for(state="visible")



# ---- a split index: a query loads only the term buckets its words need ------------------

@pytest.fixture(scope="module")
def split_site(tmp_path_factory):
    """The example site with its search index cut small: two shards of about twenty
    entities, each in buckets of about 1.5 kB of terms (as 10,000 entities are at the
    default sizes)."""
    folder = tmp_path_factory.mktemp("e2e-split") / "site"
    catalog = build(EXAMPLE, folder)
    search.write_index(catalog, folder, shard_size=20, bucket_bytes=1500)
    with serve(folder) as base_url:
        yield Site(folder, catalog, base_url)


def bucket_files(site, text: str) -> set[str]:
    """The bucket scripts generator/search/ says a search for `text` needs."""
    return {entry["buckets"][n] for entry in search.read_manifest(site.folder)["shards"]
            for n in search.buckets_for(entry["starts"], text)}


def search_for(page, text: str) -> list[str]:
    """Puts `text` in the box in one input event (so no shorter prefix is searched on the
    way) and returns the refs of the results once they are final."""
    box = page.locator("header #search")
    box.click()
    box.fill(text)
    wait_for_results(page, text)
    return [link.get_attribute("data-ref")
            for link in page.locator("#search-results li a").all()]


def expected(site, text: str) -> list[str]:
    return search.find(search.read_index(site.folder), text)[:20]


def test_a_word_loads_only_the_buckets_it_needs(split_site, page) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(split_site.url("index.html"))

    def buckets() -> set[str]:
        return {url.removeprefix(split_site.base_url) for url in requested
                if "/search/bucket-" in url}

    all_buckets = {file for entry in search.read_manifest(split_site.folder)["shards"]
                   for file in entry["buckets"]}
    assert search_for(page, "gateway") == expected(split_site, "gateway")
    assert "component:default/payment-gateway" in expected(split_site, "gateway")
    first = bucket_files(split_site, "gateway")
    assert buckets() == first and len(first) < len(all_buckets) / 4

    assert search_for(page, "kotlin") == expected(split_site, "kotlin")
    second = bucket_files(split_site, "kotlin")
    assert second - first, "kotlin should sort into another bucket than gateway"
    assert buckets() == first | second
    assert len(requested) == len(set(requested))  # nothing loaded twice


def test_a_query_across_buckets_finds_what_the_whole_index_finds(split_site, page) -> None:
    page.goto(split_site.url("index.html"))
    text = "go pci"
    assert bucket_files(split_site, "go") != bucket_files(split_site, "pci")
    assert search_for(page, text) == expected(split_site, text) == [TARGET]
    text = "owner:team-fulfilment"
    assert sorted(search_for(page, text)) == sorted(expected(split_site, text)) == [
        "component:default/fulfilment-worker", "resource:default/shipping-labels",
        "system:default/fulfilment"]
    text = "checkout"
    assert search_for(page, text)[0] == "system:default/checkout"  # the name typed exactly
    assert search_for(page, "kind:((") == []  # no term, no bucket: nothing, and no error


def test_an_empty_portal_searches_and_says_nothing_matches(tmp_path, page) -> None:
    """A catalog with no entities yet still gets a search box that works (and no errors)."""
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "catalog-info.yaml").write_text("# entities will go here\n")
    build(catalog, tmp_path / "site")
    with serve(tmp_path / "site") as base_url:
        page.goto(base_url + "index.html")
        assert search_for(page, "gateway") == []
        assert "No entities match" in page.locator("#search-empty").inner_text()
