"""The build, stage by stage. Each stage takes the previous one's output and returns its own."""

from __future__ import annotations

from typing import Sequence

from generator import graph, load, validate
from generator.model.catalog import Catalog
from generator.model.source import SourceTree


def read_catalog(trees: Sequence[SourceTree]) -> Catalog:
    """load -> validate -> graph: every entity of the given trees, related, with all problems."""
    loaded = load.load_catalog(trees)
    validated = validate.validate(loaded.documents)
    related = graph.build_graph(validated.entities)
    problems = sorted(
        [*loaded.problems, *validated.problems, *related.problems], key=lambda p: p.sort_key()
    )
    return Catalog.create(validated.entities, related.graph, problems, trees)
