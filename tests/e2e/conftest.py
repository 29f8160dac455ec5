"""Fixtures for the browser tests: the example site built once, a real HTTP server on
127.0.0.1, and Debian's headless Chromium driven by Playwright.

Under `pytest -n auto` every xdist worker that runs a browser test builds its own copy of
the site and starts its own Chromium (session fixtures are per worker; both take about a
second for the example). Grouping the tests onto one worker with `xdist_group` does not
work with pytest 9.2 and xdist 3.8: xdist tags the group onto `item._nodeid`, which pytest
no longer reads. A test skips only when Chromium itself cannot start; a missing page,
asset or DOM hook is a failure.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from generator import sources
from generator.read import read_catalog
from generator.model.catalog import Catalog

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLE = REPO / "example"
CHROMIUM = Path(os.environ.get("PLAYBILL_CHROMIUM", "/usr/bin/chromium"))
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
#: Without the background-networking flags Chromium keeps trying hosts this machine cannot
#: reach; a fresh profile (Playwright makes one per launch) keeps runs independent.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 860}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser test `e2e`, so `pytest -m "not e2e"` runs without a browser."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class Site:
    """A built site: its folder, the catalog it was built from, and how to reach it."""

    folder: Path
    catalog: Catalog
    base_url: str = ""

    def url(self, path: str = "index.html") -> str:
        """`path` (from the site root) served over HTTP."""
        return self.base_url + path

    def file_url(self, path: str = "index.html") -> str:
        """`path` opened straight from disk, as someone double-clicking index.html would."""
        return (self.folder / path).as_uri()


def catalog_of(folder: Path) -> Catalog:
    found = sources.trees_for_paths([folder])
    return read_catalog(found.trees, found.problems)


def build(folder: Path, out: Path) -> Catalog:
    """The site of `folder`, written by the portal's own build into `out`."""
    from generator.build import build_site

    catalog = catalog_of(folder)
    build_site(catalog, out)
    return catalog


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that does not write a log line per request into the test output."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """`folder` served on a free port of 127.0.0.1; yields the base URL (ending in `/`)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example catalog built once and served on a free port of 127.0.0.1."""
    folder = tmp_path_factory.mktemp("e2e") / "site"
    catalog = build(EXAMPLE, folder)
    with serve(folder) as base_url:
        yield Site(folder, catalog, base_url)


@pytest.fixture(scope="session")
def browser() -> Iterator["object"]:
    """Debian's Chromium, headless. Skips (with the reason) only when it cannot start."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - any launch failure means no browser here
        manager.stop()
        pytest.skip(f"Chromium cannot start: {str(exc).splitlines()[0]}")
    try:
        yield chromium
    finally:
        chromium.close()
        manager.stop()


@dataclass
class PageErrors:
    """What went wrong while a page ran: script errors, console errors, failed loads."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("pageerror", lambda exc: self.messages.append(f"script error: {exc}"))
        page.on("console", self._console)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error" and not _is_favicon(message.location.get("url", "")):
            where = message.location.get("url", "")
            self.messages.append(f"console error: {message.text} ({where})")

    def _failed(self, request) -> None:
        # ERR_ABORTED is a load the browser cancelled because the test moved on to the next
        # page (often the icon); a missing file fails as ERR_FILE_NOT_FOUND or an HTTP 404.
        if request.failure != "net::ERR_ABORTED":
            self.messages.append(f"failed to load {request.url}: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400 and not _is_favicon(response.url):
            self.messages.append(f"HTTP {response.status} for {response.url}")


def _is_favicon(url: str) -> bool:
    """Chromium asks for /favicon.ico on its own; test_e2e_html checks pages declare an icon
    instead, so that one missing file is reported once, by name, not as noise here."""
    return url.endswith("/favicon.ico")


def new_page(browser, errors: PageErrors, color_scheme: str = "light"):
    """A page in a fresh context (empty localStorage), watched for errors."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme,
                                  reduced_motion="reduce")
    context.set_default_timeout(5000)
    page = context.new_page()
    errors.watch(page)
    return page


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def open_page(browser, page_errors: PageErrors) -> Iterator[Callable[..., object]]:
    """Opens pages in fresh contexts (`open_page("dark")`); after the test, fails it if any
    of them had a script error, a console error or a load that failed."""
    pages = []

    def open_one(color_scheme: str = "light"):
        pages.append(new_page(browser, page_errors, color_scheme))
        return pages[-1]

    yield open_one
    for page in pages:
        page.context.close()
    assert page_errors.messages == [], "\n".join(page_errors.messages)


@pytest.fixture
def page(open_page):
    """A page whose browser prefers the light colour scheme."""
    return open_page("light")


@pytest.fixture
def dark_page(open_page):
    """A page whose browser prefers the dark colour scheme."""
    return open_page("dark")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the screenshots go (gitignored). Each run overwrites the files by name; the
    folder is not emptied because another xdist worker may be writing into it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser build, installed by scripts/test with `npm ci` in tests/e2e."""
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(REPO)} is missing: scripts/test runs `npm ci` in tests/e2e")
    return AXE.read_text(encoding="utf-8")
