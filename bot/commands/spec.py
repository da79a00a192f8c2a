"""Declaring a command once: its name, typed options, who may run it, and how it replies.

A command is an async function whose signature is the declaration:

    @command("safe status", help="Owners, threshold and queue of a Safe")
    async def safe_status(inv: Invocation, safe: Address, chain: Chain | None = None) -> Reply:

Every front end builds its own command from the resulting `CommandSpec`. Annotations outside the
supported set are rejected when the module is imported, not when a member runs the command.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union

from bot.commands import options as opt
from bot.commands.caller import Role as Role
from bot.commands.options import Address, ChannelRef, Duration, Kind, MemberRef, Url, When
from bot.commands.reply import Reply

# (invocation, text typed so far) -> suggestions; the invocation is the command's own.
Autocomplete = Callable[..., Awaitable[Sequence[str]]]


@dataclass(frozen=True)
class Opt:
    """Extra facts about an option, given with `Annotated[T, Opt(...)]`."""

    description: str = ""
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    autocomplete: Autocomplete | None = None
    # A text option that takes every remaining word typed (console, Telegram): the options after
    # it are then given as name=value. For free text ("/draft edit summary We fund it").
    rest: bool = False


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    description: str
    required: bool
    default: Any = None
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    enum: type[Enum] | None = None
    autocomplete: Autocomplete | None = None
    rest: bool = False

    def parse(self, raw: object, platform: str) -> Any:
        match self.kind:
            case Kind.STRING:
                return opt.parse_string(self.name, raw, self.max_length)
            case Kind.INTEGER:
                return opt.parse_integer(self.name, raw, self.min, self.max)
            case Kind.BOOLEAN:
                return opt.parse_boolean(self.name, raw)
            case Kind.CHOICE:
                choice = opt.parse_choice(self.name, raw, self.choices)
                return self.enum(choice) if self.enum else choice
            case Kind.ADDRESS:
                return opt.parse_address(self.name, raw)
            case Kind.URL:
                return opt.parse_url(self.name, raw)
            case Kind.DURATION:
                return opt.parse_duration(self.name, raw)
            case Kind.TIME:
                return opt.parse_when(self.name, raw)
            case Kind.MEMBER:
                return opt.parse_member(self.name, raw, platform)
            case Kind.CHANNEL:
                return opt.parse_channel(self.name, raw, platform)

    def usage(self) -> str:
        return f"<{self.name}>" if self.required else f"[{self.name}]"


Handler = Callable[..., Awaitable[Reply]]

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_SIMPLE_KINDS: dict[Any, Kind] = {
    str: Kind.STRING,
    int: Kind.INTEGER,
    bool: Kind.BOOLEAN,
    Address: Kind.ADDRESS,
    Url: Kind.URL,
    Duration: Kind.DURATION,
    When: Kind.TIME,
    MemberRef: Kind.MEMBER,
    ChannelRef: Kind.CHANNEL,
}


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    params: tuple[Param, ...]
    handler: Handler
    requires: Role = Role.MEMBER
    private: bool = False
    # Declared slow: front ends acknowledge at once instead of waiting to see.
    slow: bool = False
    feature: str = "core"
    examples: tuple[str, ...] = field(default=())

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split())

    def usage(self) -> str:
        return " ".join([f"/{self.name}", *(p.usage() for p in self.params)])

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def command(
    name: str,
    *,
    help: str,
    requires: Role = Role.MEMBER,
    private: bool = False,
    slow: bool = False,
    examples: Sequence[str] = (),
) -> Callable[[Handler], CommandSpec]:
    """Turn an async handler into a `CommandSpec`; see the module docstring."""

    def decorate(handler: Handler) -> CommandSpec:
        words = name.split()
        if not 1 <= len(words) <= 3 or not all(_NAME.match(w) for w in words):
            raise TypeError(f"command name {name!r}: 1-3 lowercase words of at most 32 characters")
        if not 1 <= len(help) <= 100:
            raise TypeError(f"command {name!r}: help must be 1-100 characters (Discord's limit)")
        return CommandSpec(
            name=name,
            description=help,
            params=_params_from_signature(name, handler),
            handler=handler,
            requires=requires,
            private=private,
            slow=slow,
            feature=handler.__module__.split(".")[1]
            if handler.__module__.startswith("cogs.")
            else "core",
            examples=tuple(examples),
        )

    return decorate


def _params_from_signature(command_name: str, handler: Handler) -> tuple[Param, ...]:
    signature = inspect.signature(handler)
    hints = typing.get_type_hints(handler, include_extras=True)
    params: list[Param] = []
    for index, parameter in enumerate(signature.parameters.values()):
        if index == 0:
            continue  # the Invocation
        if not _NAME.match(parameter.name):
            raise TypeError(f"/{command_name}: option name {parameter.name!r} is not allowed")
        params.append(_param(command_name, parameter, hints[parameter.name]))
    seen_optional = False
    for param in params:
        if param.required and seen_optional:
            raise TypeError(
                f"/{command_name}: required option {param.name!r} after an optional one"
            )
        seen_optional = seen_optional or not param.required
    if len(params) > 25:
        raise TypeError(f"/{command_name}: at most 25 options")
    return tuple(params)


def _param(command_name: str, parameter: inspect.Parameter, hint: Any) -> Param:
    extra = Opt()
    if typing.get_origin(hint) is typing.Annotated:
        hint, *metadata = typing.get_args(hint)
        extra = next((m for m in metadata if isinstance(m, Opt)), extra)
    required = parameter.default is inspect.Parameter.empty
    if typing.get_origin(hint) in (Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"/{command_name}: option {parameter.name!r} has an unsupported union")
        hint = members[0]
    default = None if required else parameter.default
    description = extra.description or parameter.name.replace("_", " ")
    common: dict[str, Any] = {
        "name": parameter.name,
        "description": description,
        "required": required,
        "default": default,
        "autocomplete": extra.autocomplete,
    }
    if isinstance(hint, type) and issubclass(hint, Enum):
        choices = tuple(str(member.value) for member in hint)
        return Param(kind=Kind.CHOICE, choices=choices, enum=hint, **common)
    if hint is str and extra.choices:
        return Param(kind=Kind.CHOICE, choices=extra.choices, **common)
    kind = _SIMPLE_KINDS.get(hint)
    if kind is None:
        raise TypeError(
            f"/{command_name}: option {parameter.name!r} has type {hint!r}; use str, int, bool, an "
            "Enum, Address, Url, Duration, When, MemberRef or ChannelRef"
        )
    rest = extra.rest and kind == Kind.STRING
    return Param(
        kind=kind, min=extra.min, max=extra.max, max_length=extra.max_length, rest=rest, **common
    )
