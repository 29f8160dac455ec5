/* Playbill search: results as you type from the prebuilt lunr index.
 *
 * Nothing loads until the box is first used (focus, "/", typing): then lunr.js, the
 * manifest and every index shard are inserted as <script> tags (file:// cannot fetch JSON),
 * and each shard is searched as soon as it arrives. Every word but the last must match;
 * the last is matched as a prefix because the person is still typing it.
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
  var state = { loading: null, complete: false, shards: [], kinds: {}, active: -1, results: [],
                timer: 0, generation: 0 };

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

  /* Loads lunr.js and the manifest, then every shard; resolves when all shards are in. */
  function ensureLoaded() {
    if (state.loading) return state.loading;
    state.loading = Promise.all([
      window.lunr ? Promise.resolve() : loadScript(form.getAttribute("data-lunr")),
      window.PLAYBILL_SEARCH ? Promise.resolve() : loadScript(form.getAttribute("data-manifest"))
    ]).then(function () {
      var manifest = window.PLAYBILL_SEARCH || { shards: [], kinds: {} };
      state.kinds = manifest.kinds || {};
      return Promise.all(manifest.shards.map(function (entry) {
        return loadScript(root + entry.file).then(function () { addShard(entry.key); });
      }));
    }).then(function () {
      state.complete = true;
      if (input.value.trim()) run();
    }).catch(function (error) {
      state.complete = true;
      announce("Search is unavailable: " + error.message);
    });
    return state.loading;
  }

  function addShard(key) {
    var shards = window.PLAYBILL_SEARCH_SHARDS || {};
    var data = shards[key];
    if (!data) return;
    state.shards.push({ docs: data.docs, index: window.lunr.Index.load(data.index) });
    delete shards[key]; // the loaded index is all we keep
    if (input.value.trim() && !state.complete) run(); // show what this shard found now
  }

  /* ---- querying --------------------------------------------------------------------- */

  /* The query's words as {field, word, last}: "owner:team-a" limits "team" and "a" to the
     owner field. Mirrors generator/search.py's find(), which the unit tests exercise. */
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

  /* The term a lower-cased word is looked up as, exactly as generator/search.py's term_of
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

  /* For the unit tests, which check these rules against the Python ones in Node. */
  window.PlaybillSearchTerms = { parse: parse, termOf: termOf, prefixOf: prefixOf };
  if (!form || !input || !list) return;

  function buildQuery(parts) {
    var lunr = window.lunr;
    var required = lunr.Query.presence.REQUIRED;
    return function (q) {
      parts.forEach(function (part) {
        /* lunr reads a present-but-undefined "fields" as "no fields": only set it when used */
        function clause(options) {
          if (part.field) options.fields = [part.field];
          options.usePipeline = false;
          return options;
        }
        if (part.last) {
          var prefix = prefixOf(part.word);
          if (prefix) q.term(prefix, clause({ presence: required,
                                              wildcard: lunr.Query.wildcard.TRAILING }));
          var whole = termOf(part.word, true);
          if (whole) q.term(whole, clause({ boost: 5 }));
          return;
        }
        var term = termOf(part.word, false);
        if (term) q.term(term, clause({ presence: required }));
      });
    };
  }

  /* Resolves to the hits for `text`, best first, or to null when a newer search started
     meanwhile. One shard per task, so typing stays responsive in a big catalog and a
     stale search stops as soon as the next keystroke arrives. */
  function search(text) {
    var generation = ++state.generation;
    var parts = parse(text);
    var exact = text.trim().toLowerCase();
    var shards = parts.length ? state.shards.slice() : [];
    // No shard yet means lunr.js may still be on its way: nothing to query, nor to build with.
    var query = shards.length ? buildQuery(parts) : null;
    var found = [];
    return new Promise(function (resolve) {
      var next = 0;
      (function step() {
        if (generation !== state.generation) return resolve(null);
        if (next === shards.length) {
          found.sort(function (a, b) {
            return b.score - a.score || (a.doc[0] < b.doc[0] ? -1 : a.doc[0] > b.doc[0] ? 1 : 0);
          });
          return resolve(found);
        }
        var shard = shards[next++];
        var hits;
        try { hits = shard.index.query(query); } catch (e) { hits = []; }
        hits.forEach(function (hit) {
          var doc = shard.docs[+hit.ref];
          if (doc) found.push({ doc: doc, score: hit.score + bonus(doc, exact) });
        });
        if (next === shards.length) step(); else setTimeout(step, 0);
      })();
    });
  }

  /* Typing an entity's exact name, title or ref puts it first whatever the statistics say.
     A docs page (its row has a fourth item, the page's URL) gets no such bonus. */
  function bonus(doc, exact) {
    if (doc.length > 3) return 0;
    var ref = doc[0];
    var name = ref.slice(ref.indexOf("/") + 1);
    if (exact === ref || exact === name || exact === (doc[1] || "").toLowerCase()) return 1e6;
    return 0;
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
    var ready = state.complete;
    // Names the query whose final results are on show, so tests (and user scripts) can tell
    // them from the results of a shorter prefix or of a half-loaded index.
    list.setAttribute("data-query", ready ? text : "");
    empty.hidden = results.length > 0 || !ready;
    empty.textContent = ready ? "No entities match \u201c" + text + "\u201d." : "";
    open(true);
    if (!ready && !results.length) return announce("Loading the search index\u2026");
    var shown = Math.min(results.length, MAX_SHOWN);
    announce(results.length === 0 ? "No results" :
      results.length === 1 ? "1 result" :
      results.length > shown ? results.length + " results, showing the first " + shown :
      results.length + " results");
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
    return search(text).then(function (found) { if (found) show(text, found); });
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
