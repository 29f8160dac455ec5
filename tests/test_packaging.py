"""What a wheel carries: site_templates/ sits outside the package, so pyproject's data-files
must list every one of its files or `pip install .` gives a portal without templates."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_data_files_ship_every_site_template():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = {
        Path(match).relative_to("site_templates")
        for patterns in config["tool"]["setuptools"]["data-files"].values()
        for pattern in patterns
        for match in glob.glob(pattern, root_dir=ROOT)
    }
    # Compiled templates are kept in __pycache__ (see BuiltinBytecodeCache): not sources.
    files = {path.relative_to(ROOT / "site_templates")
             for path in (ROOT / "site_templates").rglob("*")
             if path.is_file() and "__pycache__" not in path.parts}
    assert files and files == shipped


def test_data_files_keep_the_folder_layout():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for target, patterns in config["tool"]["setuptools"]["data-files"].items():
        for pattern in patterns:
            folder = str(Path(pattern).parent)
            assert target == f"share/playbill/{folder}", (target, pattern)
