"""The set of commands every front end exposes, and the text syntax of console and Telegram."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.commands.options import shown
from bot.commands.spec import CommandSpec, Param, Role
from bot.errors import InvalidOption, UnknownCommand, UserError


class MissingOption(InvalidOption):
    """A required option was not given; front ends may offer its choices instead."""

    def __init__(self, param: Param, usage: str) -> None:
        super().__init__(param.name, f"is required. Usage: `{usage}`")
        self.param = param


class CommandRegistry:
    def __init__(self, specs: Iterable[CommandSpec] = ()) -> None:
        self._by_name: dict[str, CommandSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: CommandSpec) -> None:
        if spec.name in self._by_name:
            raise ValueError(f"command /{spec.name} is declared twice")
        if spec.path[0] in self._by_name or any(
            name.startswith(spec.name + " ") for name in self._by_name
        ):
            raise ValueError(f"/{spec.name} clashes with a command group of the same name")
        self._by_name[spec.name] = spec

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(sorted(self._by_name.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> CommandSpec | None:
        return self._by_name.get(name)

    def top_level_names(self) -> list[str]:
        return sorted({spec.path[0] for spec in self})

    def group_members(self, prefix: str) -> list[CommandSpec]:
        return [spec for spec in self if spec.name.startswith(prefix + " ")]

    def visible_to(self, role: Role) -> list[CommandSpec]:
        return [spec for spec in self if spec.requires <= role]


@dataclass
class ParsedLine:
    spec: CommandSpec
    positional: list[str] = field(default_factory=list)
    keyword: dict[str, str] = field(default_factory=dict)


def parse_command_line(
    registry: CommandRegistry, text: str, bot_username: str | None = None
) -> ParsedLine | None:
    """Parse "/name [sub] args" as typed in the console or Telegram.

    Returns None when the line is not a command for this bot (no slash, or "/cmd@otherbot").
    Values with spaces are quoted ("a b"; an apostrophe is no quote); an option can also be given
    as name=value.
    """
    text = text.strip()
    if not text.startswith("/"):
        return None
    tokens = _tokens(text[1:])
    if not tokens:
        return None
    head, _, addressee = tokens[0].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None
    tokens[0] = head.lower()
    for depth in (3, 2, 1):
        spec = registry.get(" ".join(t.lower() for t in tokens[:depth]))
        if spec is not None and len(tokens) >= depth:
            return _split_arguments(spec, tokens[depth:])
    prefix = tokens[0]
    members = registry.group_members(prefix)
    if members:
        names = ", ".join(f"/{m.name}" for m in members)
        raise UnknownCommand(f"/{prefix} needs a subcommand: {names}")
    raise UnknownCommand(f"There is no /{shown(prefix)[1:-1]} command. Try /help.")


def quote_value(value: str) -> str:
    """A value as a command line carries it (buttons, menus, forms): in double quotes, with
    backslashes and double quotes escaped, so `_tokens` reads back exactly `value`."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tokens(text: str) -> list[str]:
    """Words, "double-quoted" or 'single-quoted' values, as a shell splits them, except that an
    apostrophe inside a word ("we're", "O'Brien") is no quote: a single quote opens a value only
    at a word's start and closes it only at a word's end."""
    tokens: list[str] = []
    word: list[str] | None = None
    at = 0
    while at < len(text):
        char = text[at]
        if char.isspace():
            if word is not None:
                tokens.append("".join(word))
                word = None
            at += 1
            continue
        word = [] if word is None else word
        if char == "\\" and at + 1 < len(text):
            word.append(text[at + 1])
            at += 2
        elif char == '"':
            at = _quoted(text, at, word)
        elif char == "'" and not word and _single_closes(text, at):
            end = _single_closes(text, at)
            word.append(text[at + 1 : end])
            at = end + 1
        else:
            word.append(char)
            at += 1
    if word is not None:
        tokens.append("".join(word))
    return tokens


def _quoted(text: str, start: int, word: list[str]) -> int:
    at = start + 1
    while at < len(text):
        char = text[at]
        if char == "\\" and at + 1 < len(text) and text[at + 1] in '"\\':
            word.append(text[at + 1])
            at += 2
        elif char == '"':
            return at + 1
        else:
            word.append(char)
            at += 1
    raise UserError("Could not read that command: No closing quotation (check your quotes)")


def _single_closes(text: str, start: int) -> int:
    """Where the single-quoted value opened at `start` ends (0: it does not, so no quote)."""
    at = text.find("'", start + 1)
    while at != -1:
        if at + 1 == len(text) or text[at + 1].isspace():
            return at
        at = text.find("'", at + 1)
    return 0


def _split_arguments(spec: CommandSpec, tokens: list[str]) -> ParsedLine:
    parsed = ParsedLine(spec)
    names = {p.name for p in spec.params}
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep and key in names:
            parsed.keyword[key] = value
        else:
            parsed.positional.append(token)
    return parsed


def bind_arguments(
    spec: CommandSpec, positional: list[str], keyword: dict[str, object]
) -> dict[str, object]:
    """Match positional and name=value tokens to options; a trailing text option takes the rest."""
    bound: dict[str, object] = {}
    remaining = list(positional)
    free = [p for p in spec.params if p.name not in keyword]
    for index, param in enumerate(free):
        if not remaining:
            break
        if param.rest or (index == len(free) - 1 and _takes_rest(param)):
            bound[param.name] = " ".join(remaining)
            remaining = []
            break
        bound[param.name] = remaining.pop(0)
    if remaining:
        raise UserError(f"Too many values ({shown(' '.join(remaining))}). Usage: `{spec.usage()}`")
    bound.update(keyword)
    for param in spec.params:
        if param.required and param.name not in bound:
            raise MissingOption(param, spec.usage())
    return bound


def _takes_rest(param: Param) -> bool:
    return param.kind == "string"
