"""Keep `.github/workflows` in step with the templates: write their workflow files, and
say which are missing, out of date, or left over from a template that is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from generator.scaffold.template import Template
from generator.scaffold.workflows import MAX_INPUTS, workflow_file_name, workflow_for


def write_workflows(templates: Iterable[Template], folder: Path, max_inputs: int = MAX_INPUTS,
                    *, root: Path | None = None, install: str = "playbill",
                    sources: Path | None = None) -> list[Path]:
    """Write one workflow per template into `folder`; returns the files written.

    `root` defaults to the folder two levels up (`<root>/.github/workflows`).
    """
    folder = Path(folder)
    root = root or folder.parent.parent
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for template, text in expected_workflows(templates, max_inputs, root=root, install=install,
                                             sources=sources):
        path = folder / workflow_file_name(template)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_workflows(templates: Iterable[Template], folder: Path, max_inputs: int = MAX_INPUTS,
                    *, root: Path | None = None, install: str = "playbill",
                    sources: Path | None = None) -> list[str]:
    """What `write_workflows` would change in `folder`, as messages (empty: up to date).

    A `scaffold-*.yml` file no template produces any more counts too: its form would
    start a template that is gone.
    """
    folder = Path(folder)
    root = root or folder.parent.parent
    messages, expected = [], set()
    for template, text in expected_workflows(templates, max_inputs, root=root, install=install,
                                             sources=sources):
        path = folder / workflow_file_name(template)
        expected.add(path.name)
        if not path.exists():
            messages.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            messages.append(f"{path}: out of date")
    for path in sorted(folder.glob("scaffold-*.yml")) if folder.is_dir() else []:
        if path.name not in expected:
            messages.append(f"{path}: no template produces it any more")
    return messages


def expected_workflows(templates: Iterable[Template], max_inputs: int = MAX_INPUTS, *,
                       root: Path | None = None, install: str = "playbill",
                       sources: Path | None = None) -> list[tuple[Template, str]]:
    """Each template with its workflow text, refusing two templates that share a file."""
    seen: dict[str, Template] = {}
    result = []
    for template in templates:
        name = workflow_file_name(template)
        if name in seen:
            raise ValueError(f"templates {seen[name].ref} and {template.ref} would both "
                             f"write {name}")
        seen[name] = template
        result.append((template, workflow_for(template, max_inputs, root=root, install=install,
                                              sources=sources)))
    return result
