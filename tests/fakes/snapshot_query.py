"""A strict parser of the GraphQL subset the Snapshot hub's clients send, for the fake hub.

graphql-core is not in the environment, so this reads what GraphQL's grammar allows for one
query operation: `query Name($var: Type! = default) { alias: field(arg: value) { ... } }` with
string, number, boolean, null, enum, list, object and variable values, commas and `#` comments.
Fragments, directives, mutations and subscriptions are refused (the hub's clients need none),
as is anything malformed, with graphql-js's wording where the fake answers one ("Syntax Error:
...", "Variable \"$x\" is not defined."). What the fields mean is the fake's business.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<skip>[\s,\ufeff]+|\#[^\n]*)
    | (?P<string>"(?:[^"\\\n]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
    | (?P<punct>\.\.\.|[!$(){}\[\]:=@|&])
    """,
    re.X,
)


class QuerySyntaxError(ValueError):
    """The document is not one this parser accepts; `str()` is graphql-js-like wording."""


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass
class Field:
    name: str
    alias: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    selections: list[Field] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class Operation:
    name: str | None
    variables: dict[str, Any]  # name -> default (None when none given)
    selections: list[Field]


def parse(source: str) -> Operation:
    return _Parser(_tokens(source)).document()


def resolve_variables(value: Any, variables: dict[str, Any]) -> Any:
    """`value` with its variables replaced by what the request gave them."""
    if isinstance(value, Variable):
        if value.name not in variables:
            raise QuerySyntaxError(f'Variable "${value.name}" is not defined.')
        return variables[value.name]
    if isinstance(value, list):
        return [resolve_variables(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: resolve_variables(item, variables) for key, item in value.items()}
    return value


def _tokens(source: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise QuerySyntaxError(f"Syntax Error: Unexpected character: {source[position]!r}.")
        kind = match.lastgroup or ""
        if kind != "skip":
            found.append((kind, match.group()))
        position = match.end()
    return found


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("eof", "")

    def take(self, text: str | None = None, kind: str | None = None) -> str:
        token_kind, token = self.peek()
        if (text is not None and token != text) or (kind is not None and token_kind != kind):
            shown = "<EOF>" if token_kind == "eof" else f'"{token}"'
            wanted = f'"{text}"' if text is not None else str(kind).capitalize()
            raise QuerySyntaxError(f"Syntax Error: Expected {wanted}, found {shown}.")
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        if self.peek()[1] == text and self.peek()[0] in ("punct", "name"):
            self.position += 1
            return True
        return False

    def document(self) -> Operation:
        name, variables = None, {}
        if self.peek() == ("name", "query"):
            self.take("query")
            if self.peek()[0] == "name":
                name = self.take(kind="name")
            if self.accept("("):
                while not self.accept(")"):
                    self.take("$")
                    variable = self.take(kind="name")
                    self.take(":")
                    self.type_reference()
                    variables[variable] = self.value(const=True) if self.accept("=") else None
        elif self.peek()[0] == "name":
            raise QuerySyntaxError(f'Syntax Error: Unexpected Name "{self.peek()[1]}".')
        selections = self.selection_set()
        if self.peek()[0] != "eof":
            raise QuerySyntaxError("Syntax Error: only one operation per request here.")
        return Operation(name, variables, selections)

    def type_reference(self) -> None:
        if self.accept("["):
            self.type_reference()
            self.take("]")
        else:
            self.take(kind="name")
        self.accept("!")

    def selection_set(self) -> list[Field]:
        self.take("{")
        fields: list[Field] = []
        while not self.accept("}"):
            if self.peek()[1] in ("...", "@"):
                raise QuerySyntaxError("Syntax Error: fragments and directives are not supported.")
            fields.append(self.field())
        if not fields:
            raise QuerySyntaxError('Syntax Error: Expected Name, found "}".')
        return fields

    def field(self) -> Field:
        name, alias = self.take(kind="name"), None
        if self.accept(":"):
            alias, name = name, self.take(kind="name")
        arguments: dict[str, Any] = {}
        if self.accept("("):
            while not self.accept(")"):
                argument = self.take(kind="name")
                self.take(":")
                arguments[argument] = self.value(const=False)
        selections = self.selection_set() if self.peek()[1] == "{" else []
        return Field(name, alias, arguments, selections)

    def value(self, *, const: bool) -> Any:
        kind, token = self.peek()
        if token == "$" and not const:
            self.take("$")
            return Variable(self.take(kind="name"))
        if token == "[":
            self.take("[")
            items = []
            while not self.accept("]"):
                items.append(self.value(const=const))
            return items
        if token == "{":
            self.take("{")
            fields: dict[str, Any] = {}
            while not self.accept("}"):
                key = self.take(kind="name")
                self.take(":")
                fields[key] = self.value(const=const)
            return fields
        self.position += 1
        if kind == "string":
            return json.loads(token)
        if kind == "number":
            return float(token) if any(c in token for c in ".eE") else int(token)
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(token, token)
        shown = "<EOF>" if kind == "eof" else f'"{token}"'
        raise QuerySyntaxError(f"Syntax Error: Unexpected {shown}.")
