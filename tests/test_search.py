"""The search stage: the index files it writes load back into lunr.py and find what a
person types, from one shard or several, from all of a shard's term buckets or only those
a query needs, byte-identically on every build."""

from __future__ import annotations

import filecmp
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lunr.index import Index

from generator import search, sources
from generator.read import read_catalog
from generator.search.layout import script_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench` lives beside `generator`

from bench.synth import generate  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "example"
SEARCH_JS = Path(__file__).resolve().parents[1] / "site_templates" / "assets" / "search.js"


def catalog_from(*paths: Path):
    return read_catalog(sources.trees_for_paths(list(paths)).trees)


@pytest.fixture(scope="module")
def example_catalog():
    return catalog_from(EXAMPLE)


@pytest.fixture(scope="module")
def example_site(example_catalog, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    result = search.write_index(example_catalog, site)
    return site, result


@pytest.fixture(scope="module")
def example_shards(example_site):
    return search.read_index(example_site[0])


@pytest.fixture(scope="module")
def synthetic_catalog(tmp_path_factory):
    """200 entities: enough for several shards when shards hold 60."""
    folder = tmp_path_factory.mktemp("synthetic")
    return catalog_from(*generate(folder, 200, seed=5).repos)


@pytest.mark.parametrize("query, expected", [
    ("payment-gateway", "component:default/payment-gateway"),  # the name, as written
    ("stock-sync", "component:default/stock-sync"),
    ("Storefront GraphQL", "api:default/storefront-graphql"),  # title words
    ("cairnfield outfitters", "group:default/cairnfield"),  # title unlike the name
    ("acquirer", "component:default/payment-gateway"),  # description
    ("kotlin", "component:default/fulfilment-worker"),  # tag
    ("spring-boot", "component:default/catalog-service"),  # hyphenated tag
    ("kind:location", "location:default/cairnfield-example"),  # kind
    ("owner:oskar.lind", "component:default/stock-sync"),  # owner (a User)
    ("gatew", "component:default/payment-gateway"),  # a prefix while typing
    ("fulfil", "component:default/fulfilment-worker"),
    ("shipping lab", "resource:default/shipping-labels"),  # all words, the last a prefix
    ("payments grpc", "api:default/payments-grpc"),
])
def test_a_query_finds_the_entity(example_shards, query, expected):
    assert expected in search.find(example_shards, query)


@pytest.mark.parametrize("query, best", [
    ("payment-gateway", "component:default/payment-gateway"),
    ("checkout", "system:default/checkout"),  # exact name beats owners named team-checkout
    ("Catalogue API", "api:default/catalog-api"),
    ("aiko", "user:default/aiko.tanaka"),
])
def test_the_best_match_comes_first(example_shards, query, best):
    assert search.find(example_shards, query)[0] == best


def test_every_word_must_match(example_shards):
    both = search.find(example_shards, "go pci")
    assert both == ["component:default/payment-gateway"]
    assert search.find(example_shards, "go pci zzzqqq") == []


def test_a_field_limits_every_piece_of_a_hyphenated_word(example_shards):
    owned = set(search.find(example_shards, "owner:team-fulfilment"))
    assert owned == {"component:default/fulfilment-worker", "resource:default/shipping-labels",
                     "system:default/fulfilment"}


def test_kind_finds_every_entity_of_that_kind(example_shards, example_catalog):
    apis = {ref for ref in example_catalog.entities if ref.startswith("api:")}
    assert set(search.find(example_shards, "kind:api")) == apis


def test_nothing_matches_nonsense(example_shards):
    assert search.find(example_shards, "zzzqqqxxy") == []


def test_an_empty_catalog_gets_an_empty_index_the_browser_can_load(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text("# no entities yet\n", encoding="utf-8")
    result = search.write_index(catalog_from(tmp_path / "catalog-info.yaml"), tmp_path / "site")

    assert result.documents == 0 and result.shards == 1
    shards = search.read_index(tmp_path / "site", "anything")
    assert [len(shard.docs) for shard in shards] == [0]
    assert search.find(shards, "anything") == []


@pytest.mark.parametrize("typed, prefix", [
    ("service", "service"),
    ("services", "service"),  # indexed singular: "services*" would find nothing
    ("libraries", "librar"),  # indexed as "library"
    ("gatew", "gatew"),
    ("go", "go"),
    ("(grpc)", "grpc"),
    ("--", ""),  # nothing to look up, rather than everything
])
def test_a_half_typed_word_is_looked_up_by_what_it_shares_with_its_term(typed, prefix):
    assert search.prefix_of(typed) == prefix


@pytest.mark.parametrize("word, term", [
    ("gateway", "gateway"),  # lunr.py's stemmer says "gatewai", lunr.js's "gateway"
    ("services", "service"),
    ("dependencies", "dependency"),
    ("status", "status"),
    ("class", "class"),
    ("analysis", "analysis"),
    ("(grpc),", "grpc"),
    ("oskar.lind,", "oskar.lind"),
    ("café", "café"),  # letters beyond ASCII stay
    ("_private_", "private"),
    ("the", None),  # a stop word
])
def test_words_become_terms_by_rules_simple_enough_to_repeat_in_javascript(word, term):
    assert search.term_of(word) == term


def test_whole_words_find_what_their_terms_index(example_shards):
    assert "component:default/catalog-service" in search.find(example_shards, "services")
    assert "component:default/catalog-service" in search.find(example_shards, "service")
    assert "component:default/payment-gateway" in search.find(example_shards, "gateway")


PARITY_WORDS = ["gateway", "services", "Services", "dependencies", "status", "class", "(grpc),",
                "oskar.lind,", "café", "ÉCOLE", "_private_", "the", "a", "x", "--", "ünïcödé",
                "v1.2", "k8s", "señales", "half-typed", "libraries", "owner:team-a", "½"]


def test_search_js_makes_the_same_terms_as_the_index(tmp_path):
    """search.js must turn words into exactly the terms term_of indexes, or queries miss;
    its rules run here in Node with the lunr.js the site ships."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    script = tmp_path / "parity.js"
    script.write_text(
        "global.window = global; global.document = {getElementById: () => null};\n"
        f"global.lunr = require({json.dumps(str(search.lunr_js_path()))});\n"
        f"require({json.dumps(str(SEARCH_JS))});\n"
        "const t = window.PlaybillSearchTerms;\n"
        f"const words = {json.dumps(PARITY_WORDS)};\n"
        "console.log(JSON.stringify(words.map(w => [t.termOf(w.toLowerCase(), false),"
        " t.termOf(w.toLowerCase(), true), t.prefixOf(w.toLowerCase()),"
        " t.parse(w).map(p => [p.field, p.word])])));\n",
        encoding="utf-8")
    ran = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    expected = [
        [search.term_of(w.lower()) or "", search.term_of(w.lower(), True) or "",
         search.prefix_of(w.lower()),
         [[fields[0] if fields else None, piece] for fields, piece in search.query_words(w)]]
        for w in PARITY_WORDS
    ]
    assert json.loads(ran.stdout) == expected


def test_every_entity_is_in_the_index_once_with_a_short_row(example_shards, example_catalog):
    (shard,) = example_shards
    assert [row[0] for row in shard.docs] == list(example_catalog.entities)
    gateway = next(row for row in shard.docs if row[0] == "component:default/payment-gateway")
    assert gateway == ["component:default/payment-gateway", "Payment gateway",
                       "Talks to the card acquirer; the only service inside the PCI scope."]
    user = next(row for row in shard.docs if row[0] == "user:default/aiko.tanaka")
    assert user[1:] == ["", ""]  # no title, no description: nothing repeated


def test_the_index_keeps_no_term_metadata(example_site):
    site, result = example_site
    text = (site / result.files[1]).read_text(encoding="utf-8")
    assert '"position"' not in text
    data = json.loads(text.split("]=", 1)[1].rstrip(";\n"))
    assert data["index"]["fields"] == [name for name, _ in search.FIELDS]
    assert data["index"]["pipeline"] == []  # queries are made of finished terms
    assert all(vector for _, vector in data["index"]["fieldVectors"])


def test_files_are_scripts_that_work_from_file_urls(example_site):
    site, result = example_site
    manifest = (site / "search" / "manifest.js").read_text(encoding="utf-8")
    assert manifest.startswith("window.PLAYBILL_SEARCH={")
    shard = (site / result.files[1]).read_text(encoding="utf-8")
    registry = "window.PLAYBILL_SEARCH_SHARDS"
    assert shard.startswith(f'({registry}={registry}||{{}})["0/0"]={{')
    assert search.read_manifest(site)["kinds"]["api"] == "API"


def test_lunr_js_is_copied_from_mkdocs(example_site):
    site, result = example_site
    assert result.assets == (Path("assets", "lunr.js"),)
    assert filecmp.cmp(site / "assets" / "lunr.js", search.lunr_js_path(), shallow=False)
    assert "lunr.version = \"2.3.9\"" in (site / "assets" / "lunr.js").read_text(encoding="utf-8")


def test_the_result_measures_what_was_written(example_site):
    site, result = example_site
    written = sorted(path.relative_to(site) for path in (site / "search").iterdir())
    assert sorted(result.files) == written
    assert result.bytes == sum((site / path).stat().st_size for path in written)
    gzipped = sum(len(gzip.compress((site / path).read_bytes(), 6, mtime=0)) for path in written)
    assert result.gzipped_bytes == gzipped < result.bytes
    assert result.documents == 39 and result.shards == 1 and result.seconds > 0
    assert result.problems == ()


def test_builds_are_byte_identical(example_catalog, tmp_path):
    first = search.write_index(example_catalog, tmp_path / "a")
    second = search.write_index(example_catalog, tmp_path / "b")
    assert first.files == second.files
    for path in first.files:
        assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()


def test_a_rebuild_removes_the_old_shards(example_catalog, synthetic_catalog, tmp_path):
    search.write_index(synthetic_catalog, tmp_path, shard_size=60)
    result = search.write_index(example_catalog, tmp_path)
    assert sorted(p.name for p in (tmp_path / "search").iterdir()) == sorted(
        p.name for p in result.files)


def test_large_catalogs_are_dealt_into_shards(synthetic_catalog, tmp_path):
    result = search.write_index(synthetic_catalog, tmp_path, shard_size=60, workers=1)
    manifest = search.read_manifest(tmp_path)
    assert result.shards == 4 and result.documents == 200
    assert [entry["key"] for entry in manifest["shards"]] == ["0", "1", "2", "3"]
    assert [entry["documents"] for entry in manifest["shards"]] == [50, 50, 50, 50]
    assert [Path(file) for entry in manifest["shards"]
            for file in entry["buckets"] + entry["docs"]] == list(result.files[1:])
    shards = search.read_index(tmp_path)
    refs = [row[0] for shard in shards for row in shard.docs]
    assert sorted(refs) == list(synthetic_catalog.entities)  # each entity once
    assert refs[:2] == list(synthetic_catalog.entities)[0:8:4]  # round-robin


def test_results_merge_across_shards(synthetic_catalog, tmp_path):
    search.write_index(synthetic_catalog, tmp_path, shard_size=60, workers=1)
    shards = search.read_index(tmp_path)
    components = [ref for ref in synthetic_catalog.entities if ref.startswith("component:")]
    assert sorted(search.find(shards, "kind:component")) == components
    assert search.find(shards, "svc-00007")[0] == "component:default/svc-00007"


def test_shards_built_in_parallel_match_those_built_in_turn(synthetic_catalog, tmp_path):
    alone = search.write_index(synthetic_catalog, tmp_path / "one", shard_size=60, workers=1)
    together = search.write_index(synthetic_catalog, tmp_path / "two", shard_size=60, workers=2)
    assert alone.files == together.files  # names carry a hash of the content


def test_text_cannot_end_the_script_early(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: sneaky\n"
        "  description: 'Closes </script><script>alert(1)</script> early'\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n",
        encoding="utf-8")
    site = tmp_path / "site"
    result = search.write_index(catalog_from(tmp_path / "catalog-info.yaml"), site)
    for path in result.files:
        assert "</script" not in (site / path).read_text(encoding="utf-8")
    (shard,) = search.read_index(site)
    assert shard.docs[0][2] == "Closes </script><script>alert(1)</script> early"


@pytest.mark.parametrize("value", [
    "a\x00b\x1f\x7f\n\r\t\b\f\"\\", "é✓🙂 İ ß", "\u2028\u2029", "lone \ud800 surrogate",
    0.001, 1.5, 12.345, 100.0, 0.1 + 0.2, 9.999, 123456.789, 0, -1, True, None,
    {"a": [1, 2.5, "x"], "b": {}}, [[], [0, 0.0]],
])
def test_scripts_hold_what_the_standard_json_writes(value):
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    expected = expected.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    assert script_json(value) == expected


@pytest.mark.parametrize("text, line", [
    ("Short.", "Short."),
    ("word " * 40, ("word " * 20).strip() + "…"),
])
def test_the_shown_line_is_cut_at_a_word(text, line):
    assert search.short_line(text.strip()) == line


# ---- term buckets: a query loads only the buckets its words sort into ------------------

BUCKET_BYTES = 1500  # the 200 synthetic entities make about twenty buckets


@pytest.fixture(scope="module")
def bucketed_site(synthetic_catalog, tmp_path_factory):
    site = tmp_path_factory.mktemp("bucketed")
    search.write_index(synthetic_catalog, site, workers=1, bucket_bytes=BUCKET_BYTES)
    return site


@pytest.fixture(scope="module")
def whole_index(synthetic_catalog):
    """The shard's index as one lunr index, built without buckets: the reference."""
    docs = [search.document_for(entity) for entity in synthetic_catalog.entities.values()]
    return search.build_shard([doc for doc, _ in docs]), [line for _, line in docs]


def bucket_parts(site):
    (entry,) = search.read_manifest(site)["shards"]
    buckets = [search.read_part(site, file, f"0/{n}") for n, file in enumerate(entry["buckets"])]
    return entry, buckets


def test_a_big_shard_is_cut_into_term_buckets_and_row_chunks(bucketed_site):
    entry, buckets = bucket_parts(bucketed_site)
    assert len(buckets) > 10 and entry["starts"][0] == ""
    assert len(entry["docs"]) == 2  # 200 rows, DOCS_CHUNK to a script
    assert entry["starts"] == sorted(entry["starts"])


def test_terms_land_in_the_bucket_their_start_names(bucketed_site):
    entry, buckets = bucket_parts(bucketed_site)
    starts = entry["starts"]
    for number, bucket in enumerate(buckets):
        terms = [term for term, _ in bucket["index"]["invertedIndex"]]
        assert terms, f"bucket {number} is empty"
        assert all(search.bucket_of(starts, term) == number for term in terms)
        assert all(search.bucket_of(starts, key) == number for key in bucket["exact"])


def test_every_term_is_in_exactly_one_bucket_and_merged_they_are_the_whole_index(
        bucketed_site, whole_index):
    whole, _ = whole_index
    _, buckets = bucket_parts(bucketed_site)
    terms = [term for bucket in buckets for term, _ in bucket["index"]["invertedIndex"]]
    assert sorted(terms) == sorted(term for term, _ in whole["invertedIndex"])
    assert len(terms) == len(set(terms))
    merged = search.merge_buckets([bucket["index"] for bucket in buckets])
    assert merged["invertedIndex"] == sorted(whole["invertedIndex"])
    assert sorted(merged["fieldVectors"]) == sorted(whole["fieldVectors"])


@pytest.mark.parametrize("query", [
    "svc", "svc*", "team*", "synthetic", "graphql", "0000*", "a*", "kind:component", "name:svc*",
])
def test_a_word_scores_on_its_buckets_as_on_the_whole_index(bucketed_site, whole_index, query):
    """lunr divides a match's score by the query vector's length, made only of the query's
    terms, and field vectors are not normalised: the buckets holding every term a word
    expands to give each document the whole index's score."""
    reference = Index.load(whole_index[0]).search(query)
    assert reference, "the query should find something"
    (loaded,) = search.read_index(bucketed_site, query.replace("*", ""))
    assert len(loaded.index.inverted_index) < len(whole_index[0]["invertedIndex"]) / 2
    assert [(hit["ref"], hit["score"]) for hit in loaded.index.search(query)] == [
        (hit["ref"], hit["score"]) for hit in reference]


@pytest.mark.parametrize("text", [
    "svc-00007", "kind:component svc", "synthetic api", "api synth", "graphql api-0000",
    "00012 svc", "owner:team-00002", "zzzqqq api", "api zzz",
])
def test_a_query_finds_on_the_buckets_it_loads_what_the_whole_index_finds(
        bucketed_site, whole_index, text):
    whole, lines = whole_index
    starts = [""]
    reference = search.LoadedShard("0", lines, Index.load(whole),
                                   search.exact_keys(lines, starts)[0])
    assert search.find(search.read_index(bucketed_site, text), text) == search.find(
        [reference], text)


def test_the_last_word_needs_every_bucket_its_terms_may_be_in():
    starts = ["", "ca", "ch", "d", "se", "ser", "sf"]
    assert search.buckets_for(starts, "cat") == [1]
    assert search.buckets_for(starts, "c") == [0, 1, 2]  # "c" itself sorts before "ca"
    assert search.buckets_for(starts, "se") == [4, 5]
    assert search.buckets_for(starts, "services") == [5]
    assert search.buckets_for(starts, "checkout ser") == [2, 5]  # "checkout ser" sorts in "ch"
    assert search.buckets_for(starts, "kind:api") == [0]  # no bucket for the text as a name
    assert search.buckets_for(starts, "kind:((") == []  # no term at all


def test_a_query_that_makes_no_term_loads_nothing_and_finds_nothing(bucketed_site):
    assert search.find(search.read_index(bucketed_site, "kind:(("), "kind:((") == []


def test_search_js_picks_the_buckets_that_buckets_for_picks(bucketed_site, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    starts = search.read_manifest(bucketed_site)["shards"][0]["starts"]
    texts = ["svc", "s", "team-a se", "kind:component svc-0001", "Services", "zzz", "a b c",
             "owner:team-a", "the", "--", "(grpc)", "kind:((", "(( ))"]
    script = tmp_path / "buckets.js"
    script.write_text(
        "global.window = global; global.document = {getElementById: () => null};\n"
        f"global.lunr = require({json.dumps(str(search.lunr_js_path()))});\n"
        f"require({json.dumps(str(SEARCH_JS))});\n"
        f"const starts = {json.dumps(starts)};\n"
        f"console.log(JSON.stringify({json.dumps(texts)}.map("
        "text => window.PlaybillSearchTerms.bucketsFor(starts, text))));\n",
        encoding="utf-8")
    ran = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == [search.buckets_for(starts, text) for text in texts]


def test_bucketed_builds_are_byte_identical(synthetic_catalog, bucketed_site, tmp_path):
    again = search.write_index(synthetic_catalog, tmp_path, workers=2, bucket_bytes=BUCKET_BYTES)
    for path in again.files:
        assert (tmp_path / path).read_bytes() == (bucketed_site / path).read_bytes()
    assert sorted(p.name for p in (tmp_path / "search").iterdir()) == sorted(
        p.name for p in (bucketed_site / "search").iterdir())
