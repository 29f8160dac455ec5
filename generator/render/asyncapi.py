"""AsyncAPI 2.x and 3.x definitions as a reader sees them: channels, what is sent or
received on each, and the messages with their payload schemas.

The two versions disagree on the nouns: 2.x hangs `publish`/`subscribe` operations off
each channel, 3.x keeps `operations` apart (`send`/`receive`) pointing at channels. Both
become channels with their operations underneath, which is how people look them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from generator.render.apidoc import (
    Anchors,
    Resolver,
    SchemaNode,
    as_dict,
    as_list,
    render_markdown,
    text,
)
from generator.render.openapi import Parameter, Server


@dataclass(frozen=True)
class Message:
    name: str
    anchor: str
    title: str = ""
    summary: str = ""
    description: Markup = Markup("")
    content_type: str = ""
    payload: SchemaNode | None = None
    headers: SchemaNode | None = None


@dataclass(frozen=True)
class AsyncOperation:
    """`publish`/`subscribe` (2.x) or `send`/`receive` (3.x) on one channel."""

    action: str
    anchor: str
    operation_id: str = ""
    summary: str = ""
    description: Markup = Markup("")
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Channel:
    name: str
    anchor: str
    address: str = ""
    description: Markup = Markup("")
    parameters: tuple[Parameter, ...] = ()
    operations: tuple[AsyncOperation, ...] = ()
    #: Messages the channel declares that no operation uses (3.x).
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class AsyncApiView:
    spec_version: str
    title: str
    version: str
    description: Markup
    servers: tuple[Server, ...]
    channels: tuple[Channel, ...]
    notes: tuple[str, ...]


def read(document: dict[str, Any], anchors: Anchors) -> AsyncApiView:
    """The view of a parsed AsyncAPI document, either major version."""
    resolver = Resolver(document)
    version = text(document.get("asyncapi"))
    info = as_dict(document.get("info"))
    if version.startswith("2"):
        channels = _channels_v2(document, resolver, anchors)
    else:
        channels = _channels_v3(document, resolver, anchors)
    notes = list(resolver.notes)
    if not channels:
        notes.append("The definition lists no channels.")
    if resolver.budget <= 0:
        notes.append("Some schemas were too large to show in full; the download has everything.")
    return AsyncApiView(
        spec_version=version,
        title=text(info.get("title")),
        version=text(info.get("version")),
        description=render_markdown(info.get("description")),
        servers=_servers(document),
        channels=tuple(channels),
        notes=tuple(notes),
    )


def _servers(document: dict[str, Any]) -> tuple[Server, ...]:
    """Servers are a map by name in both versions: 2.x gives a `url`, 3.x a `host`."""
    servers = []
    for name, server in as_dict(document.get("servers")).items():
        server = as_dict(server)
        where = text(server.get("url")) or text(server.get("host")) + text(server.get("pathname"))
        protocol = text(server.get("protocol"))
        label = f"{name}: {where}" + (f" ({protocol})" if protocol else "")
        servers.append(Server(label, render_markdown(server.get("description"))))
    return tuple(servers)


def _channels_v2(document, resolver: Resolver, anchors: Anchors) -> list[Channel]:
    channels = []
    for name, channel in as_dict(document.get("channels")).items():
        channel = as_dict(resolver.follow(channel))
        operations = tuple(
            _operation_v2(action, as_dict(channel[action]), resolver, anchors, str(name))
            for action in ("publish", "subscribe")
            if isinstance(channel.get(action), dict)
        )
        channels.append(Channel(
            name=str(name),
            anchor=anchors("channel", str(name)),
            description=render_markdown(channel.get("description")),
            parameters=_parameters(channel.get("parameters"), resolver),
            operations=operations,
        ))
    return channels


def _operation_v2(
    action: str, operation: dict[str, Any], resolver: Resolver, anchors: Anchors, channel: str
) -> AsyncOperation:
    message = resolver.follow(operation.get("message"))
    options = as_list(as_dict(message).get("oneOf"))
    if not options and isinstance(message, dict):
        options = [message]
    messages = tuple(_message(option, resolver, anchors, "") for option in options)
    operation_id = text(operation.get("operationId"))
    return AsyncOperation(
        action=action,
        anchor=anchors("op", operation_id or f"{action} {channel}"),
        operation_id=operation_id,
        summary=text(operation.get("summary")),
        description=render_markdown(operation.get("description")),
        messages=messages,
    )


def _channels_v3(document, resolver: Resolver, anchors: Anchors) -> list[Channel]:
    """Channels with the operations that point at them (by `$ref`), in document order."""
    by_channel: dict[str, list[AsyncOperation]] = {}
    used: dict[str, set[str]] = {}
    for operation_id, operation in as_dict(document.get("operations")).items():
        operation = as_dict(resolver.follow(operation))
        channel_ref = text(as_dict(operation.get("channel")).get("$ref"))
        key = channel_ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        message_refs = [
            text(as_dict(ref).get("$ref")) for ref in as_list(operation.get("messages"))
        ]
        used.setdefault(key, set()).update(message_refs)
        messages = tuple(
            _message(resolver.lookup(ref) if ref else None, resolver, anchors,
                     ref.rsplit("/", 1)[-1])
            for ref in message_refs
        )
        by_channel.setdefault(key, []).append(AsyncOperation(
            action=text(operation.get("action")),
            anchor=anchors("op", str(operation_id)),
            operation_id=str(operation_id),
            summary=text(operation.get("summary")) or text(operation.get("title")),
            description=render_markdown(operation.get("description")),
            messages=messages,
        ))
    channels = []
    for key, channel in as_dict(document.get("channels")).items():
        channel = as_dict(resolver.follow(channel))
        pointer = "#/channels/" + str(key).replace("~", "~0").replace("/", "~1")
        unused = tuple(
            _message(message, resolver, anchors, str(name))
            for name, message in as_dict(channel.get("messages")).items()
            if f"{pointer}/messages/{name}" not in used.get(str(key), set())
        )
        channels.append(Channel(
            name=str(key),
            anchor=anchors("channel", str(key)),
            address=text(channel.get("address")),
            description=render_markdown(channel.get("description")),
            parameters=_parameters(channel.get("parameters"), resolver),
            operations=tuple(by_channel.get(str(key), ())),
            messages=unused,
        ))
    return channels


def _message(value: Any, resolver: Resolver, anchors: Anchors, fallback: str) -> Message:
    """A message with its `$ref`s followed; its name from `name`, `title` or the key."""
    ref = text(as_dict(value).get("$ref"))
    message = as_dict(resolver.follow(value))
    name = (text(message.get("name")) or (ref.rsplit("/", 1)[-1] if ref else "")
            or fallback or "message")
    headers = message.get("headers")
    return Message(
        name=name,
        anchor=anchors("message", name),
        title=text(message.get("title")),
        summary=text(message.get("summary")),
        description=render_markdown(message.get("description")),
        content_type=text(message.get("contentType")),
        payload=resolver.schema(_schema_of(message.get("payload"))),
        headers=resolver.schema(_schema_of(headers)) if headers else None,
    )


def _schema_of(value: Any) -> Any:
    """3.x allows a multi-format schema object (`schemaFormat` + `schema`)."""
    if isinstance(value, dict) and "schemaFormat" in value and "schema" in value:
        return value["schema"]
    return value


def _parameters(value: Any, resolver: Resolver) -> tuple[Parameter, ...]:
    parameters = []
    for name, parameter in as_dict(value).items():
        parameter = as_dict(resolver.follow(parameter))
        schema = resolver.schema(parameter.get("schema"), str(name))
        kind = schema.type if schema else "string"
        enum = [text(item) for item in as_list(parameter.get("enum"))]
        parameters.append(Parameter(
            name=str(name),
            location=text(parameter.get("location")) or "channel",
            required=True,
            type=kind + (f" (one of {', '.join(enum)})" if enum else ""),
            description=render_markdown(parameter.get("description")),
        ))
    return tuple(parameters)
