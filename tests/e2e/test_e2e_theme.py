"""Light and dark theme: the toggle sets data-theme on <html>, changes what is drawn, and
is remembered across pages; without a choice the browser's preference decides."""

from __future__ import annotations

from e2e_support import COMPONENT, background, entity_path, luminance


def test_the_toggle_switches_to_dark_and_the_choice_follows_to_other_pages(site, page) -> None:
    page.goto(site.url("index.html"))
    light = background(page)
    assert luminance(light) > 0.5, f"light theme background is {light}"

    page.click("#theme-toggle")
    assert page.get_attribute("html", "data-theme") == "dark"
    page.wait_for_function(f"() => getComputedStyle(document.body).backgroundColor !== '{light}'"
                           f" || getComputedStyle(document.documentElement).backgroundColor"
                           f" !== '{light}'")
    dark = background(page)
    assert luminance(dark) < 0.2, f"dark theme background is {dark}"
    assert page.evaluate("localStorage.getItem('playbill-theme')") == "dark"

    for path in ("catalog.html", entity_path(COMPONENT)):
        page.goto(site.url(path))
        assert page.get_attribute("html", "data-theme") == "dark", path
        assert luminance(background(page)) < 0.2, path

    page.click("#theme-toggle")
    assert page.get_attribute("html", "data-theme") == "light"
    assert luminance(background(page)) > 0.5
    page.goto(site.url("index.html"))
    assert page.get_attribute("html", "data-theme") == "light"


def test_a_browser_that_prefers_dark_gets_the_dark_theme(site, dark_page) -> None:
    dark_page.goto(site.url("index.html"))
    assert luminance(background(dark_page)) < 0.2
    assert dark_page.get_attribute("html", "data-theme") in (None, "dark")


def test_the_toggle_is_a_labelled_button(site, page) -> None:
    page.goto(site.url("index.html"))
    toggle = page.locator("#theme-toggle")
    assert toggle.evaluate("el => el.tagName") == "BUTTON"
    name = toggle.evaluate("el => el.getAttribute('aria-label') || el.title || el.innerText")
    assert name.strip(), "the theme toggle needs an accessible name"
