"""The catalog table: filter by owner, see only that owner's rows, share the URL, reload it
and find the same filter applied."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from e2e_support import GROUP, owned_by, visible_rows

OWNER_FILTER = '#catalog-filters select[name="owner"]'


def test_every_entity_has_a_row_and_every_filter_exists(site, page) -> None:
    page.goto(site.url("catalog.html"))
    page.locator("#catalog-table tbody tr[data-ref]").first.wait_for()
    assert sorted(visible_rows(page)) == sorted(site.catalog.entities)
    for name in ("kind", "type", "owner", "lifecycle", "system", "tag", "namespace"):
        assert page.locator(f'#catalog-filters select[name="{name}"]').count() == 1, name


def test_filtering_by_owner_keeps_only_that_owners_rows_and_updates_the_url(site, page) -> None:
    page.goto(site.url("catalog.html"))
    page.locator("#catalog-table tbody tr[data-ref]").first.wait_for()
    expected = owned_by(site.catalog, GROUP)
    assert expected, "the example must give team-checkout something to own"

    page.select_option(OWNER_FILTER, GROUP)
    page.wait_for_function(
        "n => [...document.querySelectorAll('#catalog-table tbody tr[data-ref]')]"
        ".filter(r => r.checkVisibility()).length === n", arg=len(expected))
    assert set(visible_rows(page)) == expected
    assert parse_qs(urlsplit(page.url).query).get("owner") == [GROUP]

    page.reload()
    page.locator("#catalog-table tbody tr[data-ref]").first.wait_for()
    assert page.input_value(OWNER_FILTER) == GROUP
    assert set(visible_rows(page)) == expected


def test_a_shared_url_with_two_filters_applies_both(site, page) -> None:
    page.goto(site.url(f"catalog.html?owner={GROUP}&kind=component"))
    page.locator("#catalog-table tbody tr[data-ref]").first.wait_for()
    expected = {ref for ref in owned_by(site.catalog, GROUP) if ref.startswith("component:")}
    page.wait_for_function(
        "n => [...document.querySelectorAll('#catalog-table tbody tr[data-ref]')]"
        ".filter(r => r.checkVisibility()).length === n", arg=len(expected))
    assert set(visible_rows(page)) == expected
    assert page.input_value('#catalog-filters select[name="kind"]') == "component"
