"""Entity pages: follow a relation link to the related entity; the relation graph's nodes
are links too; API, group and system pages show what the issue promises."""

from __future__ import annotations

from e2e_support import API, COMPONENT, GROUP, SYSTEM, entity_path


def test_following_a_relation_link_opens_the_related_entity(site, page) -> None:
    page.goto(site.url(entity_path(COMPONENT)))
    link = page.locator(f'#relations a[data-ref="{API}"]').first
    link.click()
    page.wait_for_url(f"**/{entity_path(API)}")
    title = site.catalog.entity(API).title
    assert title in page.locator("main h1").inner_text()


def test_every_relation_of_the_entity_is_linked(site, page) -> None:
    page.goto(site.url(entity_path(COMPONENT)))
    linked = set(page.eval_on_selector_all(
        "#relations a[data-ref]", "links => links.map(a => a.dataset.ref)"))
    related = {str(r.target) for r in site.catalog.relations_of(COMPONENT)}
    assert related <= linked, f"not linked: {sorted(related - linked)}"


def test_the_relation_graph_is_an_svg_whose_nodes_open_their_pages(site, page) -> None:
    page.goto(site.url(entity_path(COMPONENT)))
    svg = page.locator("main svg").first
    svg.wait_for()
    node = svg.locator(f'a[href$="{entity_path(API)}"]').first
    node.click()
    page.wait_for_url(f"**/{entity_path(API)}")


def test_the_header_shows_kind_type_lifecycle_tags_and_links_owner_and_system(site, page):
    page.goto(site.url(entity_path(COMPONENT)))
    entity = site.catalog.entity(COMPONENT)
    text = page.locator("main").inner_text().lower()
    for word in ("component", entity.spec["type"], entity.spec["lifecycle"], *entity.tags):
        assert str(word).lower() in text, word
    assert entity.title.lower() in page.locator("main h1").inner_text().lower()
    for related in (GROUP, SYSTEM):
        assert page.locator(f'main a[href$="{entity_path(related)}"]').count() >= 1, related


def test_the_api_page_offers_its_raw_definition(site, page) -> None:
    page.goto(site.url(entity_path(API)))
    download = page.locator('main a[href*="checkout-api.definition."]').first
    href = download.get_attribute("href")
    target = (site.folder / entity_path(API)).parent / href
    assert target.is_file() and target.stat().st_size > 0
    assert "openapi" in target.read_text(encoding="utf-8").lower()


def test_the_group_page_lists_members_and_what_it_owns(site, page) -> None:
    page.goto(site.url(entity_path(GROUP)))
    main = page.locator("main")
    for member in site.catalog.members_of(GROUP):
        assert main.locator(f'a[href$="{entity_path(str(member.ref))}"]').count() >= 1
    for owned in site.catalog.owned_by(GROUP):
        assert main.locator(f'a[href$="{entity_path(str(owned.ref))}"]').count() >= 1


def test_the_system_page_links_its_parts(site, page) -> None:
    page.goto(site.url(entity_path(SYSTEM)))
    parts = [str(r.target) for r in site.catalog.relations_of(SYSTEM) if r.type == "hasPart"]
    assert parts
    for ref in parts:
        assert page.locator(f'main a[href$="{entity_path(ref)}"]').count() >= 1, ref
