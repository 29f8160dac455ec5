"""A run's values and secrets as a `workflow_dispatch` job hands them over.

`workflows.py` turns a template's parameters into workflow inputs and secret variables;
this is the way back, inside the job: parameter values from `toJSON(inputs)` (input ids,
the packed JSON input, choices and numbers sent as text) and task secrets from
`PLAYBILL_SECRET_<input id>` variables and the job's token.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from generator.scaffold.parameters import Field, coerce_values, parameter_fields
from generator.scaffold.template import Template
from generator.scaffold.workflows import PACKED_INPUT, SECRET_ENV_PREFIX, TOKEN_ENV, input_ids


def values_from_inputs(template: Template, inputs: dict[str, Any]) -> dict[str, Any]:
    """Parameter values from a run's `toJSON(inputs)`: the inverse of `plan_inputs`.

    Keys are input ids (or parameter names, so a plain values object works too); the
    packed JSON input is unpacked; strings are turned back into the parameter's type
    (GitHub sends choices, JSON fields and `gh -f` values as strings); empty optional
    strings are dropped so that the template's defaults apply.
    """
    fields = {f.name: f for f in parameter_fields(template)}
    by_id = {input_id: name for name, input_id in input_ids(fields).items()}
    values: dict[str, Any] = {}
    for key, raw in inputs.items():
        if key == PACKED_INPUT and key not in fields:
            values.update(_unpack(raw))
            continue
        name = key if key in fields else by_id.get(key, key)
        values[name] = raw
    result = {}
    for name, raw in values.items():
        field = fields.get(name)
        if raw == "" and not (field and field.required):
            continue
        result[name] = _choice_value(field, raw)
    return coerce_values(template, result)


def json_object(text: str, where: str) -> dict[str, Any]:
    """`text` as a JSON object; a ValueError naming `where` otherwise."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{where} is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where} must hold a JSON object")
    return data


def secrets_from_env(template: Template, environ: Mapping[str, str]) -> dict[str, str]:
    """Secret parameters from `PLAYBILL_SECRET_<input id>` variables, by parameter name."""
    ids = input_ids(f.name for f in parameter_fields(template))
    by_id = {input_id: name for name, input_id in ids.items()}
    secrets = {}
    for key, value in environ.items():
        if key.startswith(SECRET_ENV_PREFIX) and value:
            suffix = key[len(SECRET_ENV_PREFIX):]
            secrets[by_id.get(suffix, suffix)] = value
    return secrets


def task_secrets(template: Template, environ: Mapping[str, str], from_env: bool,
                 values: dict[str, Any]) -> dict[str, str]:
    """Task secrets: secret fields from PLAYBILL_SECRET_* variables (when `from_env`), and
    the Git host token under the key a RepoUrlPicker asks for
    (`requestUserCredentials.secretsKey`).

    Password-widget fields are form values in Backstage (only `ui:field: Secret` is kept
    out of parameters), so those are put into `values` too, and masked as secrets.
    """
    secrets: dict[str, str] = {}
    fields = {f.name: f for f in parameter_fields(template)}
    if from_env:
        secrets.update(secrets_from_env(template, environ))
        for name, value in secrets.items():
            field = fields.get(name)
            if field is not None and field.ui.get("ui:field") != "Secret":
                values.setdefault(name, value)
    token = environ.get(TOKEN_ENV)
    for field in fields.values():
        options = field.ui.get("ui:options") or {}
        request = options.get("requestUserCredentials") if isinstance(options, dict) else None
        key = request.get("secretsKey") if isinstance(request, dict) else None
        if token and isinstance(key, str):
            secrets.setdefault(key, token)
    return secrets


def _choice_value(field: Field | None, raw: Any) -> Any:
    """A choice's text back to its enum value (`"3"` to 3 when the enum holds numbers)."""
    if field is not None and isinstance(raw, str):
        for value, text in zip(field.enum, field.choices):
            if text == raw:
                return value
    return raw


def _unpack(raw: Any) -> dict[str, Any]:
    """The packed input: an object already, empty, or JSON text holding one."""
    if isinstance(raw, dict):
        return raw
    if not raw:
        return {}
    return json_object(raw, f"input {PACKED_INPUT!r}")
