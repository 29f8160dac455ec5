"""Every page of the built site has the landmarks and hooks the shared contract names, and
markup a browser does not have to guess about: a doctype, one <main id="main">, unique
ids, labelled form fields, alt text on images. Read with html.parser, no browser needed."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

LABELLED_FIELDS = {"input", "select", "textarea"}


class Outline(HTMLParser):
    """What one page declares: tags seen, ids, labels, and the fields and images in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: Counter[str] = Counter()
        self.label_for: set[str] = set()
        self.open_labels = 0
        self.fields_without_label: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if "id" in values:
            self.ids[values["id"]] += 1
        if tag == "label":
            self.open_labels += 1
            if values.get("for"):
                self.label_for.add(values["for"])
        if tag in LABELLED_FIELDS and values.get("type") not in ("hidden", "submit", "button"):
            named = values.get("aria-label") or values.get("aria-labelledby") or values.get(
                "title") or self.open_labels
            if not named:
                self.fields_without_label.append(values.get("id") or values.get("name") or tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.open_labels:
            self.open_labels -= 1


def outline(path: Path) -> tuple[str, Outline]:
    text = path.read_text(encoding="utf-8")
    parsed = Outline()
    parsed.feed(text)
    parsed.close()
    return text, parsed


def page_problems(site: Path, path: Path) -> list[str]:
    """What the page lacks, one line each."""
    text, page = outline(path)
    name = path.relative_to(site).as_posix()
    problems = []
    if not text.lstrip().lower().startswith("<!doctype html>"):
        problems.append("no <!doctype html>")
    html = [attrs for tag, attrs in page.tags if tag == "html"]
    if not html or html[0].get("lang") != "en":
        problems.append('no <html lang="en">')
    tags = Counter(tag for tag, _ in page.tags)
    for landmark in ("header", "footer", "title"):
        if not tags[landmark]:
            problems.append(f"no <{landmark}>")
    mains = [attrs for tag, attrs in page.tags if tag == "main"]
    if len(mains) != 1 or mains[0].get("id") != "main":
        problems.append('not exactly one <main id="main">')
    if not any(tag == "nav" and attrs.get("aria-label") == "Main" for tag, attrs in page.tags):
        problems.append('no <nav aria-label="Main">')
    if not any(tag == "a" and attrs.get("href") == "#main" for tag, attrs in page.tags):
        problems.append('no skip link <a href="#main">')
    search = [attrs for tag, attrs in page.tags if tag == "input" and attrs.get("id") == "search"]
    if not search or search[0].get("type") != "search" or \
            search[0].get("aria-label") != "Search the catalog":
        problems.append('no <input id="search" type="search" aria-label="Search the catalog">')
    if not any(tag == "button" and attrs.get("id") == "theme-toggle" for tag, attrs in page.tags):
        problems.append('no <button id="theme-toggle">')
    problems += [f"duplicate id {key!r}" for key, count in page.ids.items() if count > 1]
    unlabelled = [f for f in page.fields_without_label if f not in page.label_for]
    problems += [f"form field {field!r} has no label" for field in unlabelled]
    problems += [f"<img src={attrs.get('src')!r}> has no alt" for tag, attrs in page.tags
                 if tag == "img" and "alt" not in attrs]
    return [f"{name}: {problem}" for problem in problems]


def test_every_page_has_the_contract_landmarks_and_sound_markup(site) -> None:
    pages = sorted(site.folder.rglob("*.html"))
    assert len(pages) >= len(site.catalog.entities) + 3
    problems = [line for path in pages for line in page_problems(site.folder, path)]
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems[:60])


def test_the_catalog_page_has_its_table_and_filter_form(site) -> None:
    _, page = outline(site.folder / "catalog.html")
    ids = {attrs.get("id") for _, attrs in page.tags}
    assert {"catalog-table", "catalog-filters"} <= ids
    selects = {attrs.get("name") for tag, attrs in page.tags if tag == "select"}
    assert {"kind", "type", "owner", "lifecycle", "system", "tag", "namespace"} <= selects


def test_every_page_declares_its_icon(site) -> None:
    """Without <link rel="icon"> browsers request /favicon.ico from the host's root: a 404 on
    every page view, and outside the site when it is served from a sub-folder."""
    missing = []
    for path in sorted(site.folder.rglob("*.html")):
        _, page = outline(path)
        if not any(tag == "link" and "icon" in attrs.get("rel", "").split()
                   for tag, attrs in page.tags):
            missing.append(path.relative_to(site.folder).as_posix())
    assert missing == [], f"{len(missing)} pages declare no icon, e.g. {missing[:3]}"
