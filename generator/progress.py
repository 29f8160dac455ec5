"""Progress for long work: a bar per stage on a terminal, plain lines in CI or when piped.

Stages never print: they report progress as data, a `Step` (so many of so many done) now
and then and a `Finished` with a one-line summary at the end, to an `on_progress`
callback. `Progress` is that callback for the command line and decides, once, how it
looks: on an interactive terminal each stage gets one line holding a bar, rewritten in
place until the stage finishes and then left standing; in CI (`CI` set) or through a pipe
each named step and each summary is a plain line, which is what logs want. Plain strings
(`progress("Rendering ...")`) are status messages: a transient line on a terminal, a
plain line otherwise.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Callable, TextIO

BAR_WIDTH = 24
_MAX_LINE = 200


@dataclass(frozen=True)
class Step:
    """`done` of `total` items of `stage`; `item` names the one being worked on, if any."""

    stage: str
    done: int
    total: int
    item: str = ""


@dataclass(frozen=True)
class Finished:
    """`stage` is over; `summary` says what it did (and what it reused)."""

    stage: str
    summary: str


Event = Step | Finished | str
OnProgress = Callable[[Event], None]


class Progress:
    """The `on_progress` callback of the command line; see the module docstring."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.interactive = self.stream.isatty() and not os.environ.get("CI")
        self._width = 0  # length of the line currently drawn in place (terminal only)
        self._last: Step | None = None  # the open stage's latest step (terminal only)
        self._shown: tuple | None = None  # what the open line shows, to skip redraws

    def __call__(self, event: Event, done: int | None = None, total: int | None = None
                 ) -> None:
        if not self.enabled:
            return
        if isinstance(event, Step):
            self._step(event)
        elif isinstance(event, Finished):
            self._finished(event)
        else:
            self._message(event if done is None or not total
                          else f"{_bar(done, total)} {done}/{total} {event}")
        self.stream.flush()

    def finish(self) -> None:
        """Clear a transient line (a message or an unfinished bar) before other output."""
        if self.enabled and self.interactive and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width, self._last, self._shown = 0, None, None

    def _step(self, step: Step) -> None:
        if not self.interactive:
            if step.item:
                self.stream.write(f"{step.stage}: [{step.done}/{step.total}] {step.item}\n")
            return
        if self._last is not None and self._last.stage != step.stage:
            self._end_line()
        self._last = step
        shown = (step.stage, step.item, _percent(step.done, step.total), step.done == step.total)
        if shown != self._shown:  # redraw at most once per percent (or new item)
            self._shown = shown
            self._draw(_bar_line(step.stage, step.done, step.total, step.item))

    def _finished(self, finished: Finished) -> None:
        if not self.interactive:
            self.stream.write(f"{finished.stage}: {finished.summary}\n")
            return
        last = self._last if self._last and self._last.stage == finished.stage else None
        if self._last is not None and last is None:
            self._end_line()
        if last is not None:
            line = _bar_line(finished.stage, last.total, last.total, finished.summary)
        else:
            line = f"{finished.stage:<9}{finished.summary}"
        self._draw(line)
        self._end_line()

    def _message(self, message: str) -> None:
        if not self.interactive:
            self.stream.write(message + "\n")
            return
        if self._last is not None:
            self._end_line()
        self._draw(message)

    def _draw(self, line: str) -> None:
        line = line[:_MAX_LINE]
        self.stream.write("\r" + line.ljust(self._width))
        self._width = len(line)

    def _end_line(self) -> None:
        """Leave the open line standing and start a new one."""
        if self._width:
            self.stream.write("\n")
        self._width, self._last, self._shown = 0, None, None


def _percent(done: int, total: int) -> int:
    return 100 * min(done, total) // total if total else 100


def _bar_line(stage: str, done: int, total: int, text: str) -> str:
    return f"{stage:<9}{_bar(done, total)} {done:,}/{total:,} {text}".rstrip()


def _bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = width * min(done, total) // total if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"
