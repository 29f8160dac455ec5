"""A synthetic catalog: N valid entities spread over about N/50 repository folders.

The mix follows what real organisations register: a Group tree with Users, Domains and
Systems, Components that own most of the relations (owner, system, providesApis,
consumesApis, dependsOn, subcomponentOf), APIs with small inline definitions, and
Resources. Every ref points at an entity that exists, dependencies only point at entities
generated earlier (so there are no cycles), and the Group tree is a tree: a correct
pipeline must report no errors and no warnings on it.

With `docs`, a tenth of the entities (every fourth Component) have TechDocs: a small
MkDocs project in `docs-sites/<name>/` of their repository, named by
`backstage.io/techdocs-ref: dir:docs-sites/<name>`, so that a change to one entity's file
touches no docs project.

Generation is deterministic: the same `entities` and `seed` give byte-identical files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.docs import write_site

try:  # the C dumper writes 10,000 entities several times faster
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _BaseDumper

ENTITIES_PER_REPO = 50
CATALOG_FILE = "catalog-info.yaml"
DOCS_FOLDER = "docs-sites"
DOCS_EVERY = 4  # every fourth Component: Components are 40% of entities, so a tenth
DOCS_PAGES = 2  # pages per docs site
API_VERSION = "backstage.io/v1alpha1"
TECHDOCS_REF = "backstage.io/techdocs-ref"

#: Share of each kind in percent; Components take whatever is left (about 40%).
SHARES = {"Group": 4, "User": 20, "Domain": 1, "System": 4, "API": 18, "Resource": 12}
KIND_ORDER = ("Group", "User", "Domain", "System", "Resource", "API", "Component")

LIFECYCLES = ("production", "production", "production", "experimental", "deprecated")
COMPONENT_TYPES = ("service", "service", "service", "website", "library")
RESOURCE_TYPES = ("database", "queue", "s3-bucket", "cache")
LANGUAGES = ("java", "go", "python", "typescript", "kotlin", "rust")
API_TYPES = ("openapi", "asyncapi", "graphql", "grpc")


@dataclass
class Synthetic:
    """What `generate` wrote: the repository folders and how many entities of each kind."""

    root: Path
    repos: list[Path]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def entities(self) -> int:
        return sum(self.counts.values())


def kind_counts(entities: int) -> dict[str, int]:
    """How many entities of each kind make up `entities` (at least one Group and System)."""
    counts = {kind: entities * share // 100 for kind, share in SHARES.items()}
    if entities >= 10:
        for kind in ("Group", "Domain", "System"):
            counts[kind] = max(1, counts[kind])
    counts["Component"] = entities - sum(counts.values())
    if counts["Component"] < 1 or counts["Group"] < 1:
        raise ValueError(f"need at least 10 entities for a meaningful catalog, got {entities}")
    return counts


def generate(root: Path, entities: int = 10_000, seed: int = 1, docs: bool = False
             ) -> Synthetic:
    """Write the catalog under `root` (one folder per repository) and describe it; with
    `docs`, a tenth of the entities get a docs project beside their catalog file."""
    counts = kind_counts(entities)
    documents = _documents(counts, random.Random(seed), docs)
    repo_count = max(1, round(entities / ENTITIES_PER_REPO))
    per_repo: list[list[dict]] = [[] for _ in range(repo_count)]
    for kind in KIND_ORDER:
        items = documents[kind]
        for i, doc in enumerate(items):
            per_repo[i * repo_count // len(items)].append(doc)
    root.mkdir(parents=True, exist_ok=True)
    repos = []
    for number, in_repo in enumerate(per_repo):
        repo = root / f"repo-{number:04d}"
        repo.mkdir(exist_ok=True)
        text = yaml.dump_all(in_repo, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                             default_flow_style=False, explicit_start=True)
        (repo / CATALOG_FILE).write_text(f"# Synthetic catalog {repo.name}\n{text}",
                                         encoding="utf-8")
        for doc in in_repo:
            if TECHDOCS_REF in doc["metadata"].get("annotations", {}):
                name = doc["metadata"]["name"]
                write_site(repo / DOCS_FOLDER / name, name, DOCS_PAGES)
        repos.append(repo)
    return Synthetic(root, repos, counts)


def _documents(counts: dict[str, int], rng: random.Random, with_docs: bool
               ) -> dict[str, list[dict]]:
    names = {kind: [_name(kind, i) for i in range(n)] for kind, n in counts.items()}
    groups, systems = names["Group"], names["System"]

    def owner() -> str:
        return rng.choice(groups[1:] or groups)

    docs: dict[str, list[dict]] = {kind: [] for kind in KIND_ORDER}
    for i, name in enumerate(groups):
        spec: dict = {"type": "organization" if i == 0 else "team", "children": []}
        if i:
            spec["parent"] = groups[(i - 1) // 10]  # a 10-ary tree rooted at the org
        spec["profile"] = {"displayName": f"Team {i}", "email": f"{name}@example.com"}
        docs["Group"].append(_entity("Group", name, spec))
    for i, name in enumerate(names["User"]):
        member_of = sorted({groups[i % len(groups)], rng.choice(groups)})
        spec = {"profile": {"displayName": f"User {i}", "email": f"{name}@example.com"},
                "memberOf": member_of}
        docs["User"].append(_entity("User", name, spec))
    for i, name in enumerate(names["Domain"]):
        spec = {"owner": groups[0]}
        if i:
            spec["subdomainOf"] = names["Domain"][(i - 1) // 5]
        docs["Domain"].append(_entity("Domain", name, spec))
    for i, name in enumerate(systems):
        spec = {"owner": f"group:{owner()}"}
        if names["Domain"]:
            spec["domain"] = names["Domain"][i % len(names["Domain"])]
        docs["System"].append(_entity("System", name, spec))
    for i, name in enumerate(names["Resource"]):
        spec = {"type": RESOURCE_TYPES[i % len(RESOURCE_TYPES)], "owner": owner(),
                "system": rng.choice(systems)}
        docs["Resource"].append(_entity("Resource", name, spec, tags=["infra"]))
    for i, name in enumerate(names["API"]):
        api_type = API_TYPES[i % len(API_TYPES)]
        spec = {"type": api_type, "lifecycle": rng.choice(LIFECYCLES), "owner": owner(),
                "system": rng.choice(systems), "definition": _definition(api_type, name)}
        docs["API"].append(_entity("API", name, spec, tags=[api_type]))
    docs["Component"] = [
        _component(i, name, names, rng, owner, with_docs)
        for i, name in enumerate(names["Component"])
    ]
    return docs


def _component(i: int, name: str, names: dict[str, list[str]], rng: random.Random,
               owner, with_docs: bool) -> dict:
    apis, resources, components = names["API"], names["Resource"], names["Component"]
    spec: dict = {"type": COMPONENT_TYPES[i % len(COMPONENT_TYPES)],
                  "lifecycle": rng.choice(LIFECYCLES), "owner": owner(),
                  "system": rng.choice(names["System"])}
    # Each API is provided by exactly one component, spread evenly.
    provided = apis[i::len(components)]
    if provided:
        spec["providesApis"] = list(provided)
    if apis:
        spec["consumesApis"] = sorted(set(rng.sample(apis, min(len(apis), rng.randint(0, 3)))))
    depends = []
    if resources and rng.random() < 0.7:
        depends.append(f"resource:{rng.choice(resources)}")
    if i and rng.random() < 0.5:  # only earlier components: the dependency graph stays acyclic
        depends.append(f"component:{components[rng.randrange(i)]}")
    if depends:
        spec["dependsOn"] = sorted(set(depends))
    if i and rng.random() < 0.1:
        spec["subcomponentOf"] = components[rng.randrange(i)]
    spec = {key: value for key, value in spec.items() if value != []}
    language = rng.choice(LANGUAGES)
    annotations = {"backstage.io/kubernetes-id": name}
    if with_docs and i % DOCS_EVERY == 0:
        annotations[TECHDOCS_REF] = f"dir:{DOCS_FOLDER}/{name}"
    links = [{"url": f"https://runbooks.example.com/{name}", "title": "Runbook", "icon": "docs"}]
    return _entity("Component", name, spec, tags=[language], annotations=annotations,
                   links=links)


def _entity(kind: str, name: str, spec: dict, **metadata) -> dict:
    meta = {"name": name, "description": f"Synthetic {kind.lower()} {name}.", **metadata}
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": meta, "spec": spec}


def _name(kind: str, i: int) -> str:
    prefix = {"Group": "team", "User": "user", "Domain": "domain", "System": "system",
              "API": "api", "Resource": "res", "Component": "svc"}[kind]
    return f"{prefix}-{i:05d}"


def _definition(api_type: str, name: str) -> str:
    if api_type == "openapi":
        return (f"openapi: 3.0.3\ninfo:\n  title: {name}\n  version: 1.0.0\npaths:\n"
                f"  /items/{{id}}:\n    get:\n      operationId: getItem\n      parameters:\n"
                f"        - {{name: id, in: path, required: true, schema: {{type: string}}}}\n"
                f"      responses:\n        '200':\n          description: The item.\n")
    if api_type == "asyncapi":
        return (f"asyncapi: 2.6.0\ninfo:\n  title: {name}\n  version: 1.0.0\nchannels:\n"
                f"  {name}.changed:\n    subscribe:\n      message:\n        payload:\n"
                f"          type: object\n")
    if api_type == "graphql":
        return "type Query {\n  item(id: ID!): Item\n}\n\ntype Item {\n  id: ID!\n}\n"
    return ('syntax = "proto3";\n\nservice Items {\n  rpc Get(GetRequest) returns (Item);\n}\n'
            "message GetRequest { string id = 1; }\nmessage Item { string id = 1; }\n")


class _Dumper(_BaseDumper):
    """Writes multi-line strings (API definitions) as `|` blocks, as people do."""


def _literal_str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _literal_str)
