/* Playbill search: results as you type from the prebuilt lunr index.
 *
 * Nothing loads until the box is first used (focus, "/", typing): then lunr.js and the
 * manifest are inserted as <script> tags (file:// cannot fetch JSON). The index is cut
 * into buckets of terms (see generator/search/): a search inserts only the buckets its
 * words sort into, merges each shard's loaded buckets back into one lunr index (which
 * scores exactly as the whole index would for these words), then loads only the row
 * chunks of the results it shows. Every word but the last must match; the last is
 * matched as a prefix because the person is still typing it.
 *
 * The box is an ARIA 1.2 combobox: arrows move through the options, Enter opens one,
 * Escape closes the list (or clears the box), and a polite live region says how many
 * entities matched.
 */
(function () {
  "use strict";

  var MAX_SHOWN = 20;
  var MIN_LENGTH = 2; // one letter matches most of a big catalog and tells nobody anything
  var FIELDS = ["name", "title", "tags", "kind", "owner", "description"];

  var form = document.getElementById("search-form");
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  var panel = document.getElementById("search-panel");
  var empty = document.getElementById("search-empty");
  var status = document.getElementById("search-status");

  var root = form ? form.getAttribute("data-root") || "" : "";
  var state = { loading: null, ready: false, shards: [], files: {}, kinds: {}, docsChunk: 1,
                active: -1, results: [], timer: 0, generation: 0 };

  /* ---- loading ---------------------------------------------------------------------- */

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  /* Inserts the script `src` once; every caller gets the same promise. */
  function need(src) {
    if (!state.files[src]) state.files[src] = loadScript(root + src);
    return state.files[src];
  }

  /* Loads lunr.js and the manifest; the index parts come as searches need them. */
  function ensureLoaded() {
    if (state.loading) return state.loading;
    state.loading = Promise.all([
      window.lunr ? Promise.resolve() : loadScript(form.getAttribute("data-lunr")),
      window.PLAYBILL_SEARCH ? Promise.resolve() : loadScript(form.getAttribute("data-manifest"))
    ]).then(function () {
      var manifest = window.PLAYBILL_SEARCH || { shards: [], kinds: {} };
      state.kinds = manifest.kinds || {};
      state.docsChunk = manifest.docsChunk || 1;
      state.shards = manifest.shards.map(function (entry) {
        return { entry: entry, buckets: {}, rows: {}, merged: null, mergedFrom: "" };
      });
      state.ready = true;
    });
    return state.loading;
  }

  /* What a loaded part script registered under `key`; the registry lets go of it. */
  function take(key) {
    var registry = window.PLAYBILL_SEARCH_SHARDS || {};
    var data = registry[key];
    if (!data) throw new Error("search part " + key + " is missing");
    delete registry[key];
    return data;
  }

  function loadBuckets(shard, numbers) {
    return Promise.all(numbers.map(function (n) {
      if (n in shard.buckets) return null;
      return need(shard.entry.buckets[n]).then(function () {
        if (!(n in shard.buckets)) shard.buckets[n] = take(shard.entry.key + "/" + n);
      });
    }));
  }

  /* Gives each hit its row, loading the chunks that hold them. */
  function loadRows(hits) {
    return Promise.all(hits.map(function (hit) {
      var shard = state.shards[hit.shard];
      var chunk = Math.floor(hit.row / state.docsChunk);
      return need(shard.entry.docs[chunk]).then(function () {
        if (!(chunk in shard.rows)) shard.rows[chunk] = take(shard.entry.key + "/d" + chunk).docs;
        hit.doc = shard.rows[chunk][hit.row % state.docsChunk];
      });
    }));
  }

  /* The shard's loaded buckets as one lunr index, and their exact-name tables. Buckets
     hold consecutive terms, so joined in order their terms stay sorted as lunr wants; a
     field vector's pieces are put back in term-number order. */
  function merged(shard) {
    var numbers = Object.keys(shard.buckets).map(Number).sort(function (a, b) { return a - b; });
    if (shard.mergedFrom === numbers.join()) return shard.merged;
    var terms = [], pieces = {}, exact = {};
    numbers.forEach(function (n) {
      var bucket = shard.buckets[n];
      terms = terms.concat(bucket.index.invertedIndex);
      bucket.index.fieldVectors.forEach(function (vector) {
        var pairs = pieces[vector[0]] || (pieces[vector[0]] = []);
        for (var i = 0; i < vector[1].length; i += 2) pairs.push([vector[1][i], vector[1][i + 1]]);
      });
      Object.keys(bucket.exact).forEach(function (key) { exact[key] = bucket.exact[key]; });
    });
    var vectors = Object.keys(pieces).map(function (ref) {
      var flat = [];
      pieces[ref].sort(function (a, b) { return a[0] - b[0]; }).forEach(function (pair) {
        flat.push(pair[0], pair[1]);
      });
      return [ref, flat];
    });
    var first = shard.buckets[numbers[0]].index;
    shard.merged = { exact: exact, index: window.lunr.Index.load({
      version: first.version, fields: first.fields, pipeline: first.pipeline,
      invertedIndex: terms, fieldVectors: vectors }) };
    shard.mergedFrom = numbers.join();
    return shard.merged;
  }

  /* ---- querying --------------------------------------------------------------------- */

  /* The query's words as {field, word, last}: "owner:team-a" limits "team" and "a" to the
     owner field. Mirrors find() in generator/search/read.py, which the unit tests exercise. */
  function parse(text) {
    var parts = [];
    text.toLowerCase().split(/\s+/).forEach(function (word) {
      var field = null;
      var colon = word.indexOf(":");
      if (colon > 0 && FIELDS.indexOf(word.slice(0, colon)) !== -1) {
        field = word.slice(0, colon);
        word = word.slice(colon + 1);
      }
      word.split(/[\s\-]+/).forEach(function (piece) {
        if (piece) parts.push({ field: field, word: piece, last: false });
      });
    });
    if (parts.length) parts[parts.length - 1].last = true;
    return parts;
  }

  /* The term a lower-cased word is looked up as, exactly as term_of in generator/search/terms.py
     indexes it (not lunr's trimmer and stemmer, which lunr.py and lunr.js apply
     differently): trim what is not a letter or digit from both ends, drop lunr's stop
     words, fold plurals onto the singular. "" when nothing is left. */
  var EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

  function termOf(word, keepStopWords) {
    word = word.replace(EDGES, "");
    if (!word) return "";
    if (!keepStopWords && !window.lunr.stopWordFilter(new window.lunr.Token(word, {}))) return "";
    return singular(word);
  }

  function singular(word) {
    if (word.length > 4 && /ies$/.test(word)) return word.slice(0, -3) + "y";
    if (word.length > 3 && /s$/.test(word) && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
    return word;
  }

  /* A half-typed word is looked up by what it shares with its term: "libraries" is
     indexed as "library", so "librar*" finds it where "libraries*" would not. */
  function prefixOf(word) {
    var trimmed = word.replace(EDGES, "");
    var stem = singular(trimmed);
    var n = 0;
    while (n < trimmed.length && n < stem.length && trimmed[n] === stem[n]) n++;
    return trimmed.slice(0, Math.max(n, 1));
  }

  /* The bucket whose terms would hold `text`: the last that starts at or before it. */
  function bucketOf(starts, text) {
    var n = 0;
    while (n + 1 < starts.length && starts[n + 1] <= text) n++;
    return n;
  }

  /* The buckets that may hold terms starting with `prefix`. */
  function bucketsWithPrefix(starts, prefix) {
    return starts.map(function (start, n) { return n; }).filter(function (n) {
      var next = starts[n + 1];
      return (next === undefined || next > prefix) &&
        (starts[n] <= prefix || starts[n].indexOf(prefix) === 0);
    });
  }

  /* The terms a query looks up, as clauses_of in generator/search/terms.py: every word must
     match some field, the last one as a prefix (the person is still typing it) and, as a
     whole word, with a boost. */
  function clausesOf(parts) {
    var clauses = [];
    parts.forEach(function (part) {
      if (!part.last) {
        var term = termOf(part.word, false);
        if (term) clauses.push({ term: term, field: part.field, required: true, boost: 1 });
        return;
      }
      var prefix = prefixOf(part.word);
      if (prefix) clauses.push({ term: prefix, field: part.field, required: true, prefix: true,
                                 boost: 1 });
      var whole = termOf(part.word, true);
      if (whole) clauses.push({ term: whole, field: part.field, boost: 5 });
    });
    return clauses;
  }

  /* Whether the text may be a name or title typed in full ("kind:api" is not). */
  function namesSomething(parts) {
    return parts.length > 0 && !parts[0].field;
  }

  /* The buckets a query needs, as buckets_for in generator/search/buckets.py says: each term's,
     every one the last word's terms may be in, and the one filing the text as a name. */
  function bucketsFor(starts, parts, exact) {
    var needed = {};
    var clauses = clausesOf(parts);
    clauses.forEach(function (clause) {
      if (!clause.prefix) needed[bucketOf(starts, clause.term)] = true;
      else bucketsWithPrefix(starts, clause.term).forEach(function (n) { needed[n] = true; });
    });
    if (clauses.length && namesSomething(parts)) needed[bucketOf(starts, exact)] = true;
    return Object.keys(needed).map(Number).sort(function (a, b) { return a - b; });
  }

  /* For the unit tests, which check these rules against the Python ones in Node. */
  window.PlaybillSearchTerms = { parse: parse, termOf: termOf, prefixOf: prefixOf,
    bucketsFor: function (starts, text) {
      return bucketsFor(starts, parse(text), text.trim().toLowerCase());
    } };
  if (!form || !input || !list) return;

  function buildQuery(clauses) {
    var lunr = window.lunr;
    return function (q) {
      clauses.forEach(function (clause) {
        var options = { usePipeline: false, boost: clause.boost };
        /* lunr reads a present-but-undefined "fields" as "no fields": only set it when used */
        if (clause.field) options.fields = [clause.field];
        if (clause.required) options.presence = lunr.Query.presence.REQUIRED;
        if (clause.prefix) options.wildcard = lunr.Query.wildcard.TRAILING;
        q.term(clause.term, options);
      });
    };
  }

  /* Resolves to the hits for `text`, best first, the first MAX_SHOWN with their rows, or
     to null when a newer search started meanwhile. */
  function search(text) {
    var generation = ++state.generation;
    var parts = parse(text);
    var exact = text.trim().toLowerCase();
    if (!state.ready) loading();
    return ensureLoaded().then(function () {
      var needs = state.shards.map(function (shard) {
        return bucketsFor(shard.entry.starts, parts, exact);
      });
      if (state.shards.some(function (shard, i) {
        return needs[i].some(function (n) { return !(n in shard.buckets); });
      })) loading();
      return Promise.all(state.shards.map(function (shard, i) {
        return loadBuckets(shard, needs[i]);
      }));
    }).then(function () {
      return generation === state.generation ? query(parts, exact, generation) : null;
    }).then(function (found) {
      if (!found) return null;
      return loadRows(found.slice(0, MAX_SHOWN)).then(function () {
        return generation === state.generation ? found : null;
      });
    });
  }

  /* Runs the query on every shard, one per task, so typing stays responsive in a big
     catalog and a stale search stops as soon as the next keystroke arrives. Equal scores
     keep catalog order (rows are dealt to the shards round-robin). */
  function query(parts, exact, generation) {
    var clauses = clausesOf(parts);
    // lunr would take a query without terms for "everything"
    var shards = clauses.length ? state.shards : [];
    var build = buildQuery(clauses);
    var count = state.shards.length;
    var found = [];
    return new Promise(function (resolve) {
      var next = 0;
      (function step() {
        if (generation !== state.generation) return resolve(null);
        if (next === shards.length) {
          found.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
          return resolve(found);
        }
        var number = next++;
        var shard = merged(shards[number]);
        var hits;
        try { hits = shard.index.query(build); } catch (e) { hits = []; }
        var named = namesSomething(parts) ? shard.exact[exact] || [] : [];
        hits.forEach(function (hit) {
          var row = +hit.ref;
          found.push({ shard: number, row: row, order: row * count + number,
                       score: hit.score + (named.indexOf(row) !== -1 ? 1e6 : 0) });
        });
        if (next === shards.length) step(); else setTimeout(step, 0);
      })();
    });
  }

  /* ---- showing ---------------------------------------------------------------------- */

  function entityUrl(ref) {
    var colon = ref.indexOf(":");
    var slash = ref.indexOf("/", colon + 1);
    var kind = ref.slice(0, colon);
    var namespace = ref.slice(colon + 1, slash);
    var name = ref.slice(slash + 1);
    return root + "entity/" + namespace + "/" + kind + "/" + name + ".html";
  }

  function option(doc, number) {
    var ref = doc[0];
    var kind = ref.slice(0, ref.indexOf(":"));
    var namespace = ref.slice(ref.indexOf(":") + 1, ref.indexOf("/"));
    var name = ref.slice(ref.indexOf("/") + 1);
    var item = document.createElement("li");
    item.setAttribute("role", "none");
    var link = document.createElement("a");
    link.id = "search-option-" + number;
    var isDocs = doc.length > 3; // a docs page: [entity ref, page title, entity line, url]
    link.href = isDocs ? root + doc[3] : entityUrl(ref);
    link.setAttribute("role", "option");
    link.setAttribute("aria-selected", "false");
    link.setAttribute("tabindex", "-1");
    link.setAttribute("data-ref", ref);
    var title = document.createElement("span");
    title.className = "search-title";
    title.textContent = doc[1] || name;
    var badge = document.createElement("span");
    badge.className = isDocs ? "badge kind-docs" : "badge kind-" + kind;
    badge.textContent = isDocs ? "Docs" : state.kinds[kind] || kind;
    link.appendChild(title);
    link.appendChild(document.createTextNode(" "));
    link.appendChild(badge);
    var where = namespace === "default" ? name : namespace + "/" + name;
    var detail = document.createElement("span");
    detail.className = "search-line";
    detail.textContent = isDocs ? doc[2] : doc[2] ? where + " · " + doc[2] : where;
    link.appendChild(detail);
    item.appendChild(link);
    return item;
  }

  function show(text, results) {
    state.results = results;
    state.active = -1;
    input.removeAttribute("aria-activedescendant");
    var fragment = document.createDocumentFragment();
    results.slice(0, MAX_SHOWN).forEach(function (hit, i) {
      fragment.appendChild(option(hit.doc, i));
    });
    list.textContent = "";
    list.appendChild(fragment);
    // Names the query whose final results are on show, so tests (and user scripts) can tell
    // them from the results of a shorter prefix or of an index still loading.
    list.setAttribute("data-query", text);
    empty.hidden = results.length > 0;
    empty.textContent = "No entities match \u201c" + text + "\u201d.";
    open(true);
    var shown = Math.min(results.length, MAX_SHOWN);
    announce(results.length === 0 ? "No results" :
      results.length === 1 ? "1 result" :
      results.length > shown ? results.length + " results, showing the first " + shown :
      results.length + " results");
  }

  /* While index parts load, the list (perhaps a shorter prefix's) is not final. */
  function loading() {
    list.setAttribute("data-query", "");
    empty.hidden = true;
    open(true);
    announce("Loading the search index\u2026");
  }

  function open(yes) {
    var visible = yes && input.value.trim() !== "";
    panel.hidden = !visible;
    input.setAttribute("aria-expanded", visible && state.results.length ? "true" : "false");
  }

  function announce(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function move(step) {
    var options = list.querySelectorAll("[role=option]");
    if (!options.length) return;
    if (state.active >= 0) options[state.active].setAttribute("aria-selected", "false");
    if (state.active < 0) state.active = step > 0 ? 0 : options.length - 1;
    else state.active = (state.active + step + options.length) % options.length;
    var current = options[state.active];
    current.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", current.id);
    if (current.scrollIntoView) current.scrollIntoView({ block: "nearest" });
  }

  /* Searches for what the box holds and shows it; resolves when shown (or superseded). */
  function run() {
    var text = input.value.trim();
    if (text.length < MIN_LENGTH) {
      state.generation++;
      state.results = [];
      state.active = -1;
      input.removeAttribute("aria-activedescendant");
      list.textContent = "";
      empty.hidden = !text;
      empty.textContent = text ? "Type at least " + MIN_LENGTH + " characters." : "";
      open(!!text);
      announce("");
      return Promise.resolve();
    }
    return search(text).then(function (found) { if (found) show(text, found); },
      function (error) { announce("Search is unavailable: " + error.message); });
  }

  function schedule() {
    clearTimeout(state.timer);
    ensureLoaded();
    state.timer = setTimeout(run, 40);
  }

  /* ---- events ----------------------------------------------------------------------- */

  input.addEventListener("focus", function () {
    ensureLoaded();
    if (input.value.trim()) open(true);
  });
  form.addEventListener("pointerenter", ensureLoaded); // a head start before the click
  input.addEventListener("input", schedule);
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (panel.hidden) { run(); return; }
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      var options = list.querySelectorAll("[role=option]");
      if (state.active >= 0 && options[state.active]) {
        window.location.href = options[state.active].href;
        return;
      }
      clearTimeout(state.timer);
      ensureLoaded().then(run).then(function () { // the last keystrokes may be unsearched
        var best = list.querySelector("[role=option]");
        if (best) window.location.href = best.href;
      });
    } else if (event.key === "Escape") {
      if (!panel.hidden) { event.preventDefault(); open(false); }
      else if (input.value) { event.preventDefault(); input.value = ""; run(); }
    }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) open(false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.defaultPrevented) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (target && target.isContentEditable) return; // "/" is someone's text there
    event.preventDefault();
    input.focus();
    input.select();
  });
})();
