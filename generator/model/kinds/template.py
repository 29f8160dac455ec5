"""Template (scaffolder.backstage.io/v1beta3 only): a software template; `steps` need an
`action`. Validated by the ScaffolderEntitiesProcessor, not the built-in one."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from generator.model.kinds.common import (
    KindSpec, NonEmpty, RelationField, Strict, ajv_error, string_or_bool,
)
from generator.model.relations import OWNED_BY

StringOrBool = Annotated[Any, AfterValidator(string_or_bool)]


class Permissions(Strict):
    tags: list[str] = None


def _parameters(value: Any) -> Any:
    """`oneOf: [object, array of objects]`; ajv's first error is the object branch's."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    raise ajv_error("must be object", "type: object")


class Step(Strict):
    id: str = None
    name: str = None
    action: str
    input: dict = None
    if_: StringOrBool = Field(None, alias="if")
    permissions: Permissions = Field(None, alias="backstage:permissions")


class ButtonLabels(Strict):
    backButtonText: str = None
    createButtonText: str = None
    reviewButtonText: str = None


class Presentation(Strict):
    buttonLabels: ButtonLabels = None


class Secrets(Strict):
    schema_: dict = Field(None, alias="schema")


class Recovery(Strict):
    EXPERIMENTAL_strategy: str = None


class FormDecorator(Strict):
    id: str = None
    input: dict = None


class OutputLink(Strict):
    if_: StringOrBool = Field(None, alias="if")
    url: NonEmpty = None
    entityRef: NonEmpty = None
    title: NonEmpty = None
    icon: NonEmpty = None


class OutputText(Strict):
    if_: StringOrBool = Field(None, alias="if")
    title: NonEmpty = None
    icon: NonEmpty = None
    content: str = None


class Output(Strict):
    """Keys other than `links` and `text` must map to strings."""

    __pydantic_extra__: dict[str, str]

    links: list[OutputLink] = None
    text: list[OutputText] = None


class TemplateSpec(Strict):
    type: NonEmpty
    owner: NonEmpty = None
    lifecycle: NonEmpty = None
    parameters: Annotated[Any, BeforeValidator(_parameters)] = None
    secrets: Secrets = None
    presentation: Presentation = None
    EXPERIMENTAL_recovery: Recovery = None
    formDecorators: list[FormDecorator] = None
    EXPERIMENTAL_formDecorators: list[FormDecorator] = None
    steps: list[Step]
    output: Output = None


TEMPLATE = KindSpec(
    kind="Template",
    api_versions=("scaffolder.backstage.io/v1beta3",),
    spec_model=TemplateSpec,
    relation_fields=(RelationField("owner", "Group", OWNED_BY),),
    processor="ScaffolderEntitiesProcessor",
)
