"""Decisions however people close a discussion, and questions answered without the reply
button. Every sentence here is invented for these tests: none comes from bench/eval/."""

from __future__ import annotations

import pytest

from summarizer.chat_offline import summarize_chat_offline
from summarizer.chat_settled import settles
from summarizer.schema import ChatSummary
from tests.summarizer.chat_support import Chat

SETTLED = [
    # English, short and in passing
    "ok, Lisbon it is 🎉",
    "approved ✅",
    "The grants top-up is approved.",
    "motion carries, 7 for and 2 against",
    "alright, that settles it: no airdrop for bots",
    "final call: the stipend stays at 2k a month",
    "we're going with the Safe module, not the custom contract",
    "so we're sticking with Tuesdays 🙌",
    "the hackathon budget was rejected",
    "it's official, the snapshot space moves to the new ENS name",
    "mint fee is off the table",
    "the retro call is set for Friday 16:00 UTC",
    "no second audit then",
    "we picked Chainlink for the oracle",
    "done deal, rebrand goes ahead",
    "it's a go for the testnet faucet",
    "we have consensus on the 3-month pilot",
    "ratified by the council",
    "proposal 42 passed with 91%",
    "from now on the quorum is 4%",
    "the AMA will be on Thursday, 15:00 UTC",
    "closing this: the logo contest is cancelled, we keep the old one",
    "it's a no from the council on the mint extension",
    "let's do Friday then",
    "the meetup takes place on June 20 in Bogotá",
    "the council approved the audit budget this morning",
    "the signers just signed off on the rotation",
    "we locked in 0.25% for the swap fee",
    "demo day confirmed for Oct 9 👀",
    "k, going with the 3-of-5 setup",
    "settled then, no token launch",
    "that's a yes from us on the booth",
    "On behalf of the council: the emergency pause is lifted.",
    "we ship the new staking page on Monday",
    # Spanish
    "Queda aprobado el presupuesto del meetup.",
    "vamos con la opción B entonces",
    "listo, nos quedamos con Córdoba",
    "no vamos a renovar el contrato con la agencia",
    "será en Medellín, el 12 de septiembre",
    # Portuguese
    "Fica decidido: o hackathon é em Porto Alegre.",
    "fechado, vamos com a proposta da Ana",
    "batemos o martelo, sem taxa de saque",
    "fica assim: reunião às quintas",
    # French
    "c'est acté, on part sur la version 2",
    "La proposition est adoptée.",
    "on garde le quorum à 4%",
    "ça sera le 14 mai à Lyon",
    # German
    "Beschlossen: das Budget bleibt bei 50k.",
    "es bleibt bei 2% Gebühr",
    "wir nehmen Variante A",
    "Das Treffen findet am 3. Juni in Berlin statt.",
    "ab sofort gilt das neue Quorum",
    # Italian
    "Il budget è approvato 👍",
    "andiamo con giovedì alle 18",
    "abbiamo deciso di non rinnovare il grant",
    "sarà a Milano, il 5 ottobre",
]

NOT_SETTLED = [
    # leanings and hedges
    "leaning towards Lisbon tbh",
    "probably going with the Safe module",
    "I think Lisbon it is",
    "creo que vamos con la opción B",
    "peut-être qu'on part sur la version 2",
    "vielleicht nehmen wir Variante A",
    "forse andiamo con giovedì",
    "acho que fica decidido amanhã",
    "we could go with Chainlink",
    "then Porto it is, fine by me",
    "vamos con la B, para mí está bien",
    "i hope it will be on Friday",
    # polls to come, conditions, questions
    "poll goes up tomorrow, then we decide",
    "let's vote on it next week",
    "if the audit is clean, we're going with v2",
    "si el presupuesto alcanza, vamos con Córdoba",
    "the AMA would be on Thursday if Sofia can make it",
    "is the grants top-up approved?",
    "will it be on Thursday?",
    # reported from elsewhere, habits, the past
    "apparently Aave's proposal passed yesterday",
    "Uniswap approved the fee switch",
    "the docs say the reward will be 5% but that's old",
    "we usually go with whoever is cheapest",
    "the old proposal was rejected last year",
    "Gnosis approved their fee switch last week",
    # one's own plan, one's own transaction or pull request, a test
    "I'll go with the blue logo for my slides",
    "going with the dark theme for my own dashboard",
    "approved the PR, merging",
    "my tx got confirmed after 20 min",
    "the deposit was confirmed, thanks",
    "CI passed on main",
    "my grant application was rejected lol",
    "the deadline passed already",
    # no outcome at all
    "that's just how it is",
    "this is what it is",
    "we're doing great this month",
]


@pytest.mark.parametrize("sentence", SETTLED)
def test_an_outcome_is_recognised_however_it_is_written(sentence: str) -> None:
    assert settles(sentence)


@pytest.mark.parametrize("sentence", NOT_SETTLED)
def test_a_leaning_a_condition_a_report_or_a_plan_settles_nothing(sentence: str) -> None:
    assert not settles(sentence)


def decided(summary: ChatSummary) -> dict[str, str]:
    return {d.citations[0].post_id: d.by for t in summary.topics for d in t.decisions}


def open_questions(summary: ChatSummary) -> set[str]:
    return {q.citations[0].post_id for t in summary.topics for q in t.open_questions}


def test_decisions_said_in_passing_in_a_debate_are_found_with_their_author() -> None:
    chat = Chat()
    chat.say("mara", "Proposal: we host the autumn meetup in Lisbon instead of Porto.")
    chat.say("teo", "+1, flights to Lisbon are way cheaper for most of us")
    chat.say("ines", "Porto venue is already half booked though")
    chat.say("teo", "the half booking is refundable until Friday")
    closed = chat.say("mara", "ok, Lisbon it is 🎉 thanks all")
    summary = summarize_chat_offline(chat.posts, "#events")
    assert decided(summary) == {closed: "mara"}


def test_the_motion_author_closing_on_its_terms_is_a_decision_only_after_a_debate() -> None:
    chat = Chat()
    motion = chat.say("bo", "I'd like to propose we move the delegate call to Thursday evenings.")
    early = chat.say("bo", "ok so Thursday evenings for the delegate call then", minutes=1)
    chat.say("kit", "Thursday evening clashes with the grants sync for me", minutes=4)
    chat.say("lia", "works for me, Tuesdays were always half empty", minutes=2)
    chat.say("kit", "fine, I can shift the grants sync", minutes=3)
    closed = chat.say("bo", "alright, Thursday evenings for the delegate call", minutes=2)
    summary = summarize_chat_offline(chat.posts, "#delegates")
    by = decided(summary)
    assert by.get(closed) == "bo"
    assert early not in by, "before anyone spoke, restating the motion decides nothing"
    assert motion not in by


def test_someone_elses_restatement_and_a_leaning_are_no_decision() -> None:
    chat = Chat()
    chat.say("bo", "I'd like to propose we move the delegate call to Thursday evenings.")
    chat.say("kit", "Thursday evening clashes with the grants sync for me", minutes=4)
    chat.say("lia", "works for me, Tuesdays were always half empty", minutes=2)
    others = chat.say("kit", "ok so Thursday evenings for the delegate call then", minutes=2)
    leaning = chat.say("bo", "leaning towards Thursday evenings then, poll tomorrow", minutes=2)
    summary = summarize_chat_offline(chat.posts, "#delegates")
    assert decided(summary) == {}, (others, leaning)


def test_outcomes_in_other_languages_close_a_discussion() -> None:
    chat = Chat()
    chat.say("vale", "¿Hacemos el meetup en Rosario o en Córdoba?")
    chat.say("nico", "Córdoba tiene más gente de la comunidad")
    es = chat.say("vale", "listo, nos quedamos con Córdoba 🙌")
    chat.say("anne", "Pour le quorum, 4% ou 5% ?", minutes=60)
    chat.say("luc", "5% c'est trop haut vu la participation actuelle")
    fr = chat.say("anne", "d'accord, on garde le quorum à 4%")
    chat.say("jonas", "Budget für den Workshop: 40k oder 50k?", minutes=60)
    chat.say("mia", "50k reicht locker, 40k wird eng")
    de = chat.say("jonas", "Beschlossen: das Budget bleibt bei 50k.")
    summary = summarize_chat_offline(chat.posts, "#community")
    by = decided(summary)
    assert by.get(es) == "vale"
    assert by.get(fr) == "anne"
    assert by.get(de) == "jonas"


def test_an_own_plan_stays_an_action_item() -> None:
    chat = Chat()
    chat.say("ari", "the slides for the call need a refresh")
    plan = chat.say("ari", "I'll go with the blue template and send them tonight")
    summary = summarize_chat_offline(chat.posts, "#ops")
    assert plan not in decided(summary)
    owners = {a.citations[0].post_id: a.owner for t in summary.topics for a in t.action_items}
    assert owners.get(plan) == "ari"


def test_the_next_word_of_someone_else_answers_a_question_without_a_reply() -> None:
    chat = Chat()
    asked = chat.say("sol", "how long is the unbonding period on the new chain?", minutes=1)
    chat.say("dev", "21 days, same as before", minutes=9)
    summary = summarize_chat_offline(chat.posts, "#staking")
    assert asked not in open_questions(summary)


def test_an_answer_after_another_question_still_answers() -> None:
    chat = Chat()
    asked = chat.say("eva", "is the multisig rotation happening this week?")
    chat.say("raf", "which multisig, the ops one?", minutes=3)
    chat.say("eva", "the ops multisig yes", minutes=2)
    chat.say("raf", "yes, Thursday, the new signer keys are ready", minutes=20)
    summary = summarize_chat_offline(chat.posts, "#ops")
    assert asked not in open_questions(summary)


def test_a_question_met_only_by_another_question_or_silence_stays_open() -> None:
    chat = Chat()
    countered = chat.say("pim", "does the bridge support the new stablecoin yet?")
    chat.say("jo", "does anyone even use that stablecoin on the bridge?", minutes=4)
    silence = chat.say(
        "uma", "has the foundation published the Q3 transparency report?", minutes=90
    )
    chat.say("uma", "the Q2 one came out in August", minutes=1)
    summary = summarize_chat_offline(chat.posts, "#general")
    shown = open_questions(summary)
    assert countered in shown
    assert silence in shown


def test_a_word_said_hours_later_answers_nothing() -> None:
    chat = Chat()
    asked = chat.say("ren", "will the governance forum migrate to the new domain?")
    chat.say("ren", "the old links would break", minutes=1)
    chat.say("kai", "the forum theme looks great on mobile btw", minutes=180)
    summary = summarize_chat_offline(chat.posts, "#forum")
    assert asked in open_questions(summary)


def test_the_person_asked_answering_anywhere_within_the_hour_answers() -> None:
    chat = Chat()
    asked = chat.say("olu", "@nadia how much gas budget does the relayer get this month?")
    chat.say("bea", "unrelated: the swag order shipped, tracking link in the drive", minutes=5)
    chat.say("nadia", "whatever's left after the audit payment clears", minutes=25)
    unasked = chat.say(
        "olu", "@vik did the grafana alerts get rerouted to the new pager?", minutes=5
    )
    chat.say("bea", "lunch anyone", minutes=70)
    summary = summarize_chat_offline(chat.posts, "#ops")
    shown = open_questions(summary)
    assert asked not in shown
    assert unasked in shown, "vik never spoke"


def test_an_outcome_for_a_body_names_the_body() -> None:
    chat = Chat()
    chat.say("zed", "any update on the audit budget for the lending module?")
    council = chat.say("amy", "yes, the council approved the audit budget this morning")
    behalf = chat.say("amy", "On behalf of the board: the lending module launches after the audit.")
    summary = summarize_chat_offline(chat.posts, "#gov")
    by = decided(summary)
    assert by[council] == "council (per amy)"
    assert by[behalf] == "board (per amy)"


def test_a_statement_that_only_begins_like_an_answer_answers_nothing() -> None:
    chat = Chat()
    asked = chat.say("ivo", "has the treasury diversification report been published?")
    chat.say("pat", "nonce errors on the faucet again, restarting it", minutes=20)
    chat.say("pat", "simple fix, the relayer key was rotated", minutes=1)
    summary = summarize_chat_offline(chat.posts, "#general")
    assert asked in open_questions(summary)
