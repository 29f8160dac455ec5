"""The validate stage: judge each loaded document the way Backstage's catalog would.

Per document, in Backstage's order: the policies (entity schema, default namespace, no
foreign root fields, field formats), then kind validation (kind matched case-sensitively,
apiVersion by enum, the kind's spec schema), then the relations its spec fields emit. An
entity that fails any step is not returned, exactly as Backstage would not store it; its
problems are, each carrying the status message Backstage would show (`backstage`). Where
Backstage stops at the first failure we go on within the step, so users see every format
problem at once; the first problem is always the one Backstage reports.

Across documents refs compare case-insensitively: within one file the last document wins
(as in Backstage), across files the first one does and the later one is an error.

Checks depend on a document's data alone. A build hands in the digests of the documents
an earlier one found without a problem (`known_valid`, see `build._validate`): those are
not checked again, only made into entities, with their relations.
"""

from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Sequence

from generator.model.document import Document
from generator.model.envelope import check_envelope
from generator.model.entity import Entity
from generator.model.formats import FormatViolation, field_format_violations
from generator.model.kinds import (
    KINDS, KindSpec, RefFailure, SchemaError, emit_relations, entity_schema_errors,
    foreign_root_fields, kind_spec, similar_kind,
)
from generator.model.kinds.emit import js_falsy, original_path, sort_order, sorted_spec
from generator.model.problem import Problem, error, warning
from generator.model.ref import DEFAULT_NAMESPACE, EntityRef
from generator.model.kinds.messages import (
    format_message, schema_hint, schema_message, unrecognized,
)
from generator.model.values import collector_paused, describe, dotted
from generator.progress import Finished, OnProgress, Step

STEP = 500  # documents between two progress reports


@dataclass
class ValidationResult:
    """The entities Backstage would store, in document order, and every problem found."""

    entities: list[Entity]
    problems: list[Problem]
    #: The digests (`data_digest`) of the documents that have no problem of their own.
    valid: set[bytes] = field(default_factory=set)


@dataclass
class Checked:
    """One document's verdict: its ref (None if the envelope is broken), the entity if it
    is valid, and its own problems (duplicates are decided later, across documents)."""

    document: Document
    ref: EntityRef | None
    entity: Entity | None
    problems: list[Problem] = field(default_factory=list)


def validate(documents: Sequence[Document], on_progress: OnProgress | None = None,
             known_valid: Collection[bytes] | None = None) -> ValidationResult:
    """Validate documents given in load order; that order decides which duplicate wins.
    With `known_valid`, documents whose data has one of those digests are not checked
    again, and the result's `valid` holds the digests of this catalog's valid documents."""
    valid: set[bytes] = set()
    trusted = 0

    def check(document: Document) -> Checked:
        nonlocal trusted
        if known_valid is None:
            return check_document(document)
        digest = data_digest(document.data)
        known = digest is not None and digest in known_valid
        trusted += known
        checked = check_document(document, trusted=known)
        if digest is not None and checked.entity is not None and not checked.problems:
            valid.add(digest)
        return checked

    with collector_paused():
        if on_progress is None:
            result = keep_unique([check(document) for document in documents])
            result.valid = valid
            return result
        checked = []
        for number, document in enumerate(documents, start=1):
            checked.append(check(document))
            if number % STEP == 0 or number == len(documents):
                on_progress(Step("validate", number, len(documents)))
        result = keep_unique(checked)
        result.valid = valid
    summary = (f"{len(result.entities):,} entities valid, "
               f"{len(documents) - len(result.entities):,} documents not stored")
    if known_valid is not None:
        summary += f"; {trusted:,} unchanged valid documents not checked again"
    on_progress(Finished("validate", summary))
    return result


def data_digest(data: Any) -> bytes | None:
    """A digest of a document's data, or None when it holds something marshal cannot
    write. Marshal's version 2 writes every value with its type and no back-references,
    so equal data of equal types (1 and "1", 1 and 1.0 apart) always has the same digest;
    JSON would give a key 1 and a key "1" the same one."""
    try:
        return hashlib.blake2b(marshal.dumps(data, 2), digest_size=20).digest()
    except ValueError:
        return None


@dataclass(frozen=True)
class _Where:
    """Builds problems located in one document and about one entity."""

    document: Document
    ref: EntityRef | None

    def problem(
        self, make: Callable[..., Problem], code: str, message: str, hint: str,
        path: tuple = (), backstage: str = "",
    ) -> Problem:
        return make(
            code, message, hint=hint, file=self.document.file,
            line=self.document.line_of(path), entity=str(self.ref) if self.ref else None,
            backstage=backstage,
        )


def check_document(document: Document, trusted: bool = False) -> Checked:
    """Run one document through policies, kind validation and relation emission.
    `trusted`: its data passed policies and kind validation in an earlier build."""
    data = document.data
    broken = check_envelope(data, document.positions, document.file)
    if broken:
        return Checked(document, None, None, broken)
    metadata = data["metadata"]
    ref = EntityRef(data["kind"], metadata.get("namespace") or DEFAULT_NAMESPACE, metadata["name"])
    where = _Where(document, ref)
    spec = data.get("spec")
    orders = sort_order(spec) if isinstance(spec, dict) else {}
    processed = _processed(data, sorted_spec(spec, orders) if orders else spec)
    problems = [] if trusted else policy_problems(processed, where)
    if problems:
        return Checked(document, ref, None, problems)
    kind = kind_spec(data["kind"])
    if kind is None:
        return Checked(document, ref, Entity(ref, processed, document, known_kind=False),
                       [_unknown_kind(where, data["kind"])])
    problems = [] if trusted else kind_problems(processed, kind, where, orders)
    if problems:
        return Checked(document, ref, None, problems)
    relations, failures = emit_relations(kind, ref, processed["spec"], orders)
    if failures:
        return Checked(document, ref, None, [_bad_ref(where, kind, f) for f in failures])
    return Checked(document, ref, Entity(ref, processed, document, tuple(relations)))


def _processed(data: dict[str, Any], spec: Any) -> dict[str, Any]:
    """The entity as Backstage stores it: namespace defaulted, sorted arrays sorted, empty
    annotations (`annotations:` with nothing after it) an object, as Backstage makes them
    when it adds its location annotations. A copy at every level we change; the
    document's own dicts stay untouched."""
    out = dict(data)
    metadata = dict(data["metadata"])
    if "annotations" in metadata and js_falsy(metadata["annotations"]):
        metadata["annotations"] = {}
    if not metadata.get("namespace"):
        metadata["namespace"] = DEFAULT_NAMESPACE
    out["metadata"] = metadata
    if "spec" in data:
        out["spec"] = spec
    return out


def policy_problems(data: dict[str, Any], where: _Where) -> list[Problem]:
    """SchemaValid, NoForeignRootFields and FieldFormat problems, Backstage's first first."""
    prefix = f"InputError: Policy check failed for {where.ref}; caused by Error: "
    errors = entity_schema_errors(data)
    problems = [
        where.problem(
            error, _schema_code(e), schema_message(e), schema_hint(e), e.field_path,
            f"{prefix}Malformed envelope, {e.ajv_text(params=False)}",
        )
        for e in errors
    ]
    covered = [e.field_path for e in errors]
    for key in foreign_root_fields(data):
        if not _covered((key,), covered):
            problems.append(where.problem(
                error, "root-field",
                f"root field `{key}` is not allowed in a catalog file: only apiVersion, kind, "
                "metadata and spec are",
                f"remove `{key}`: Backstage computes it itself", (key,),
                f"{prefix}Unknown field {key}",
            ))
    for violation in field_format_violations(data):
        if not _covered(violation.path, covered):
            problems.append(_format_problem(where, violation, prefix))
    return problems


def _schema_code(e: SchemaError) -> str:
    return "root-field" if e.extra is not None and not e.path else "entity-schema"


def _covered(path: tuple, covered: list[tuple]) -> bool:
    return any(path[: len(c)] == c for c in covered)


def _format_problem(where: _Where, violation: FormatViolation, prefix: str) -> Problem:
    return where.problem(
        error, violation.rule.code, format_message(violation), violation.rule.hint,
        violation.path, prefix + violation.backstage_error,
    )


def kind_problems(
    data: dict[str, Any], kind: KindSpec, where: _Where, orders: dict[str, list[int]]
) -> list[Problem]:
    """apiVersion and spec schema of a known kind. A wrong apiVersion hides spec errors,
    because Backstage's validator then says "not mine" instead of checking the spec."""
    if data["apiVersion"] not in kind.api_versions:
        accepted = " or ".join(kind.api_versions)
        hint = f"use apiVersion: {accepted}"
        if kind.kind == "Template":
            hint += " (the older backstage.io Template formats are no longer read)"
        return [where.problem(
            error, "unknown-api-version",
            f'apiVersion "{data["apiVersion"]}" is not accepted for kind {kind.kind}; '
            f"Backstage accepts {accepted}",
            hint, ("apiVersion",), unrecognized(where.ref),
        )]
    if "spec" not in data:
        errors = [SchemaError((), "must have required property 'spec'",
                              "missingProperty: spec", missing="spec")]
    else:
        errors = kind.spec_errors(data["spec"])
    prefix = (
        f"InputError: Processor {kind.processor} threw an error while validating the entity "
        f"{where.ref}; caused by TypeError: "
    )
    return [
        where.problem(
            error, "spec-schema", schema_message(e, kind.kind), schema_hint(e, kind.kind),
            original_path(e.field_path, orders), prefix + e.ajv_text(),
        )
        for e in errors
    ]


def _unknown_kind(where: _Where, kind: str) -> Problem:
    similar = similar_kind(kind)
    message = f'kind "{kind}" is not a kind Backstage knows'
    if similar:
        message += f'; kinds are case-sensitive, did you mean "{similar}"?'
    known = ", ".join(KINDS)
    return where.problem(
        warning, "unknown-kind", message,
        f"use one of {known}; Playbill still lists the entity, without relations",
        ("kind",),
        f'{unrecognized(where.ref)} (unless a catalog backend module adds a processor '
        f'for kind "{kind}")',
    )


def _bad_ref(where: _Where, kind: KindSpec, failure: RefFailure) -> Problem:
    field_name = str(failure.path[1])
    hint = "write a ref as [<kind>:][<namespace>/]<name>, e.g. component:default/orders"
    if field_name in ("dependsOn", "dependencyOf"):
        hint = (
            f"{field_name} has no default kind: write the kind, e.g. "
            f"resource:{failure.value} or component:{failure.value}"
        )
    return where.problem(
        error, "bad-ref",
        f"{dotted(failure.path)}: {describe(failure.value)} is not a valid entity ref "
        f"({failure.error.split(': ', 1)[1]})",
        hint, failure.path,
        f"InputError: Processor {kind.processor} threw an error while postprocessing; "
        f"caused by {failure.error}",
    )


def keep_unique(checked: Sequence[Checked]) -> ValidationResult:
    """Resolve refs defined more than once (case-insensitively), as Backstage does.

    Same location (file): the last document replaces earlier ones (a warning on each
    earlier one). Another location: the first one keeps the ref and the later one is an
    error naming both places; Backstage itself only logs the conflict.
    """
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    winner: dict[str, int] = {}
    dropped: set[int] = set()
    for index, item in enumerate(checked):
        problems.extend(item.problems)
        if item.ref is None:
            continue
        key, location = str(item.ref), str(item.document.location)
        if key not in owner:
            owner[key], winner[key] = location, index
        elif owner[key] == location:
            earlier = checked[winner[key]]
            problems.append(_same_file(earlier, item))
            dropped.add(winner[key])
            winner[key] = index
        else:
            problems.append(_conflict(checked[winner[key]], item))
            dropped.add(index)
    entities = [
        item.entity for index, item in enumerate(checked)
        if item.entity is not None and index not in dropped
    ]
    return ValidationResult(entities, problems)


def _place(item: Checked) -> str:
    return f"{item.document.file}:{item.document.line}"


def _same_file(earlier: Checked, later: Checked) -> Problem:
    return warning(
        "duplicate-in-file",
        f"{earlier.ref} is defined again at line {later.document.line} of the same file; "
        f"only that later definition is kept, this one is ignored",
        hint="remove one of the two documents or give them different names "
        "(names compare case-insensitively)",
        file=earlier.document.file, line=earlier.document.line, entity=str(earlier.ref),
        backstage="accepted: Backstage silently keeps only the last document with this ref "
        "in a file",
    )


def _conflict(first: Checked, later: Checked) -> Problem:
    return error(
        "duplicate-ref",
        f"{later.ref} is already defined at {_place(first)}; this definition at "
        f"{_place(later)} is ignored",
        hint="rename one of them, or remove the copy (refs compare case-insensitively)",
        file=later.document.file, line=later.document.line, entity=str(later.ref),
        backstage="not stored, only logged: Detected conflicting entityRef "
        f"{later.ref} already referenced by {first.document.location} and now also "
        f"{later.document.location}",
    )
