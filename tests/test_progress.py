"""Progress (generator/progress.py): a bar per stage on a real terminal (a pty), plain lines
through a pipe or in CI; and `playbill build` reporting its stages both ways."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator.progress import BAR_WIDTH, Finished, Progress, Step

EXAMPLE = Path(__file__).resolve().parent.parent / "example"
FULL = "[" + "#" * BAR_WIDTH + "]"


class Terminal:
    """A pseudo-terminal: `stream` is its slave end as a text file (a tty), and what was
    written to it is collected from the master end by a thread, so no write ever blocks."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self.chunks: list[bytes] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: every slave end is closed
                return
            if not chunk:
                return
            self.chunks.append(chunk)

    def text(self) -> str:
        """Everything written, once every slave end is closed; the terminal's own
        newline translation (\\n -> \\r\\n) undone."""
        self.reader.join(timeout=30)
        os.close(self.master)
        return b"".join(self.chunks).decode().replace("\r\n", "\n")


def visible_lines(text: str) -> list[str]:
    """What stays on screen: of each line, what the last carriage return left."""
    shown = [line.rsplit("\r", 1)[-1].rstrip() for line in text.split("\n")]
    return [line for line in shown if line]


def feed(progress: Progress) -> None:
    progress(Step("sources", 1, 2, "Fetching shop"))
    progress(Step("sources", 2, 2, "Reading docs"))
    progress(Finished("sources", "2 of 2 sources ready"))
    for done in range(1, 1001):
        progress(Step("load", done, 1000))
    progress(Finished("load", "reused 1 of 2 sources"))
    progress("Rendering 1,000 entities")
    progress.finish()


def test_a_pipe_gets_plain_lines_for_named_steps_and_summaries(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    stream = io.StringIO()
    feed(Progress(stream=stream))
    assert stream.getvalue().splitlines() == [
        "sources: [1/2] Fetching shop",
        "sources: [2/2] Reading docs",
        "sources: 2 of 2 sources ready",
        "load: reused 1 of 2 sources",
        "Rendering 1,000 entities",
    ]


def test_a_terminal_gets_one_updating_bar_line_per_stage(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    terminal = Terminal()
    with open(terminal.slave, "w", encoding="utf-8") as stream:
        progress = Progress(stream=stream)
        assert progress.interactive
        feed(progress)
    text = terminal.text()
    assert visible_lines(text) == [
        f"sources  {FULL} 2/2 2 of 2 sources ready",
        f"load     {FULL} 1,000/1,000 reused 1 of 2 sources",
    ]
    load_line = text.split("\n")[1]
    assert "[############------------] 500/1,000" in load_line  # drawn on the way
    assert 100 <= load_line.count("\r") <= 102  # once per percent, not per step
    assert text.endswith("\r" + " " * len("Rendering 1,000 entities") + "\r")


def test_ci_gets_plain_lines_even_on_a_terminal(monkeypatch):
    monkeypatch.setenv("CI", "true")
    terminal = Terminal()
    with open(terminal.slave, "w", encoding="utf-8") as stream:
        feed(Progress(stream=stream))
    text = terminal.text()
    assert "\r" not in text
    assert text.splitlines()[2:4] == ["sources: 2 of 2 sources ready",
                                      "load: reused 1 of 2 sources"]


def build_twice(tmp_path: Path, stderr_of) -> tuple[str, str]:
    """`playbill build` of the example, twice (the second run warm), in a process of its
    own whose stderr is what `stderr_of()` gives: (file for Popen, function to read it)."""
    (tmp_path / "catalog_sources.yaml").write_text(f"sources:\n  - path: {EXAMPLE}\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    outputs = []
    for _ in range(2):
        target, collect = stderr_of()
        subprocess.run([sys.executable, "-m", "generator", "build", "--no-docs"], cwd=tmp_path,
                       env=env, stdout=subprocess.DEVNULL, stderr=target, timeout=300,
                       check=True)
        outputs.append(collect())
    return outputs[0], outputs[1]


def test_build_prints_plain_stage_lines_through_a_pipe(tmp_path):
    def pipe():
        path = tmp_path / f"stderr-{len(list(tmp_path.glob('stderr-*')))}"
        handle = path.open("w")
        return handle, lambda: (handle.close(), path.read_text())[1]

    cold, warm = build_twice(tmp_path, pipe)
    assert "\r" not in cold + warm
    assert "sources: [1/1] Reading example" in cold.splitlines()
    assert "load: 39 documents from 1 source; reused 0 of 1 source (16 files parsed" in cold
    assert "load: 39 documents from 1 source; reused 1 of 1 source (0 files parsed" in warm
    assert ("validate: 39 entities valid, 0 documents not stored; 0 unchanged valid documents"
            " not checked again") in cold.splitlines()
    assert ("validate: 39 entities valid, 0 documents not stored; 39 unchanged valid "
            "documents not checked again") in warm.splitlines()


def test_build_draws_bars_on_a_terminal(tmp_path):
    terminals: list[Terminal] = []

    def tty():
        terminals.append(Terminal())
        terminal = terminals[-1]

        def collect() -> str:
            os.close(terminal.slave)
            return terminal.text()
        return terminal.slave, collect

    _, warm = build_twice(tmp_path, tty)
    lines = visible_lines(warm)
    assert lines[0] == f"sources  {FULL} 1/1 1 of 1 source ready"
    assert lines[1].startswith(f"load     {FULL} ")
    assert lines[1].endswith("reused 1 of 1 source (0 files parsed, 16 reused)")
    assert lines[2] == (f"validate {FULL} 39/39 39 entities valid, 0 documents not stored; "
                        "39 unchanged valid documents not checked again")


@pytest.mark.parametrize("done, total, bar", [
    (0, 4, "[" + "-" * BAR_WIDTH + "]"),
    (1, 4, "[" + "#" * (BAR_WIDTH // 4) + "-" * (BAR_WIDTH * 3 // 4) + "]"),
    (5, 4, FULL),
    (0, 0, FULL),
])
def test_the_bar_fills_with_the_share_done(done, total, bar, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    terminal = Terminal()
    with open(terminal.slave, "w", encoding="utf-8") as stream:
        Progress(stream=stream)(Step("load", done, total))
    assert visible_lines(terminal.text()) == [f"load     {bar} {done}/{total}"]
