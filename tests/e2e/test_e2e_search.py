"""Search as a person uses it: type in the header's box, see results with kind badges as you
type, press Enter to open the best match; from the home page and from a deep entity page."""

from __future__ import annotations

from e2e_support import COMPONENT, entity_path

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

