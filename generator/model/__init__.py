"""The nouns every stage shares: refs, problems, documents, entities, relations."""

from generator.model.problem import Problem, Severity
from generator.model.ref import EntityRef, RefError, parse_ref
from generator.model.location import LocationRef
from generator.model.document import Document, Positions
from generator.model.entity import Entity
from generator.model.relations import Relation

__all__ = [
    "Document",
    "Entity",
    "EntityRef",
    "LocationRef",
    "Positions",
    "Problem",
    "RefError",
    "Relation",
    "Severity",
    "parse_ref",
]
