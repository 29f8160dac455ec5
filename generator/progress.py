"""Progress for long work: a redrawn line on a terminal, plain lines in CI or when piped."""

from __future__ import annotations

import os
import sys
from typing import TextIO


class Progress:
    """A callable that stages receive as `on_progress(message)`.

    Stages only describe what they are doing; whether that becomes a bar or a log line is
    decided here, once. Interactive terminals get a single line rewritten in place; CI
    (`CI` set) and pipes get one plain line per message, which is what CI logs want.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.interactive = self.stream.isatty() and not os.environ.get("CI")
        self._width = 0

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if not self.enabled:
            return
        if done is not None and total:
            message = f"{_bar(done, total)} {done}/{total} {message}"
        if self.interactive:
            padded = message.ljust(self._width)[:200]
            self._width = len(message)
            self.stream.write("\r" + padded)
        else:
            self.stream.write(message + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.interactive and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def _bar(done: int, total: int, width: int = 24) -> str:
    filled = int(width * min(done, total) / total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"
