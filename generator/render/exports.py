"""Machine-readable files beside the pages: `catalog.json`, `graph.json` and the rows
the catalog page filters in the browser (`data/catalog-table.js`).

The table ships as a JS file that assigns a global, because pages opened from `file://`
cannot fetch() JSON. Rows are arrays in the order of `TABLE_COLUMNS`, not objects, so
10,000 rows do not repeat ten key names each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.jsontext import compact
from generator.model.catalog import Catalog
from generator.model.entity import Entity

#: Column order of a table row. `title` is empty when it equals the name (the browser
#: shows the name then), and `description` is cut to a one-line summary.
TABLE_COLUMNS = ("ref", "kind", "title", "type", "owner", "lifecycle", "system", "tags",
                 "description")
SUMMARY_CHARS = 140


def write_exports(catalog: Catalog, site_dir: Path,
                  rows: list[list[Any]] | None = None) -> list[Path]:
    """Write catalog.json, graph.json and data/catalog-table.js; return their paths.
    `rows` are the catalog's `table_rows` when the caller has them already."""
    data_dir = site_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    written = {
        site_dir / "catalog.json": dump_json(catalog.to_json_dict()),
        site_dir / "graph.json": dump_json(graph_dict(catalog)),
        data_dir / "catalog-table.js": table_script(table_rows(catalog) if rows is None
                                                    else rows),
    }
    for path, data in written.items():
        path.write_bytes(data)
    return list(written)


def dump_json(data: Any) -> bytes:
    """Compact, UTF-8 JSON with a final newline; key order is the data's own (stable).
    Bytes, as written: catalog.json is 13 MB at 10,000 entities, not worth decoding."""
    return compact(data) + b"\n"


def graph_dict(catalog: Catalog) -> dict[str, Any]:
    """Every node (entities and dangling targets) and every stored relation row, sorted."""
    graph = catalog.graph
    nodes = [
        {"ref": key, "kind": data.get("kind", ""), "namespace": data.get("namespace", ""),
         "name": data.get("name", ""), "title": data.get("title") or data.get("name", ""),
         "exists": bool(data.get("exists"))}
        for key, data in sorted(graph.nodes(data=True))
    ]
    # Read off the adjacency dict the graph stage fills (`_succ[source][target][kind]`):
    # networkx's edge view costs more than the sort. A row is stored once, so no set.
    edges = sorted((source, kind, target) for source, targets in graph._succ.items()
                   for target, kinds in targets.items() for kind in kinds)
    return {
        "nodes": nodes,
        "edges": [{"source": s, "type": k, "target": t} for s, k, t in edges],
    }


def table_rows(catalog: Catalog) -> list[list[Any]]:
    """One compact row per entity, in ref order (see TABLE_COLUMNS)."""
    return [table_row(catalog, ref, entity) for ref, entity in catalog.entities.items()]


def table_row(catalog: Catalog, ref: str, entity: Entity) -> list[Any]:
    spec = entity.spec
    title = entity.title if entity.title != entity.name else ""
    return [
        ref,
        entity.kind,
        title,
        _text(spec.get("type")),
        catalog.owner_of(ref) or "",
        _text(spec.get("lifecycle")),
        catalog.system_of(ref) or "",
        [str(tag) for tag in entity.tags],
        summary(entity.description),
    ]


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The description on one line, cut at a word boundary."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + "…"


def table_script(rows: list[list[Any]]) -> bytes:
    """The JS file the catalog page loads with a <script> tag."""
    payload = {"columns": list(TABLE_COLUMNS), "rows": rows}
    return b"window.PLAYBILL_TABLE = " + compact(payload) + b";\n"


def filter_values(rows: list[list[Any]]) -> dict[str, list[str]]:
    """The distinct values each catalog filter offers, sorted (case-insensitively)."""
    index = {name: i for i, name in enumerate(TABLE_COLUMNS)}
    values: dict[str, set[str]] = {name: set() for name in
                                   ("kind", "type", "owner", "lifecycle", "system", "tag",
                                    "namespace")}
    for row in rows:
        for name in ("type", "owner", "lifecycle", "system"):
            if row[index[name]]:
                values[name].add(row[index[name]])
        values["kind"].add(row[index["kind"]].lower())
        values["tag"].update(row[index["tags"]])
        values["namespace"].add(row[0].partition(":")[2].partition("/")[0])
    return {name: sorted(found, key=lambda v: (v.lower(), v)) for name, found in values.items()}


def _text(value: Any) -> str:
    return str(value) if isinstance(value, (str, int, float)) and value != "" else ""
