"""How the render's work is shared between processes: the entity pages, in chunks, and
other work that needs none of the pages (the site-wide pages and exports, the search index,
publishing built docs sites).

Workers are forked, so they share the parent's catalog and compiled templates without
pickling them. Chunks and pieces of work are taken from counters in shared memory by
whichever process is free: workers take the other work first, the parent renders pages
straight away (it owns its memory, where a forked worker copies every page of it it
writes to), and whatever is left goes to whoever is done first, so no core waits.
"""

from __future__ import annotations

import gc
import multiprocessing
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jinja2

from generator.cores import usable_cores
from generator.render import pages
from generator.render.pages import PageJob, Written, environment

#: Below this many entities a pool costs more than it saves.
POOL_THRESHOLD = 800
#: Pages are rendered in chunks of at most CHUNK_PAGES, at least CHUNKS_PER_PROCESS a
#: process: small enough that processes finish together, big enough that taking one
#: costs nothing next to rendering it.
CHUNKS_PER_PROCESS = 8
CHUNK_PAGES = 250
#: How often this process says how the pages go while it waits for the others.
PROGRESS_SECONDS = 0.2

_JOB: "_Shared | None" = None  # set in the parent just before forking


def _compile_page_templates(env: jinja2.Environment) -> None:
    """Load every page template (entity and site-wide pages, partials, ours and the
    user's) before the workers fork, so that they inherit them rather than each loading
    them again (compiling, when one is not kept: see `BuiltinBytecodeCache`). One that
    does not compile is left to fail where a page uses it, as it did before."""
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass


def write_entity_pages(job: PageJob, workers: int,
                       meanwhile: Sequence[Callable[[], Any]] = (),
                       on_pages: Callable[[int], None] | None = None
                       ) -> tuple[Written, list[Any]]:
    """Render every entity page and API definition download, over `workers` processes:
    this one and `workers - 1` forked ones; and run each of `meanwhile` (the site-wide
    pages and exports, the search index, publishing docs), returning what they return,
    in order. `on_pages` hears, in this process, how many pages are done so far, after
    each chunk it renders and while it waits for the others.

    With workers, they take the `meanwhile` work first while this process renders pages
    straight away; the pages and any work left are for whoever is free, so no core waits
    whichever is done first. This process renders rather than a worker because it owns
    its memory, where a forked worker copies every page of it it writes to.
    """
    refs = list(job.catalog.entities)
    if workers > 1 and len(refs) > 1:
        _compile_page_templates(environment(job))  # before the fork, and frozen with it
    # The catalog is never freed during a render: keeping its objects out of the garbage
    # collector's sweeps saves a fifth of the render time, and forked workers then leave
    # its memory pages shared instead of touching each object's reference count. A build
    # has frozen it already (model.values.settle), and then it stays frozen afterwards.
    thaw = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        if workers <= 1 or len(refs) < 2:
            written = _render_alone(job, refs, on_pages)
            return written, [work() for work in meanwhile]
        return _render_shared(job, refs, workers, list(meanwhile), on_pages)
    finally:
        if thaw:
            gc.unfreeze()


def _render_alone(job: PageJob, refs: list[str],
                  on_pages: Callable[[int], None] | None) -> Written:
    """Every page in this process, in chunks so that `on_pages` hears how it goes."""
    if on_pages is None:
        return pages.render_chunk_with(job, refs)
    parts = []
    for start in range(0, len(refs), CHUNK_PAGES):
        parts.append(pages.render_chunk_with(job, refs[start:start + CHUNK_PAGES]))
        on_pages(min(start + CHUNK_PAGES, len(refs)))
    return Written.merged(parts)


def _render_shared(job: PageJob, refs: list[str], processes: int,
                   meanwhile: list[Callable[[], Any]],
                   on_pages: Callable[[int], None] | None) -> tuple[Written, list[Any]]:
    global _JOB
    size = max(1, min(CHUNK_PAGES, -(-len(refs) // (processes * CHUNKS_PER_PROCESS))))
    chunks = [refs[i:i + size] for i in range(0, len(refs), size)]
    context = multiprocessing.get_context("fork")
    _JOB = _Shared(job, chunks, context.Value("i", 0), meanwhile,
                   context.Array("i", [0, len(meanwhile)]), context.Value("i", 0))
    tell = (lambda: on_pages(_JOB.pages_done.value)) if on_pages else (lambda: None)
    try:
        with context.Pool(processes - 1) as pool:
            # Workers take the other work first. A task per chunk, so that each chunk's
            # result comes back as soon as it is done; a task finding nothing left to
            # take returns None.
            other = [pool.apply_async(_work_next) for _ in meanwhile]
            pending = pool.map_async(_render_next, range(len(chunks)), chunksize=1)
            # More work than workers: this process takes the last piece first, rather
            # than find it taken and wait for it once the pages are done.
            results = dict(_work_last() if len(meanwhile) >= processes else ())
            done = []
            while (pair := _render_next(0)) is not None:
                done.append(pair)
                tell()
            results.update(iter(_work_next, None))
            while not pending.ready():
                pending.wait(PROGRESS_SECONDS)
                tell()
            done += [pair for pair in pending.get() if pair is not None]
            tell()  # all of them
            results.update(pair for task in other if (pair := task.get()) is not None)
    finally:
        _JOB = None
    # In chunk order, so that problems keep the catalog's order.
    written = Written.merged(part for _, part in sorted(done, key=lambda pair: pair[0]))
    return written, [results[number] for number in range(len(meanwhile))]


@dataclass
class _Shared:
    """What the processes of one render share: set just before forking. Chunks and the
    other work are taken from counters in shared memory."""

    job: PageJob
    chunks: list[list[str]]
    next_chunk: Any
    work: list[Callable[[], Any]]
    #: [first, end) of the other work nobody has taken yet.
    work_left: Any
    #: Entity pages rendered (or reused) so far, by all processes.
    pages_done: Any


def _render_next(_: int) -> tuple[int, Written] | None:
    """Render the next chunk nobody has taken, with its number; None when none is left."""
    assert _JOB is not None, "worker started without a job"
    number = _take(_JOB.next_chunk, len(_JOB.chunks))
    if number is None:
        return None
    chunk = _JOB.chunks[number]
    written = pages.render_chunk_with(_JOB.job, chunk)
    with _JOB.pages_done.get_lock():
        _JOB.pages_done.value += len(chunk)
    return number, written


def _work_next() -> tuple[int, Any] | None:
    """Do the next piece of other work nobody has taken, with its number; None when none
    is left."""
    assert _JOB is not None, "worker started without a job"
    span = _JOB.work_left
    with span.get_lock():
        if span[0] >= span[1]:
            return None
        number = span[0]
        span[0] += 1
    return number, _JOB.work[number]()


def _work_last() -> list[tuple[int, Any]]:
    """Do the last piece of other work nobody has taken (workers take from the front)."""
    assert _JOB is not None
    span = _JOB.work_left
    with span.get_lock():
        if span[0] >= span[1]:
            return []
        span[1] -= 1
        number = span[1]
    return [(number, _JOB.work[number]())]


def _take(counter: Any, count: int) -> int | None:
    """The next number below `count` nobody has taken, from a shared counter."""
    with counter.get_lock():
        number = counter.value
        if number >= count:
            return None
        counter.value = number + 1
    return number


def worker_count(requested: int | None, entities: int) -> int:
    """`requested` when given, else every core for big catalogs and one for small ones."""
    if requested is not None:
        return max(1, requested)
    if entities < POOL_THRESHOLD:
        return 1
    return max(1, min(usable_cores(), 8))
