"""Tasks taken on by speech act and by the turn answered: doing it now, an offer with a time, an
assignment, a line of an assignment list, a reply to a call for hands; and what must not count (a
question, a plain refusal, "looking good now", an airdrop claim). Every sentence is invented for
these tests: none comes from bench/eval/."""

from __future__ import annotations

import pytest

from summarizer.chat_commits import (
    assigned_to,
    calls_for_hands,
    doing_now,
    listed_for,
    offers_with_a_time,
    takes_a_slot,
)
from summarizer.chat_offline import summarize_chat_offline
from summarizer.schema import ChatSummary
from tests.summarizer.chat_support import Chat


def tasks(summary: ChatSummary) -> dict[str, str]:
    return {a.citations[0].quote: a.owner for t in summary.topics for a in t.action_items}


@pytest.mark.parametrize(
    "sentence",
    [
        "Restarting the indexer now.",
        "I'm digging into it now.",
        "We're on it.",
        "ok, I'm pinging the signers",
        "estoy revisando los logs",
        "je regarde ça",
        "ich kümmere mich drum",
    ],
)
def test_doing_it_now(sentence: str) -> None:
    assert doing_now(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Looking good now.",
        "Nothing happening now.",
        "I'm thinking about it now",
        "are you restarting it now?",
        "It's working now.",
    ],
)
def test_not_doing_anything(sentence: str) -> None:
    assert not doing_now(sentence)


def test_an_offer_names_when() -> None:
    assert offers_with_a_time("I can have the fixtures in by Friday.")
    assert offers_with_a_time("I can collect the feedback, will post it here tomorrow.")
    assert not offers_with_a_time("I can see why people are upset.")
    assert not offers_with_a_time("I can have it by Friday?")


def test_assignments() -> None:
    assert assigned_to("Assigning the translation to @lu, she knows the glossary.") == "lu"
    assert assigned_to("Tarea asignada a @pepe") == "pepe"
    assert assigned_to("I assigned myself to the review") is None
    message = "Split:\n@lu translate the post\n@mo check the numbers"
    assert listed_for("@mo check the numbers", message) == "mo"
    assert listed_for("@mo thanks!", "@mo thanks!") is None  # one line: no list


def test_calls_for_hands_and_what_answers_one() -> None:
    assert calls_for_hands("We need cover for the 3rd and 4th, please claim slots below.")
    assert calls_for_hands("¿Quién puede moderar el AMA?")
    assert not calls_for_hands('my claim page says "not eligible", anyone know why?')
    assert takes_a_slot("Put me down for the 4th.")
    assert takes_a_slot("I can't do the 3rd, but the 4th is mine.")
    assert not takes_a_slot("I can't, sorry.")
    assert not takes_a_slot("what hours are those?")


def test_replies_to_a_call_for_hands_are_tasks_of_who_took_them() -> None:
    chat = Chat()
    call = chat.say("kai", "Conference booth: need cover for Saturday and Sunday, claim a slot.")
    chat.say("lin", "Saturday is mine.", reply=call)
    chat.say("max", "I can't, sorry.", reply=call)
    chat.say("ned", "what hours are those?", reply=call)
    assert tasks(summarize_chat_offline(chat.posts, "#events")) == {"Saturday is mine.": "lin"}


def test_a_list_of_assignments_gives_each_line_its_owner() -> None:
    chat = Chat()
    chat.say("ivy", "Who's around? The faucet is drained.")
    chat.say("ivy", "Plan:\n@lu refill the faucet\n@mo rate-limit by IP", minutes=2)
    found = tasks(summarize_chat_offline(chat.posts, "#ops"))
    assert found == {"@lu refill the faucet": "lu", "@mo rate-limit by IP": "mo"}
