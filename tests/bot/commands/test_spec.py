from __future__ import annotations

from typing import Annotated

import pytest

from bot.commands.invocation import Invocation
from bot.commands.options import Kind
from bot.commands.registry import CommandRegistry, MissingOption, bind_arguments, parse_command_line
from bot.commands.reply import Reply
from bot.commands.spec import Opt, command
from bot.errors import UnknownCommand, UserError
from tests.support.sample_feature import sample_feature, typed


def test_the_signature_is_the_declaration() -> None:
    kinds = {p.name: (p.kind, p.required) for p in typed.params}
    assert kinds == {
        "count": (Kind.INTEGER, True),
        "wallet": (Kind.ADDRESS, True),
        "every": (Kind.DURATION, True),
        "mood": (Kind.CHOICE, False),
    }
    count = typed.param("count")
    assert count is not None and (count.min, count.max) == (1, 10)
    assert typed.usage() == "/typed <count> <wallet> <every> [mood]"


def test_unsupported_annotations_are_rejected_at_declaration() -> None:
    with pytest.raises(TypeError, match="float"):

        @command("bad", help="bad")
        async def bad(inv: Invocation, ratio: float) -> Reply:
            return Reply()


def test_help_longer_than_discord_allows_is_rejected() -> None:
    with pytest.raises(TypeError, match="1-100"):

        @command("wordy", help="x" * 101)
        async def wordy(inv: Invocation) -> Reply:
            return Reply()


def test_text_lines_parse_with_quotes_keywords_and_bot_suffix() -> None:
    registry = CommandRegistry(sample_feature.commands)
    parsed = parse_command_line(
        registry, '/typed@steward_bot 3 wallet=0xabc "1h 30m"', "steward_bot"
    )
    assert parsed is not None
    assert parsed.positional == ["3", "1h 30m"]
    assert parsed.keyword == {"wallet": "0xabc"}
    assert parse_command_line(registry, "/typed@other_bot 3", "steward_bot") is None
    assert parse_command_line(registry, "hello", None) is None
    with pytest.raises(UnknownCommand, match="/nothing"):
        parse_command_line(registry, "/nothing", None)
    with pytest.raises(UserError, match="quotes"):
        parse_command_line(registry, '/echo "unterminated', None)


def test_trailing_text_takes_the_rest_and_missing_options_are_named() -> None:
    registry = CommandRegistry(sample_feature.commands)
    echo = registry.get("echo")
    assert echo is not None
    assert bind_arguments(echo, ["hello", "there"], {}) == {"text": "hello there"}
    with pytest.raises(MissingOption) as missing:
        bind_arguments(typed, ["3"], {})
    assert missing.value.param.name == "wallet"
    with pytest.raises(UserError, match="Too many"):
        bind_arguments(typed, ["3", "0xabc", "1h", "calm", "extra"], {})


def test_choices_from_opt_on_a_plain_string() -> None:
    @command("pick", help="pick one")
    async def pick(inv: Invocation, colour: Annotated[str, Opt(choices=("red", "blue"))]) -> Reply:
        return Reply()

    colour = pick.param("colour")
    assert colour is not None and colour.kind == Kind.CHOICE
    assert colour.parse("RED", "console") == "red"


def test_a_text_option_marked_rest_takes_every_word_and_apostrophes_are_no_quotes() -> None:
    @command("note", help="note")
    async def note(
        inv: Invocation,
        topic: str,
        text: Annotated[str, Opt(rest=True)],
        number: int | None = None,
    ) -> Reply:
        return Reply()

    registry = CommandRegistry((note,))
    parsed = parse_command_line(registry, "/note risks We're late, it's fine number=3", None)
    assert parsed is not None
    bound = bind_arguments(note, parsed.positional, parsed.keyword)
    assert bound == {"topic": "risks", "text": "We're late, it's fine", "number": "3"}
    # Without rest, the text takes one word and the next goes to the following option.
    assert bind_arguments(typed, ["3", "0xabc", "1h"], {})["every"] == "1h"
