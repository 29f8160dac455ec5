/* Playbill: the catalog table. Rows come from data/catalog-table.js (window.PLAYBILL_TABLE),
   are filtered and sorted here, and are added in batches so 10,000 rows never block the page.
   Filters live in the query string (?owner=group:default/team-a&kind=component). */
(function () {
  "use strict";
  var data = window.PLAYBILL_TABLE;
  var table = document.getElementById("catalog-table");
  var form = document.getElementById("catalog-filters");
  var status = document.getElementById("catalog-status");
  if (!data || !table || !form) return;

  var root = document.body.getAttribute("data-root") || "";
  var tbody = table.tBodies[0];
  var col = {};
  data.columns.forEach(function (name, i) { col[name] = i; });
  var FILTERS = ["kind", "type", "owner", "lifecycle", "system", "tag", "namespace"];
  var FIRST_BATCH = 150;
  var BATCH = 600;
  var generation = 0;
  var known = Object.create(null);

  var rows = data.rows.map(function (r) {
    var ref = r[col.ref];
    known[ref] = true;
    var rest = ref.slice(ref.indexOf(":") + 1);
    var slash = rest.indexOf("/");
    var name = rest.slice(slash + 1);
    var title = r[col.title] || name;
    return {
      cells: r, ref: ref, name: name, title: title, namespace: rest.slice(0, slash),
      kind: r[col.kind].toLowerCase(),
      text: (name + " " + title + " " + r[col.description]).toLowerCase()
    };
  });

  var state = { sort: "name", dir: "ascending" };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function entityUrl(ref) {
    var colon = ref.indexOf(":");
    var rest = ref.slice(colon + 1);
    var slash = rest.indexOf("/");
    return root + "entity/" + encodeURIComponent(rest.slice(0, slash)) + "/" +
      encodeURIComponent(ref.slice(0, colon)) + "/" + encodeURIComponent(rest.slice(slash + 1)) + ".html";
  }

  function refLink(ref) {
    if (!ref) return "";
    var label = escapeHtml(ref.slice(ref.indexOf("/") + 1));
    if (!known[ref]) return '<span class="missing" title="Not in the catalog">' + label + "</span>";
    return '<a href="' + escapeHtml(entityUrl(ref)) + '" data-ref="' + escapeHtml(ref) + '">' + label + "</a>";
  }

  function rowHtml(row) {
    var c = row.cells;
    var kind = c[col.kind];
    var tags = c[col.tags].map(function (t) { return '<span class="tag">' + escapeHtml(t) + "</span>"; }).join(" ");
    return '<tr data-ref="' + escapeHtml(row.ref) + '">' +
      '<td><a href="' + escapeHtml(entityUrl(row.ref)) + '">' + escapeHtml(row.title) + "</a>" +
      (row.title !== row.name ? ' <span class="muted small">' + escapeHtml(row.name) + "</span>" : "") + "</td>" +
      '<td><span class="badge kind-' + escapeHtml(row.kind.replace(/[^a-z0-9-]/g, "")) + '">' + escapeHtml(kind) + "</span></td>" +
      "<td>" + escapeHtml(c[col.type]) + "</td>" +
      "<td>" + refLink(c[col.owner]) + "</td>" +
      "<td>" + escapeHtml(c[col.lifecycle]) + "</td>" +
      "<td>" + refLink(c[col.system]) + "</td>" +
      '<td class="tags-cell">' + tags + "</td>" +
      '<td class="description-cell">' + escapeHtml(c[col.description]) + "</td></tr>";
  }

  function readFilters() {
    var params = new URLSearchParams(window.location.search);
    FILTERS.concat(["q"]).forEach(function (name) {
      var field = form.elements[name];
      if (!field) return;
      var value = params.get(name) || "";
      if (field.tagName === "SELECT" && value && !hasOption(field, value)) addOption(field, value);
      field.value = value;
    });
    if (params.get("sort")) state.sort = params.get("sort");
    if (params.get("dir") === "descending") state.dir = "descending";
  }

  function hasOption(select, value) {
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) return true;
    return false;
  }

  function addOption(select, value) {
    var option = document.createElement("option");
    option.value = value;
    option.textContent = value;
    select.appendChild(option);
  }

  function currentFilters() {
    var filters = {};
    FILTERS.concat(["q"]).forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) filters[name] = field.value;
    });
    return filters;
  }

  function writeUrl(filters) {
    var params = new URLSearchParams();
    Object.keys(filters).forEach(function (name) { params.set(name, filters[name]); });
    if (state.sort !== "name" || state.dir !== "ascending") {
      params.set("sort", state.sort);
      params.set("dir", state.dir);
    }
    var query = params.toString();
    try {
      history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
    } catch (e) { /* some browsers refuse history changes on file:// pages */ }
  }

  function matches(row, f) {
    var c = row.cells;
    if (f.kind && row.kind !== f.kind.toLowerCase()) return false;
    if (f.type && c[col.type] !== f.type) return false;
    if (f.owner && c[col.owner] !== f.owner) return false;
    if (f.lifecycle && c[col.lifecycle] !== f.lifecycle) return false;
    if (f.system && c[col.system] !== f.system) return false;
    if (f.namespace && row.namespace !== f.namespace) return false;
    if (f.tag && c[col.tags].indexOf(f.tag) === -1) return false;
    if (f.q && row.text.indexOf(f.q.toLowerCase()) === -1) return false;
    return true;
  }

  function sortKey(row, column) {
    if (column === "name") return row.title.toLowerCase();
    if (column === "kind") return row.kind;
    var value = row.cells[col[column]] || "";
    return String(value).toLowerCase();
  }

  function sorted(list) {
    var column = state.sort in col || state.sort === "name" ? state.sort : "name";
    var sign = state.dir === "descending" ? -1 : 1;
    return list.map(function (row) { return [sortKey(row, column), row]; })
      .sort(function (a, b) {
        if (a[0] < b[0]) return -sign;
        if (a[0] > b[0]) return sign;
        return a[1].ref < b[1].ref ? -1 : a[1].ref > b[1].ref ? 1 : 0;
      })
      .map(function (pair) { return pair[1]; });
  }

  function showSort() {
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) {
      var th = headers[i];
      if (!th.getAttribute("data-column")) continue;
      if (th.getAttribute("data-column") === state.sort) th.setAttribute("aria-sort", state.dir);
      else th.removeAttribute("aria-sort");
    }
  }

  function render() {
    var filters = currentFilters();
    var shown = sorted(rows.filter(function (row) { return matches(row, filters); }));
    var mine = ++generation;
    tbody.innerHTML = "";
    showSort();
    writeUrl(filters);
    status.textContent = "Showing " + shown.length + " of " + rows.length + " entities";
    table.setAttribute("aria-busy", "true");
    var done = 0;
    function batch(size) {
      if (mine !== generation) return;
      var html = [];
      var end = Math.min(done + size, shown.length);
      for (; done < end; done++) html.push(rowHtml(shown[done]));
      tbody.insertAdjacentHTML("beforeend", html.join(""));
      if (done < shown.length) window.setTimeout(function () { batch(BATCH); }, 0);
      else table.setAttribute("aria-busy", "false");
    }
    batch(FIRST_BATCH);
  }

  var typing = null;
  form.addEventListener("change", render);
  form.addEventListener("input", function (event) {
    if (event.target.name !== "q") return;
    window.clearTimeout(typing);
    typing = window.setTimeout(render, 120);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); render(); });
  form.addEventListener("reset", function () { window.setTimeout(render, 0); });
  table.tHead.addEventListener("click", function (event) {
    var button = event.target.closest("button.sort");
    if (!button) return;
    var column = button.parentNode.getAttribute("data-column");
    state.dir = state.sort === column && state.dir === "ascending" ? "descending" : "ascending";
    state.sort = column;
    render();
  });

  readFilters();
  render();
})();
