"""Screenshots of the home, catalog and an entity page, light and dark, saved in
tests/e2e/screenshots/ (gitignored) so a person can judge the design of every run."""

from __future__ import annotations

import pytest

from e2e_support import COMPONENT, background, entity_path, luminance

PAGES = {"home": "index.html", "catalog": "catalog.html", "entity": entity_path(COMPONENT)}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_screenshot(site, open_page, screenshots, name: str, theme: str) -> None:
    page = open_page(theme)
    page.goto(site.url(PAGES[name]))
    page.wait_for_load_state("load")
    target = screenshots / f"{name}-{theme}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000, "a blank page makes a tiny PNG"
    shade = luminance(background(page))
    assert (shade < 0.2) if theme == "dark" else (shade > 0.5), f"{theme}: {shade:.2f}"
