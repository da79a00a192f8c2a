"""Decisions read from who answers whom: an outcome label after an opener, a go-ahead nobody
objects to, a deferral of a question to the group, a steward's own reversal or rejection, an act
fixed for a date; and what must not count (a plain yes, a go-ahead someone objects to, a maybe,
a question). Every sentence here is invented for these tests: none comes from bench/eval/."""

from __future__ import annotations

import pytest

from summarizer.chat_closing import (
    asks_the_group,
    content_free,
    dated_act,
    goes_ahead,
    labels_an_outcome,
    objects,
    puts_off,
    steward_act,
)
from summarizer.chat_offline import summarize_chat_offline
from summarizer.schema import ChatSummary
from tests.summarizer.chat_support import Chat


def decisions(summary: ChatSummary) -> dict[str, str]:
    return {d.citations[0].quote: d.by for t in summary.topics for d in t.decisions}


@pytest.mark.parametrize(
    "sentence",
    [
        "Ok, decided: the faucet drips 5 tokens a day from Monday.",
        "OK, decision so nobody reopens it: the meetup stays in Porto only if the venue confirms.",
        "Bon, décision : on garde le prestataire actuel.",
        "Vale, acordado: el pago sale cada quincena.",
        "Final decision on the logo: the blue one.",
    ],
)
def test_an_outcome_label_after_an_opener(sentence: str) -> None:
    assert labels_an_outcome(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "ok, decided: are we doing this?",
        "we decided nothing yet, sadly",
        "the decision is hard: both options cost the same",
    ],
)
def test_no_label_no_outcome(sentence: str) -> None:
    assert not labels_an_outcome(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Do it: rotate the bot token tonight.",
        "Yes, post it.",
        "go ahead",
        "adelante.",
        "vas-y",
        "mach das",
        "procedi",
        "Let's do that.",
    ],
)
def test_a_go_ahead(sentence: str) -> None:
    assert goes_ahead(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "do it later maybe",
        "should we do it?",
        "I'd go ahead and ask the council first",
        "you can post it whenever",
    ],
)
def test_not_a_go_ahead(sentence: str) -> None:
    assert not goes_ahead(sentence)


def test_a_go_ahead_names_nothing_so_it_is_no_motion() -> None:
    assert content_free("Let's do that.")
    assert not content_free("Proposal: we rotate the signers every quarter.")


@pytest.mark.parametrize(
    "question",
    [
        "Should we freeze the faucet too?",
        "OK to publish?",
        "When do we reopen signups?",
        "¿Lo publicamos hoy?",
        "Sollen wir das Treffen verschieben?",
    ],
)
def test_a_question_to_the_group(question: str) -> None:
    assert asks_the_group(question)


@pytest.mark.parametrize(
    "question",
    ["Do we need the council to sign?", "What is the faucet limit?", "should we freeze it"],
)
def test_not_a_question_about_what_the_group_does(question: str) -> None:
    assert not asks_the_group(question)


def test_deferrals_and_objections() -> None:
    assert puts_off("Not tonight, and not before the audit is back.")
    assert puts_off("Noch nicht, erst nach dem Audit.")
    assert puts_off("todavía no")
    assert not puts_off("No, the faucet is fine as it is.")
    assert objects("wait, the signer is on holiday")
    assert objects("I disagree, this is rushed")
    assert not objects("waiting for the signer")


@pytest.mark.parametrize(
    "sentence",
    [
        "I'm reverting the Hexa approval until they show the budget.",
        "ok, merging, with the split the treasurer asked for",
        "OK, we pass on the second app for now and point them to the RFP.",
        "Los firmantes acordamos no tocar el tesoro hasta el cierre.",
        "Then we reopen signups at 10:00 UTC after one more check.",
    ],
)
def test_a_stewards_own_act(sentence: str) -> None:
    assert steward_act(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "if nobody objects I'm reverting it",
        "maybe we pass on it",
        "then we need to ask legal",
        "then we could wait a week",
        "merging now, CI is green",
        "are we passing on it?",
    ],
)
def test_not_an_act_of_ones_own(sentence: str) -> None:
    assert not steward_act(sentence)


def test_an_act_fixed_for_a_date() -> None:
    assert dated_act("v2.1 will be tagged October 6.")
    assert dated_act("The release must be signed by Nov 3 for the window to hold.")
    assert dated_act("El informe se publica el 15 de octubre.")
    assert not dated_act("it could be tagged October 6 if CI behaves")
    assert not dated_act("v2.1 was tagged last week")


def test_a_go_ahead_answering_someone_decides_unless_someone_objects() -> None:
    chat = Chat()
    proposal = chat.say("iva", "How about we split the grant into two milestones?")
    chat.say("bo", "works for me", reply=proposal)
    go = chat.say("cy", "Fine. Let's do that.", reply=proposal)
    assert decisions(summarize_chat_offline(chat.posts, "#grants")) == {"Let's do that.": "cy"}
    chat.say("dee", "wait, the first milestone has no deliverable yet", reply=go)
    assert decisions(summarize_chat_offline(chat.posts, "#grants")) == {}


def test_a_deferral_answers_a_question_to_the_group_a_plain_no_does_not() -> None:
    chat = Chat()
    chat.say("ann", "When do we reopen signups?")
    chat.say("ben", "Not before the spam filter is live.")
    chat.say("ann", "Should we lower the faucet limit?", minutes=30)
    chat.say("cal", "No, the limit is not what the bots exploit.")
    found = decisions(summarize_chat_offline(chat.posts, "#ops"))
    assert found == {"Not before the spam filter is live.": "ben"}


def sides_of(*replies: tuple[str, str]) -> dict[str, str]:
    chat = Chat()
    motion = chat.say("tess", "Proposal: we drop Node 18 support in the next SDK release.")
    for author, text in replies:
        chat.say(author, text, reply=motion)
    summary = summarize_chat_offline(chat.posts, "#sdk")
    return {h: p.stance for t in summary.topics for p in t.positions for h in p.holders}


def test_a_reported_vote_or_a_status_line_takes_no_side_ones_own_vote_does() -> None:
    found = sides_of(
        ("ci_bot", "❌ sdk/main #812 failed: test (node-18) — 2 failed, 640 passed."),
        ("joker", "lol node 18 itself voting against the proposal"),
        ("uma", "I'm voting against dropping Node 18, half our users are on it."),
        ("vic", "❌"),
    )
    assert "ci_bot" not in found and "joker" not in found
    assert found["uma"] == "against" and found["vic"] == "against"


def test_a_report_after_a_yes_is_not_quoted_as_the_yes() -> None:
    chat = Chat()
    motion = chat.say("ola", "Proposal: we pause the faucet until the bot wave is over.")
    chat.say("pim", "Agreed. Safe tx queued, need one more signer.", reply=motion)
    summary = summarize_chat_offline(chat.posts, "#ops")
    quotes = {c.quote for t in summary.topics for p in t.positions for c in p.citations}
    holders = {h: p.stance for t in summary.topics for p in t.positions for h in p.holders}
    assert holders["pim"] == "for"
    assert "Safe tx queued, need one more signer." not in quotes
