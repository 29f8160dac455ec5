"""Reading the catalog: load -> validate -> graph, through the caches a build keeps.
Each stage takes the previous one's output and returns its own. Commands that only read
(`validate`, `owner set`, `diff`) need nothing more, and so do not load the site's
stages (`generator.build`)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from generator import graph, kept, load, validate
from generator.load.cache import LoadCache
from generator.model.catalog import Catalog
from generator.model.document import Document
from generator.model.problem import Problem
from generator.model.source import SourceTree
from generator.model.values import collector_paused, settle
from generator.progress import Finished, OnProgress
from generator.scaffold import checks as scaffold_checks


def read_catalog(trees: Sequence[SourceTree], problems: Sequence[Problem] = (),
                 cache_dir: Path | None = None, on_progress: OnProgress | None = None
                 ) -> Catalog:
    """load -> validate -> graph: every entity of the given trees, related, with all problems.

    `problems` are those found before loading (sources that could not be fetched), so that
    every report lists them beside the catalog's own. Software Templates are checked too
    (forms, actions, expressions, skeletons), which Backstage leaves until a template runs.
    With `cache_dir`, files parsed by an earlier build are not parsed again (see
    `generator.load.cache`), nor documents it found valid checked again (`_validate`);
    `on_progress` hears how the load and validation go.
    """
    # One pause of the cycle collector around all three stages, not one each: every
    # resume sweeps all the objects made meanwhile (~0.1 s per stage for 10k entities);
    # and none at the end, since they are settled before it resumes.
    with collector_paused():
        loaded = _load(trees, cache_dir, on_progress)
        validated = _validate(loaded.documents, cache_dir, on_progress)
        related = graph.build_graph(validated.entities)
        templates = scaffold_checks.catalog_problems(validated.entities)
        everything = [*problems, *loaded.problems, *validated.problems, *related.problems,
                      *templates]
        problems = sorted(everything, key=lambda p: p.sort_key())
        catalog = Catalog.create(validated.entities, related.graph, problems, trees)
        settle()  # the catalog outlives the build's other stages
    return catalog


def _load(trees: Sequence[SourceTree], cache_dir: Path | None,
          on_progress: OnProgress | None) -> load.LoadResult:
    """The load stage, through the load cache in `cache_dir` when given."""
    cache = LoadCache.open(cache_dir) if cache_dir is not None else None
    loaded = load.load_catalog(trees, cache, on_progress)
    if cache is not None:
        cache.save()
    if on_progress is not None:
        summary = (f"{len(loaded.documents):,} documents from {len(trees):,} source"
                   f"{'s' if len(trees) != 1 else ''}")
        if cache is not None:
            summary += "; " + loaded.reuse.summary()
        on_progress(Finished("load", summary))
    return loaded


#: Beside the load cache: the digests of the documents the last build found valid.
VALID_FILE = "valid.marshal"


def _validate(documents: Sequence[Document], cache_dir: Path | None,
              on_progress: OnProgress | None) -> validate.ValidationResult:
    """The validate stage, trusting what the last build found valid when `cache_dir` is
    given. Kept under a key of the code that validates: the `generator.model` package and
    the stage itself."""
    if cache_dir is None:
        return validate.validate(documents, on_progress)
    path, key = cache_dir / VALID_FILE, kept.code_key(_validating_code())
    known = (kept.read(path, key) or {}).get("valid")
    known = known if isinstance(known, frozenset) else frozenset()
    validated = validate.validate(documents, on_progress, known_valid=known)
    if validated.valid != known:
        kept.write(path, key, {"valid": frozenset(validated.valid)})
    return validated


def _validating_code() -> list[Path]:
    model = Path(validate.__file__).parent / "model"
    return [Path(validate.__file__), *sorted(model.rglob("*.py"))]
