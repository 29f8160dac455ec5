"""The pipeline's order holds in the code: a stage knows the stages before it and none
after it, and the nouns in `generator/model/` know no stage at all. Imports inside
functions count too: a lazy import is still a dependency."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import generator

PACKAGE = Path(generator.__file__).parent
#: sources → load → validate → graph → status → docs → render → search (README).
STAGES = ("sources", "load", "validate", "graph", "status", "docs", "render", "search")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(("generator", *parts))] = path
    return found


def _imports(module: str, path: Path) -> set[str]:
    """Every `generator...` module `path` imports, anywhere in it."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, or a parent of it
                package = module.rsplit(".", node.level - (path.name == "__init__.py"))[0]
                base = f"{package}.{base}" if base else package
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("generator.")}


def _stage(module: str) -> str | None:
    part = module.split(".")[1] if module.count(".") else ""
    return part if part in STAGES else None


def test_no_stage_imports_a_later_one():
    backwards = []
    for module, path in _modules().items():
        stage = _stage(module)
        if stage is None:
            continue
        for imported in _imports(module, path):
            other = _stage(imported)
            if other is not None and STAGES.index(other) > STAGES.index(stage):
                backwards.append(f"{module} imports {imported}")
    assert backwards == []


def test_the_model_imports_no_stage():
    modules = _modules()
    found = [f"{module} imports {imported}"
             for module, path in modules.items() if module.startswith("generator.model")
             for imported in _imports(module, path)
             if imported.split(".")[1] != "model" and imported.split(".")[1] in STAGES]
    assert found == []


def test_commands_that_only_read_do_not_load_the_site_s_stages():
    """`validate`, `owner set` and `diff` need load, validate and graph only (`read.py`);
    importing the render and search stages cost `playbill validate` 0.06 s of its 0.34 s
    on the example."""
    code = ("import sys, generator.cli\n"
            "print(sorted(m for m in sys.modules if m.startswith(("
            "'generator.build', 'generator.render', 'generator.search'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("def f():\n    from generator.render import pages\n"
                    "from ..render import links\nfrom . import refs\n")
    assert _imports("generator.docs.mod", path) == {
        "generator.render", "generator.render.pages", "generator.render.links",
        "generator.docs", "generator.docs.refs"}
