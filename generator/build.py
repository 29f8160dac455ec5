"""The build, stage by stage. Each stage takes the previous one's output and returns its own."""

from __future__ import annotations

from typing import Sequence

from generator import graph, load, validate
from generator.model.catalog import Catalog
from generator.model.problem import Problem
from generator.model.source import SourceTree


def read_catalog(trees: Sequence[SourceTree], problems: Sequence[Problem] = ()) -> Catalog:
    """load -> validate -> graph: every entity of the given trees, related, with all problems.

    `problems` are those found before loading (sources that could not be fetched), so that
    every report lists them beside the catalog's own.
    """
    loaded = load.load_catalog(trees)
    validated = validate.validate(loaded.documents)
    related = graph.build_graph(validated.entities)
    everything = [*problems, *loaded.problems, *validated.problems, *related.problems]
    problems = sorted(everything, key=lambda p: p.sort_key())
    return Catalog.create(validated.entities, related.graph, problems, trees)
