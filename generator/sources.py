"""The sources stage: turn `catalog_sources.yaml` (or command-line paths) into SourceTrees.

Git sources are cloned with pygit2 into a cache folder that is ours: later runs fetch into
the same clone and force the work tree to the remote tip of the configured ref, so a build
is always of one pinned commit per repository. A source that cannot be fetched is a
Problem and the others still load; when a fetch fails but an earlier clone exists, that
clone is used and the Problem is a warning naming the (stale) commit.

Tokens come from environment variables and are handed to libgit2 through credential
callbacks only: clones store the URL without credentials, and every message that could
echo a secret is redacted before it leaves this module.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence, TypeVar

import pygit2
from pygit2.enums import CheckoutStrategy, FetchPrune

from generator.config import SourceConfig, SourcesConfig, display_path, env_token
from generator.credentials import Auth, SourceUnavailable, redact, unavailable_hint
from generator.model.problem import Problem, error, warning
from generator.model.scm import strip_credentials, web_for
from generator.model.source import SourceTree
from generator.progress import Finished, OnProgress, Step

Progress = OnProgress | None
T = TypeVar("T")
R = TypeVar("R")

#: Fetches at once. They wait on the network or on libgit2, which lets go of Python's
#: lock meanwhile, so threads overlap the waits (local file:// clones gain little).
FETCH_WORKERS = 4

FOLDER_GLOBS = ("**/*.yaml", "**/*.yml")
_REFSPECS = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]


@dataclass
class SourcesResult:
    """What the stage hands on: the trees in config order, and what went wrong."""

    trees: list[SourceTree] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Resolved:
    """A ref pinned to a commit: `kind` is `branch`, `tag` or `commit`."""

    name: str
    kind: str
    commit: str


def fetch_sources(
    config: SourcesConfig, cache_dir: Path | None = None, on_progress: Progress = None,
    offline: bool = False, workers: int = FETCH_WORKERS,
) -> SourcesResult:
    """Fetch every configured source; one failure never stops the others. Results and
    problems come in config order, however many fetches ran at once (`workers`).

    `offline` reads Git sources from their cached clones as they are, without fetching
    (`playbill merge` reads the commits the shards fetched)."""
    result = SourcesResult()
    cache = cache_dir or config.cache_dir
    shown_config = display_path(config.file) if config.file else None
    total = len(config.sources)
    started = _Started(on_progress, total)

    def fetch(source: SourceConfig) -> tuple[SourceTree | None, list[Problem]]:
        where = {"file": shown_config, "line": source.line}
        if source.is_git:
            started(f"Fetching {source.display_name}")
            return git_tree(source, cache, where, offline)
        started(f"Reading {source.display_name}")
        return path_tree(source, where)

    def clone_of(source: SourceConfig) -> object:
        return cache_key(source.clean_url or "", source.ref) if source.is_git else id(source)

    for tree, problems in _in_parallel(fetch, config.sources, clone_of, workers):
        result.problems += problems
        if tree is not None:
            result.trees.append(tree)
    failed = total - len(result.trees)
    _report(on_progress, Finished("sources", f"{len(result.trees):,} of {total:,} source"
                                  f"{'s' if total != 1 else ''} ready"
                                  + (f", {failed:,} unavailable" if failed else "")))
    return result


class _Started:
    """Reports each fetch as it starts, numbered in starting order, from any thread."""

    def __init__(self, on_progress: Progress, total: int) -> None:
        self.on_progress, self.total, self.count = on_progress, total, 0
        self.lock = threading.Lock()

    def __call__(self, item: str) -> None:
        with self.lock:  # one line at a time, and numbers that only go up
            self.count += 1
            _report(self.on_progress, Step("sources", self.count, self.total, item))


def _in_parallel(work: Callable[[T], R], items: Sequence[T], key: Callable[[T], object],
                 workers: int) -> list[R]:
    """`work` of every item, in item order, over up to `workers` threads. Items with the
    same `key` (sources sharing a clone folder) run one after another in one thread."""
    groups: dict[object, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(key(item), []).append(index)
    results: list[R | None] = [None] * len(items)

    def run(indexes: list[int]) -> None:
        for index in indexes:
            results[index] = work(items[index])

    if workers <= 1 or len(groups) <= 1:
        for indexes in groups.values():
            run(indexes)
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(groups))) as pool:
            for done in [pool.submit(run, indexes) for indexes in groups.values()]:
                done.result()  # an unexpected error surfaces here, as it would serially
    return results  # type: ignore[return-value]


def trees_for_paths(paths: Sequence[Path]) -> SourcesResult:
    """Trees for files and folders named on the command line (`playbill validate a.yaml docs/`).

    A file is read on its own; a folder is searched for YAML files that look like entities
    (`sniff`). Locations in them are checked (their targets must exist) but not followed:
    what is named is what gets validated. Inside a Git work tree they are `url` locations of that repository, as for a
    `path:` source; paths are shown relative to the working directory when below it.
    """
    result = SourcesResult()
    for path in paths:
        shown = display_path(path)
        if path.is_file():
            folder, globs, sniff = path.parent.resolve(), (escape_glob(path.name),), False
        elif path.is_dir():
            folder, globs, sniff = path.resolve(), FOLDER_GLOBS, True
        else:
            result.problems.append(error(
                "path-not-found", f"{shown} does not exist",
                hint="Give a catalog file or a folder holding catalog files", file=shown))
            continue
        result.trees.append(local_tree(folder, globs, shown, sniff=sniff, follow_locations=False))
    return result


# --- local folders ---------------------------------------------------------------------------


def path_tree(source: SourceConfig, where: dict) -> tuple[SourceTree | None, list[Problem]]:
    """The tree of a `path:` source, or a Problem when the folder is missing."""
    folder = source.path
    assert folder is not None
    if not folder.is_dir():
        return None, [error(
            "source-unavailable", f"Source {source.display_name}: folder {display_path(folder)} "
            "does not exist", hint="Fix `path:`; it is relative to the config file's folder",
            **where)]
    return local_tree(folder, source.catalog, source.display_name, source.host), []


def local_tree(
    folder: Path, globs: Sequence[str], name: str, host: str | None = None, sniff: bool = False,
    follow_locations: bool = True,
) -> SourceTree:
    """A local folder as a tree: the whole Git work tree when it is inside one, else itself.

    Inside a work tree the globs are re-rooted below `folder`, so they match the same files,
    and the location type is `url` so that relative targets resolve inside the repository
    exactly as they would for the pushed repository.
    """
    folder = folder.resolve()
    repo = _work_tree_of(folder)
    if repo is None:
        return SourceTree(name, folder, tuple(globs), "file", sniff=sniff,
                          follow_locations=follow_locations, **_display(folder, Path.cwd()))
    root = Path(repo.workdir).resolve()
    rel = folder.relative_to(root).as_posix()
    rooted = tuple(g if rel == "." else f"{escape_glob(rel)}/{g}" for g in globs)
    commit = None if repo.head_is_unborn else str(repo.head.target)
    branch = None if repo.head_is_unborn or repo.head_is_detached else repo.head.shorthand
    remote = _origin_url(repo)
    web = web_for(remote, _web_ref(repo, branch) or commit, host) if remote and commit else None
    return SourceTree(name, root, rooted, "url", commit=commit, branch=branch, remote=remote,
                      web=web, sniff=sniff, follow_locations=follow_locations,
                      **_display(root, Path.cwd()))


def escape_glob(text: str) -> str:
    """`text` as a glob matching only itself: wildcard characters become one-character
    classes (`[*]`, `[[]`, `[{]`), which the loader's node-glob style matcher reads literally."""
    return re.sub(r"([*?\[{])", r"[\1]", text)


def _work_tree_of(folder: Path) -> pygit2.Repository | None:
    found = pygit2.discover_repository(str(folder))
    if not found:
        return None
    try:
        repo = pygit2.Repository(found)
    except pygit2.GitError:
        return None
    return None if repo.is_bare or not repo.workdir else repo


def _origin_url(repo: pygit2.Repository) -> str | None:
    try:
        url = repo.remotes["origin"].url
    except (KeyError, ValueError):
        return None
    return strip_credentials(url) if url else None


def _web_ref(repo: pygit2.Repository, branch: str | None) -> str | None:
    """The branch as the host knows it: the upstream's name on origin, else the local name."""
    if branch is None:
        return None
    try:
        upstream = repo.branches.local[branch].upstream
    except (KeyError, pygit2.GitError):
        upstream = None
    if upstream is not None and upstream.shorthand.startswith("origin/"):
        return upstream.shorthand[len("origin/"):]
    return branch


def _display(root: Path, base: Path) -> dict:
    """SourceTree display fields showing files relative to `base` when below it."""
    base = base.resolve()
    if root == base or base in root.parents:
        rel = root.relative_to(base).as_posix()
        return {"display_prefix": "" if rel == "." else rel + "/"}
    if root in base.parents:
        return {"display_root": base}
    return {"display_prefix": str(root) + "/"}


# --- Git sources -----------------------------------------------------------------------------


def git_tree(
    source: SourceConfig, cache: Path, where: dict, offline: bool = False
) -> tuple[SourceTree | None, list[Problem]]:
    """Clone or update one `url:` source and pin it to a commit (offline: the cached
    clone's commit for the ref, as the last fetch left it)."""
    url = source.clean_url or ""
    secrets = [s for s in (env_token(source), source.url_password()) if s]
    clone_dir = cache / cache_key(url, source.ref)
    auth = Auth(source, url)
    problems: list[Problem] = []
    try:
        if offline:
            repo, stale = cached_clone(clone_dir, url), None
            resolved = resolve_ref(repo, source.ref)
            _checkout(repo, resolved.commit)
        else:
            repo, resolved, stale = sync_clone(clone_dir, url, source.ref, auth)
    except (SourceUnavailable, pygit2.GitError, OSError, KeyError, ValueError) as exc:
        hint = getattr(exc, "hint", "") or unavailable_hint(source, auth)
        message = f"Cannot fetch source {source.display_name} from {url}: {_reason(exc)}"
        return None, [error("source-unavailable", redact(message, secrets), hint=hint, **where)]
    if stale:
        problems.append(warning(
            "source-stale", redact(f"Cannot fetch source {source.display_name} from {url} "
                                   f"({stale}); using commit {resolved.commit[:12]} of "
                                   f"`{resolved.name}` from an earlier run", secrets),
            hint="This source may be out of date. " + unavailable_hint(source, auth),
            **where))
    ref_for_web = resolved.commit if resolved.kind == "commit" else resolved.name
    tree = SourceTree(
        source.display_name, Path(repo.workdir).resolve(), source.catalog, "url",
        commit=resolved.commit, branch=resolved.name if resolved.kind == "branch" else None,
        remote=url, web=web_for(url, ref_for_web, source.host),
        display_prefix=f"{source.display_name}/", pristine=True,
        extra={"ref": resolved.name, "ref_type": resolved.kind, "stale": bool(stale)})
    return tree, problems


def cache_key(url: str, ref: str | None) -> str:
    """`<slug>-<hash>`: readable, and distinct per URL and ref (each ref needs its own
    work tree, since every tree is read after all sources were fetched)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", re.sub(r"^[a-z+]+://", "", url)).strip("-")[-48:]
    digest = hashlib.sha256(f"{url}#{ref or ''}".encode()).hexdigest()[:12]
    return f"{slug.strip('-').lower() or 'repo'}-{digest}"


def sync_clone(
    clone_dir: Path, url: str, ref: str | None, auth: Auth
) -> tuple[pygit2.Repository, Resolved, str | None]:
    """Bring the cached clone to the tip of `ref`; returns (repo, pinned ref, stale reason).

    An existing clone is fetched, never re-cloned, unless it is unusable (corrupt, another
    remote). When the fetch fails but the clone already holds `ref`, that is used and the
    failure comes back as the stale reason.
    """
    repo = _open_cached(clone_dir, url)
    if repo is not None:
        try:
            _fetch(repo, auth)
        except (pygit2.GitError, SourceUnavailable) as exc:
            resolved = _try_resolve(repo, ref)
            if resolved is None:
                raise
            _checkout(repo, resolved.commit)
            return repo, resolved, _reason(exc)
        resolved = resolve_ref(repo, ref)
        try:
            _checkout(repo, resolved.commit)
            return repo, resolved, None
        except pygit2.GitError:
            pass  # objects missing or work tree unwritable: start again from scratch
    repo = _clone(clone_dir, url, auth)
    resolved = resolve_ref(repo, ref)
    _checkout(repo, resolved.commit)
    return repo, resolved, None


def cached_clone(clone_dir: Path, url: str) -> pygit2.Repository:
    """The cached clone of `url`, which must exist (offline reads never clone)."""
    repo = _open_cached(clone_dir, url)
    if repo is None:
        raise SourceUnavailable(f"no cached clone in {clone_dir} (offline: nothing is fetched)",
                                hint="Fetch it first (`playbill build --shard`, or a build "
                                     "with the same cache_dir)")
    return repo


def _open_cached(clone_dir: Path, url: str) -> pygit2.Repository | None:
    """The cached clone if it is a sound clone of `url`; anything else is removed."""
    if not clone_dir.exists():
        return None
    try:
        repo = pygit2.Repository(str(clone_dir))
        if repo.is_bare or repo.remotes["origin"].url != url:
            raise ValueError("cache holds another repository")
        repo.head  # noqa: B018 - raises on a broken HEAD
        return repo
    except (pygit2.GitError, KeyError, ValueError):
        shutil.rmtree(clone_dir, ignore_errors=True)
        return None


def _clone(clone_dir: Path, url: str, auth: Auth) -> pygit2.Repository:
    """Clone into a scratch folder first, so a failed clone never replaces a usable one."""
    scratch = clone_dir.with_name(clone_dir.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    clone_dir.parent.mkdir(parents=True, exist_ok=True)
    auth.asked.clear()
    try:
        pygit2.clone_repository(url, str(scratch), callbacks=auth)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    shutil.rmtree(clone_dir, ignore_errors=True)
    scratch.rename(clone_dir)
    return pygit2.Repository(str(clone_dir))


def _fetch(repo: pygit2.Repository, auth: Auth) -> None:
    """Fetch all branches and tags, then record the remote's default branch (a clone sets
    `origin/HEAD`, a fetch does not update it). libgit2's automatic tag following never
    moves an existing tag, so it is turned off in favour of the forced tag refspec."""
    repo.config["remote.origin.tagopt"] = "--no-tags"
    remote = repo.remotes["origin"]
    auth.asked.clear()
    remote.fetch(_REFSPECS, callbacks=auth, prune=FetchPrune.PRUNE)
    head = next((h.symref_target for h in remote.list_heads(connect=False)
                 if h.name == "HEAD" and h.symref_target), None)
    if head and head.startswith("refs/heads/"):
        target = "refs/remotes/origin/" + head[len("refs/heads/"):]
        if target in repo.references:
            repo.references.create("refs/remotes/origin/HEAD", target, force=True)


def resolve_ref(repo: pygit2.Repository, ref: str | None) -> Resolved:
    """Branch first, then tag, then a commit SHA; None means the remote's default branch."""
    resolved = _try_resolve(repo, ref)
    if resolved is not None:
        return resolved
    if ref is None:
        raise SourceUnavailable("the remote repository has no commits (or no default branch)",
                                hint="Push a first commit, or set `ref:`")
    raise SourceUnavailable(f"ref `{ref}` is neither a branch nor a tag of the remote",
                            hint="Fix `ref:`. " + _known_refs(repo))


def _try_resolve(repo: pygit2.Repository, ref: str | None) -> Resolved | None:
    refs = repo.references
    if ref is None:
        head = refs.get("refs/remotes/origin/HEAD")
        if head is None or head.type != pygit2.enums.ReferenceType.SYMBOLIC:
            return None
        name = head.target.removeprefix("refs/remotes/origin/")
        return _try_resolve(repo, name) if name else None
    short = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
    for kind, full in (("branch", f"refs/remotes/origin/{short}"), ("tag", f"refs/tags/{short}")):
        if full in refs:
            return Resolved(short, kind, str(refs[full].peel(pygit2.Commit).id))
    if re.fullmatch(r"[0-9a-fA-F]{7,40}", ref):
        try:
            commit = repo.revparse_single(ref).peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError):
            return None
        return Resolved(str(commit.id), "commit", str(commit.id))
    return None


def _known_refs(repo: pygit2.Repository, limit: int = 8) -> str:
    branches = sorted(r.removeprefix("refs/remotes/origin/") for r in repo.references
                      if r.startswith("refs/remotes/origin/") and r != "refs/remotes/origin/HEAD")
    tags = sorted(r.removeprefix("refs/tags/") for r in repo.references
                  if r.startswith("refs/tags/"))
    known = ", ".join([*branches[:limit], *tags[:limit]])
    return f"The remote has: {known}" if known else "The remote has no branches or tags"


def _checkout(repo: pygit2.Repository, commit: str) -> None:
    """Force the work tree to `commit` and detach HEAD there: the cache is ours, so local
    edits and stray files are discarded rather than mixed into the catalog."""
    target = repo[commit]
    strategy = (CheckoutStrategy.FORCE | CheckoutStrategy.REMOVE_UNTRACKED
                | CheckoutStrategy.REMOVE_IGNORED)
    repo.checkout_tree(target, strategy=strategy)
    repo.set_head(target.id)


def _reason(exc: BaseException) -> str:
    """An exception's message (pygit2's NotFoundError is a KeyError, which quotes it)."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


def _report(on_progress: Progress, event: Step | Finished) -> None:
    if on_progress is not None:
        on_progress(event)

