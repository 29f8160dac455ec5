"""Location: points at more catalog files; it emits no relations of its own."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator

from generator.model.kinds.common import (
    BACKSTAGE_VERSIONS, KindSpec, NonEmpty, NonEmptyList, Strict, ajv_error,
)

PRESENCE_VALUES = ("required", "optional")


def _presence(value: Any) -> Any:
    """ajv checks `type: string` before the enum, so a number says `must be string`."""
    if value not in PRESENCE_VALUES:
        raise ajv_error(
            "must be equal to one of the allowed values",
            "allowedValues: " + ",".join(PRESENCE_VALUES),
        )
    return value


class LocationSpec(Strict):
    """Everything is optional: `spec: {}` is a valid Location that reads nothing."""

    type: NonEmpty = None
    target: NonEmpty = None
    targets: NonEmptyList = None
    presence: Annotated[str, AfterValidator(_presence)] = None


LOCATION = KindSpec(
    kind="Location",
    api_versions=BACKSTAGE_VERSIONS,
    spec_model=LocationSpec,
)
