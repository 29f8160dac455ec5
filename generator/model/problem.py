"""Problems are data: every stage collects them and only the CLI decides what they mean."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass


class Severity(str, enum.Enum):
    """How bad a problem is. Only errors fail `playbill validate` (warnings do with --strict)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "note": 2}[self.value]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the catalog, located as precisely as we know.

    `code` is a stable, kebab-case identifier (`yaml-syntax`, `name-format`, ...) that users
    can grep for and tests assert on. `message` says what is wrong (naming the field, the rule
    and the value), `hint` how to fix it. `backstage` says what Backstage itself does with the
    same input (its status message for an error, or "accepted" when Playbill is stricter), so a
    green Playbill run can be trusted to mean a clean Backstage import.
    """

    severity: Severity
    code: str
    message: str
    hint: str = ""
    file: str | None = None
    line: int | None = None
    entity: str | None = None
    backstage: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.severity.rank, self.code, self.message)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def error(code: str, message: str, **where) -> Problem:
    return Problem(Severity.ERROR, code, message, **where)


def warning(code: str, message: str, **where) -> Problem:
    return Problem(Severity.WARNING, code, message, **where)


def note(code: str, message: str, **where) -> Problem:
    return Problem(Severity.NOTE, code, message, **where)
