"""The benchmark writes what it promises and measures real builds (no timing asserted)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench` lives beside `generator`

from bench.synth import CATALOG_FILE, generate  # noqa: E402


def test_generates_the_requested_number_of_entities(tmp_path):
    synthetic = generate(tmp_path, 200, seed=7)

    documents = [
        doc
        for repo in synthetic.repos
        for doc in yaml.safe_load_all((repo / CATALOG_FILE).read_text(encoding="utf-8"))
        if doc is not None
    ]
    assert len(synthetic.repos) == 4
    assert len(documents) == synthetic.entities == 200
    assert {doc["kind"] for doc in documents} == {
        "Group", "User", "Domain", "System", "Component", "API", "Resource"
    }


def test_every_reference_points_at_a_generated_entity(tmp_path):
    synthetic = generate(tmp_path, 200, seed=7)
    documents = [
        doc for repo in synthetic.repos
        for doc in yaml.safe_load_all((repo / CATALOG_FILE).read_text(encoding="utf-8"))
    ]
    names = {(doc["kind"].lower(), doc["metadata"]["name"]) for doc in documents}
    defaults = {"owner": "group", "system": "system", "domain": "domain", "parent": "group",
                "subdomainOf": "domain", "subcomponentOf": "component", "memberOf": "group",
                "providesApis": "api", "consumesApis": "api", "dependsOn": None}
    for doc in documents:
        for key, kind in defaults.items():
            values = doc["spec"].get(key, [])
            for ref in [values] if isinstance(values, str) else values:
                target_kind, _, name = ref.rpartition(":")
                assert (target_kind or kind, name) in names, (doc["metadata"]["name"], key, ref)


def test_generation_is_deterministic(tmp_path):
    first = generate(tmp_path / "a", 200, seed=3)
    second = generate(tmp_path / "b", 200, seed=3)
    for a, b in zip(first.repos, second.repos):
        assert (a / CATALOG_FILE).read_bytes() == (b / CATALOG_FILE).read_bytes()


def test_the_docs_benchmark_generates_sites_that_build(tmp_path):
    from bench.docs import generate as generate_docs
    from generator import sources
    from generator.read import read_catalog
    from generator.docs import DocsOptions, build_docs

    folders = generate_docs(tmp_path / "repo", 3, 2)
    assert [f.name for f in folders] == ["service-0000", "service-0001", "service-0002"]
    catalog = read_catalog(sources.trees_for_paths([tmp_path / "repo"]).trees)
    built = build_docs(catalog, DocsOptions(cache_dir=tmp_path / "cache", workers=1))
    assert [len(site.pages) for site in built.sites] == [2, 2, 2]
    assert [p for p in built.problems if p.entity] == []  # the pages link each other


def test_docs_go_to_a_tenth_of_the_entities_in_their_own_folders(tmp_path):
    from bench.synth import DOCS_FOLDER, TECHDOCS_REF

    synthetic = generate(tmp_path / "docs", 200, seed=7, docs=True)
    refs = {}
    for repo in synthetic.repos:
        for doc in yaml.safe_load_all((repo / CATALOG_FILE).read_text(encoding="utf-8")):
            ref = doc["metadata"].get("annotations", {}).get(TECHDOCS_REF)
            if ref:
                refs[doc["metadata"]["name"]] = repo / ref.removeprefix("dir:")
    assert 15 <= len(refs) <= 25  # a tenth of 200
    for name, folder in refs.items():
        assert folder.parent.name == DOCS_FOLDER and folder.name == name
        assert (folder / "mkdocs.yml").is_file() and (folder / "docs" / "index.md").is_file()
    plain = generate(tmp_path / "plain", 200, seed=7)
    assert all(TECHDOCS_REF not in (repo / CATALOG_FILE).read_text() for repo in plain.repos)


def test_the_warm_change_is_one_committed_line(tmp_path):
    import pygit2

    from bench.suite import change, prepare

    prepared = prepare(tmp_path, 100, docs=False)
    changed = change(prepared, 1)
    repo = pygit2.Repository(str(changed.parent))
    head = repo[repo.head.target]
    diff = repo.diff(head.parents[0], head)
    assert [patch.delta.new_file.path for patch in diff] == [CATALOG_FILE]
    assert diff.stats.insertions == diff.stats.deletions == 1
    assert "description: Changed for warm build 1." in changed.read_text()
    assert not repo.status()  # committed: a build reads the commit, not the work tree


def test_peak_memory_counts_the_processes_a_command_starts(tmp_path):
    from bench.measure import measure

    hold = "import time; block = bytearray(300 * 1024 * 1024); time.sleep(0.5)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {hold!r}])"
    run = measure([sys.executable, "-c", parent], cwd=tmp_path)
    assert run.returncode == 0
    assert run.peak_bytes > 300 * 1024 * 1024  # the child's block, seen from the parent
    assert run.cpu_seconds > 0


def test_each_command_has_its_own_peak_and_output(tmp_path):
    from bench.measure import measure

    big = measure([sys.executable, "-c", "block = bytearray(600 * 1024 * 1024)"], cwd=tmp_path)
    small = measure([sys.executable, "-c", "import sys; print('out' * 100_000); "
                     "print('err', file=sys.stderr); sys.exit(3)"], cwd=tmp_path)
    mib = 1024 * 1024
    assert big.peak_bytes > 600 * mib
    # A forked child counts its parent's pages until it execs: this test's process, not
    # the big command measured before.
    assert small.peak_bytes < big.peak_bytes - 300 * mib
    assert small.peak_shared_once_bytes < big.peak_bytes - 300 * mib
    assert small.returncode == 3 and small.stdout == "out" * 100_000 + "\n"
    assert small.stderr == "err\n"


def test_kernel_seconds_are_measured_apart(tmp_path):
    from bench.measure import measure

    in_kernel = "import os\nfor _ in range(300_000): os.stat('.')"
    in_python = "sum(n * n for n in range(3_000_000))"
    kernel = measure([sys.executable, "-c", in_kernel], cwd=tmp_path)
    python = measure([sys.executable, "-c", in_python], cwd=tmp_path)
    assert 0.3 * kernel.cpu_seconds < kernel.system_seconds <= kernel.cpu_seconds
    assert python.system_seconds < 0.2 * python.cpu_seconds


def test_pages_shared_with_forked_workers_count_once_in_the_shared_once_peak(tmp_path):
    from bench.measure import measure

    # 300 MiB written by a parent, then two forked children that only hold it
    script = ("import os, time; block = bytearray(300 * 1024 * 1024)\n"
              "block[::4096] = b'x' * len(range(0, len(block), 4096))\n"
              "if os.fork() == 0:\n    os.fork(); time.sleep(1.0); os._exit(0)\n"
              "time.sleep(1.2); os.wait()\n")
    run = measure([sys.executable, "-c", script], cwd=tmp_path)
    assert run.returncode == 0
    mib = 1024 * 1024
    assert run.peak_bytes > 800 * mib  # three processes, each resident in the same block
    assert 280 * mib < run.peak_shared_once_bytes < 450 * mib  # the block once


def _hugo_site(tmp_path: Path) -> Path:
    """A two-entity catalog.json, as a Playbill build exports it."""
    exported = tmp_path / "catalog.json"
    entities = [
        {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
         "metadata": {"name": "shop", "namespace": "default", "description": "Sells *things*.",
                      "tags": ["java"], "links": [{"url": "https://runbooks.invalid/shop",
                                                   "title": "Runbook"}]},
         "spec": {"type": "service", "owner": "team-a", "lifecycle": "production"},
         "relations": [{"type": "ownedBy", "targetRef": "group:default/team-a"}]},
        {"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
         "metadata": {"name": "team-a", "namespace": "default"},
         "spec": {"type": "team", "children": []},
         "relations": [{"type": "ownerOf", "targetRef": "component:default/shop"}]},
    ]
    exported.write_text(json.dumps({"entities": entities, "problems": []}))
    return exported


def test_hugos_floor_renders_one_page_per_entity_with_its_fields_and_relations(tmp_path):
    from bench import hugo

    if hugo.hugo_program() is None:
        pytest.skip("hugo is not installed (bench/setup installs it)")
    assert hugo.write_site(_hugo_site(tmp_path), tmp_path / "hugo") == 2
    run, pages = hugo.build(tmp_path / "hugo", hugo.FLOOR)
    assert run.returncode == 0, run.stderr
    assert pages == 3  # two entities and the home page
    public = tmp_path / "hugo" / "public-floor"
    shop = (public / "entity/default/component/shop.html").read_text()
    for text in ("<dd>service</dd>", "<dd>team-a</dd>", "<dd>production</dd>", "<li>java</li>",
                 "<em>things</em>", 'href="https://runbooks.invalid/shop"', "ownedBy"):
        assert text in shop
    link = re.search(r'href="([^"]*team-a\.html)"', shop).group(1)
    assert not link.startswith(("/", "http"))  # relative, like Playbill's links
    assert (public / "entity/default/component" / link).resolve().is_file()


#: What a page is made of: its sections and other landmarks, by id or class...
LANDMARK = re.compile(r'<(?:section|nav|figure|table|details)\b[^>]*?(?:id|class)="([^"]*)"')
#: ...and every link to another file: entity pages, docs, downloads, assets.
FILE_LINK = re.compile(r'href="([^"#]+)"')


def _page_shape(page: Path) -> tuple[Counter, Counter]:
    text = page.read_text(encoding="utf-8")
    return Counter(LANDMARK.findall(text)), Counter(FILE_LINK.findall(text))


def _same_pages(site: Path, public: Path) -> None:
    """Hugo's reference is only fair if it writes the page Playbill writes: every entity
    page has the same sections and the same links, each as often, and about as many
    bytes; every API definition Playbill writes beside its page, Hugo writes too."""
    from bench import hugo

    playbill_pages = sorted((site / "entity").rglob("*.html"))
    assert {page.parent.name for page in playbill_pages} == {
        "api", "component", "domain", "group", "resource", "system", "user"}
    for page in playbill_pages:
        assert _page_shape(public / page.relative_to(site)) == _page_shape(page), page
    definitions = sorted(p.relative_to(site) for p in (site / "entity").rglob("*.definition.*"))
    assert definitions and definitions == sorted(
        p.relative_to(public) for p in (public / "entity").rglob("*.definition.*"))
    assert 0.95 < hugo.entity_page_bytes(public) / hugo.entity_page_bytes(site) < 1.05


def test_the_host_check_times_a_fixed_piece_of_work():
    from bench import report
    from bench.measure import _fixed_work, host_check

    assert _fixed_work() == _fixed_work()  # the same work every time
    assert 0 < host_check(rounds=1) < 30
    assert report.host(0.25, 0.5) == (
        "host check: the same fixed work took 0.25 s before the builds and 0.50 s after "
        "them (on one host the same; larger means busier or slower)")


def test_the_file_check_times_writing_files_and_puts_them_aside(tmp_path):
    from bench import report
    from bench.aside import SetAside
    from bench.measure import files_check

    aside = SetAside(tmp_path)
    assert 0 < files_check(tmp_path, aside, files=50, rounds=2) < 30
    assert list(tmp_path.iterdir()) == [aside.folder]
    assert len(list(aside.folder.rglob("page-*.html"))) == 100
    aside.empty()
    assert list(tmp_path.iterdir()) == []
    assert report.host(0.25, 0.5, (0.1, 0.3)).splitlines()[1] == (
        "file check: writing 2,000 files of 16 KiB took 0.10 s before and 0.30 s after "
        "(the file system the sites are written to; a 10k site is 12,000 files)")


def test_folders_put_aside_keep_their_files_until_emptied(tmp_path):
    from bench.aside import SetAside

    aside = SetAside(tmp_path / "out")
    (aside.folder / "0-site").mkdir(parents=True)  # left by an interrupted run
    (aside.folder / "0-site" / "old.html").write_text("old")
    for text in ("first", "second"):
        site = tmp_path / "out" / "site"
        site.mkdir()
        (site / "index.html").write_text(text)
        aside.put(site)
        assert not site.exists()
    aside.put(tmp_path / "out" / "missing")
    kept = {path.relative_to(aside.folder).as_posix(): path.read_text()
            for path in aside.folder.rglob("*.html")}
    assert kept == {"0-site/old.html": "old", "1-site/index.html": "first",
                    "2-site/index.html": "second"}
    aside.empty()
    assert list((tmp_path / "out").iterdir()) == []


MOUNTS = """/dev/vda / ext4 rw,relatime 0 0
proc /proc proc rw,relatime 0 0
tmpfs /tmp tmpfs rw,relatime 0 0
/dev/vdb /tmp/with\\040space ext4 rw 0 0
/dev/vdc /srv ext4 rw 0 0
tmpfs /srv tmpfs rw 0 0
"""


@pytest.mark.parametrize("folder, mounted", [
    ("/work/site", ("/dev/vda", "ext4")),
    ("/tmp/bench", ("tmpfs", "tmpfs")),
    ("/tmpfoo/bench", ("/dev/vda", "ext4")),  # a prefix of the text is not a parent
    ("/tmp/with space/x", ("/dev/vdb", "ext4")),
    ("/", ("/dev/vda", "ext4")),
    ("/srv/x", ("tmpfs", "tmpfs")),  # mounted over /dev/vdc: the later mount is the one seen
])
def test_the_mount_holding_a_folder_is_the_deepest(folder, mounted):
    from bench.aside import mount_of

    assert mount_of(Path(folder), MOUNTS) == mounted


def test_ext4_has_a_journal_when_its_options_name_a_data_mode():
    from bench import report
    from bench.aside import has_journal, journal_less_ext4

    assert has_journal("rw\nbarrier\ndata=ordered\n")
    assert not has_journal("rw\nnojournal_checksum\nbarrier\n")
    assert journal_less_ext4(Path("/proc")) is None  # not ext4 at all
    assert report.file_system(None) == ""
    assert report.file_system("/dev/vda").startswith(
        "file system: /dev/vda is ext4 without a journal")


def test_a_cold_build_starts_with_the_last_builds_folders_put_aside(tmp_path):
    from bench.suite import clean, prepare

    prepared = prepare(tmp_path, 20, docs=False)
    for folder in ("site", ".playbill"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "kept").write_text(folder)
    clean(prepared)
    assert not (tmp_path / "site").exists() and not (tmp_path / ".playbill").exists()
    assert sorted(p.read_text() for p in prepared.aside.folder.rglob("kept")) == [
        ".playbill", "site"]
    prepare(tmp_path, 20, docs=False)  # generating again puts the old repositories aside
    assert len(list(prepared.aside.folder.glob("*-repos"))) == 1


def test_a_stage_timed_in_a_forked_worker_is_written_beside(tmp_path):
    from bench.runner import Clock

    clock = Clock(tmp_path / "timings.json.beside")
    search = clock.wrap("search", lambda: sum(n * n for n in range(300_000)))
    render = clock.wrap("render", lambda: os.waitpid(child(), 0))

    def child() -> int:
        pid = os.fork()
        if pid == 0:  # a render worker: writes the index, then ends without cleaning up
            search()
            os._exit(0)
        return pid

    render()
    assert clock.wall["render"] > 0 and "search" not in clock.wall
    [(wall, cpu)] = clock.beside().values()
    assert list(clock.beside()) == ["search"] and wall > 0 and cpu > 0
    assert search() == sum(n * n for n in range(300_000))  # here: timed as usual
    assert clock.wall["search"] > 0


def test_stages_that_ran_inside_another_are_marked_and_left_out_of_other():
    from bench import report
    from bench.measure import Measured
    from bench.runner import STAGES
    from bench.suite import Build, Results

    stages = dict.fromkeys(STAGES, (1.0, 1.0))
    run = Measured(0, 10.0, 12.0, 1, "", "", 1, 0.5)
    inside = Build("warm", run, stages, (0.5, 0.5), beside=("search",))
    alone = Build("warm", run, stages, (0.5, 0.5))
    assert inside.other[0] == alone.other[0] + 1.0
    table = report.table(Results(None, warm=[inside]))
    assert "search *" in table and "* ran in a render worker" in table
    assert "search *" not in report.table(Results(None, warm=[alone]))


def test_the_whole_benchmark_on_a_small_catalog(tmp_path):
    from bench import hugo, report
    from bench.runner import STAGES
    from bench.suite import fastest, prepare, run_all
    from bench.synth import DOCS_EVERY, kind_counts

    prepared = prepare(tmp_path, 100, seed=2, docs=True)
    results = run_all(prepared, repeat=1, say=lambda line: None)

    assert results.failures == []
    cold, warm = results.cold[0], results.warm[0]
    for built in (cold, warm):
        assert built.missing == ()  # every stage's hook still exists
        assert all(built.stages[stage] is not None for stage in STAGES)
        assert built.size.entity_pages == 100
        assert 0 < built.size.index_gzipped_bytes < built.size.index_bytes < built.size.bytes
        assert built.run.peak_bytes > 0
    sites = -(-kind_counts(100)["Component"] // DOCS_EVERY)  # every fourth Component
    assert f"Docs: {sites} sites ({sites} rebuilt)" in cold.run.stdout
    # The warm build read the new commit: the changed description is on the site.
    pages = (tmp_path / "site" / "entity").rglob("*.html")
    assert any("Changed for warm build 1." in page.read_text() for page in pages)

    table = report.table(results)
    assert all(stage in table for stage in STAGES) and "peak memory MiB" in table
    assert "of which kernel" in table
    if hugo.hugo_program() is None:
        assert "reference missing" in report.reference(results)
    else:
        assert results.reference.pages == 101  # the entities and the home page
        # Hugo ran before the warm build changed a description (and deleted the old site).
        content = (tmp_path / "hugo" / "content").rglob("*.md")
        assert not any("Changed for warm build" in page.read_text() for page in content)
        assert report.render_ratio(results) > 0
        assert "render: Playbill" in report.reference(results)
        assert "against the floor" in report.reference(results)
        assert results.reference.floor is not None
        # The warm build changed one description since: no section or link.
        _same_pages(tmp_path / "site", tmp_path / "hugo" / "public-page")
        assert any('class="button docs-link"' in page.read_text()
                   for page in (tmp_path / "hugo" / "public-page").rglob("*.html"))
    assert "not judged" in report.targets(results)  # targets are for 10,000 and 50,000
    assert fastest(results.cold) is cold


def test_the_instruction_count_reads_callgrinds_total():
    from bench.count import collected

    assert collected("==12== Events    : Ir\n==12== Collected : 2967251097\n") == 2967251097
    with pytest.raises(RuntimeError, match="no instruction count"):
        collected("valgrind: command not found")


def test_the_counted_sample_is_shuffled_the_same_way_every_time():
    from bench.count import sample

    refs = [f"component:default/c{n:03d}" for n in range(300)]
    first = sample(refs, 50)
    assert first == sample(list(reversed(refs)), 50)  # not the input's order
    assert first != sorted(refs)[:50] and len(set(first)) == 50
    assert sample(refs, 100)[:50] == first  # the bigger run renders the smaller's pages too


def test_the_counted_pages_are_rendered_by_the_render_stage(tmp_path):
    from bench.count import render

    synthetic = generate(tmp_path / "catalog", 60, seed=4)
    render(synthetic.root, tmp_path / "site", 5, step=10, counting=False)

    written = sorted((tmp_path / "site" / "entity").rglob("*.html"))
    assert len(written) == 5 + (60 - 20)  # the counted pages and the warm-up's
    assert all("<html" in page.read_text(encoding="utf-8") for page in written)


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_callgrind_counts_more_for_more_pages(tmp_path):
    from bench.count import count

    generate(tmp_path / "catalog", 40, seed=4)
    root = Path(__file__).resolve().parents[1]
    few, more = (count(root, tmp_path / "catalog", tmp_path, pages, 3) for pages in (1, 3))
    assert 0 < few < more
