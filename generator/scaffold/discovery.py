"""Finding templates for `playbill scaffold`, as `playbill validate` finds entities.

Template files or folders named on the command line, else `scaffold_templates/` when it
exists, else the catalog sources. A template Backstage would refuse, or a name that
matches none, is a usage error (exit 2) with its problems.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from generator.model.problem import Problem
from generator.scaffold.cli_output import usage, usage_problems
from generator.scaffold.template import Template, load_template, templates_from_catalog

if TYPE_CHECKING:
    from generator.model.catalog import Catalog

DEFAULT_FOLDER = Path("scaffold_templates")
DEFAULT_SOURCES = Path("catalog_sources.yaml")


def find_templates(paths: Iterable[Path], sources_file: Path | None) -> list[Template]:
    """Templates from PATHS, else scaffold_templates/, else the catalog sources."""
    paths = list(paths)
    templates: list[Template] = []
    problems: list[Problem] = []
    if not paths and sources_file is None:
        if DEFAULT_FOLDER.is_dir():
            paths = [DEFAULT_FOLDER]
        elif DEFAULT_SOURCES.exists():
            sources_file = DEFAULT_SOURCES
        else:
            usage("no templates: pass template files or folders, or --sources FILE")
    for path in paths:
        found, trouble = templates_at(path)
        templates += found
        problems += trouble
    if sources_file is not None:
        found, trouble = _templates_from_sources(sources_file)
        templates += found
        problems += trouble
    if any(p.is_error for p in problems):
        usage_problems(problems)
    return templates


def templates_at(path: Path) -> tuple[list[Template], list[Problem]]:
    """A template file, or every file below a folder that holds a Template document."""
    if path.is_file():
        template, problems = load_template(path)
        return ([template] if template else []), problems
    if not path.is_dir():
        usage(f"{path} does not exist")
    templates, problems = [], []
    for file in sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")]):
        if _mentions_template(file):
            template, trouble = load_template(file)
            templates += [template] if template else []
            problems += trouble
    return templates, problems


def one_template(name: str, sources_file: Path | None) -> Template:
    """TEMPLATE as a path (file, or folder with template.yaml), else a name or ref."""
    path = Path(name)
    if path.is_dir() and (path / "template.yaml").is_file():
        path = path / "template.yaml"
    if path.is_file():
        template, problems = load_template(path)
        if template is None:
            usage_problems(problems)
        return template
    from generator.model.ref import RefError, parse_ref

    try:
        wanted = str(parse_ref(name, default_kind="template"))
    except RefError as err:
        usage(str(err))
    for template in find_templates([], sources_file):
        if template.ref.lower() == wanted:
            return template
    usage(f"no template named {name!r} (give a template file, or a name `playbill "
          f"scaffold list` shows)")


def read_sources(sources_file: Path) -> Catalog:
    """The catalog the sources file lists, fetched and built; its errors are usage errors."""
    from generator import config, sources
    from generator.read import read_catalog

    cfg, problems = config.load_config(sources_file)
    if cfg is None or any(p.is_error for p in problems):
        usage_problems(problems)
    fetched = sources.fetch_sources(cfg)
    return read_catalog(fetched.trees, fetched.problems)


def _mentions_template(file: Path) -> bool:
    """Cheap sniff, so skeleton files (full of `${{ }}`) are never parsed as entities."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.strip() == "kind: Template" for line in text.splitlines())


def _templates_from_sources(sources_file: Path) -> tuple[list[Template], list[Problem]]:
    catalog = read_sources(sources_file)
    templates = templates_from_catalog(catalog)
    files = {t.file for t in templates}
    return templates, [p for p in catalog.problems if p.file in files]
