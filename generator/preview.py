"""`playbill serve`: the built site over HTTP on the loopback interface, for previews.

A plain `http.server` is enough: the site is static and uses relative links, so what a
reader sees here is what any static host (or `file://`) shows.
"""

from __future__ import annotations

import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


class _Handler(SimpleHTTPRequestHandler):
    """Serves one folder; request lines go to stderr only when logging is on."""

    log_requests = True
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".json": "application/json",
        ".graphql": "text/plain",
        ".proto": "text/plain",
        ".yaml": "text/plain",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base's name)
        if self.log_requests:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(site_dir: Path, port: int = 8000, log: bool = True) -> ThreadingHTTPServer:
    """A server for `site_dir` bound to 127.0.0.1:`port` (0: any free port), not started."""
    handler = type("Handler", (_Handler,), {"log_requests": log})
    factory = functools.partial(handler, directory=str(site_dir.absolute()))
    return ThreadingHTTPServer((HOST, port), factory)


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/index.html"


def serve_until_interrupted(server: ThreadingHTTPServer, log: bool = True) -> None:
    """Serve until Ctrl+C (or SIGTERM turned into KeyboardInterrupt), then close."""
    server.RequestHandlerClass.log_requests = log
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
