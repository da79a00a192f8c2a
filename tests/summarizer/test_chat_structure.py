"""Decisions and tasks read from the shape of a conversation rather than one phrase: a slot
fixed in answer to a question, a decision that goes on in its message, a body with a name of its
own, requests and promises in French, German and Italian, and what must not count (a question,
a condition, a habit, a quote, accepting a request made to oneself). Every sentence here is
invented for these tests: none comes from bench/eval/."""

from __future__ import annotations

import pytest

from summarizer.chat_fixed import fixes_a_date
from summarizer.chat_offline import summarize_chat_offline
from summarizer.chat_settled import settles
from summarizer.chat_tasks import asked_of, no_task, takes_on
from summarizer.schema import ChatSummary
from tests.summarizer.chat_support import Chat


def decisions(summary: ChatSummary) -> dict[str, str]:
    """Each decision's quote and who took it."""
    return {d.citations[0].quote: d.by for t in summary.topics for d in t.decisions}


def tasks(summary: ChatSummary) -> dict[str, str]:
    """Each action item's quote and its owner."""
    return {a.citations[0].quote: a.owner for t in summary.topics for a in t.action_items}


FIXED = [
    "Friday 16:30 then, same room.",
    "yes, Monday June 8, 18:00 CET, confirmed with the venue an hour ago",
    "retro call locked in for Wednesday 15:00 UTC",
    "Snapshot opens Tuesday 12:00 UTC as planned.",
    "Confirmé : l'assemblée générale a lieu le 3 juillet à 18h.",
    "Bestätigt: Freitag 18 Uhr im Hackspace",
    "Confirmado: el pago sale el 5 de mayo",
    "la réunion reste à jeudi 18h comme prévu",
]

NOT_FIXED = [
    "is the retro still Friday 16:30?",
    "maybe Friday 16:30 then?",
    "Thursday evenings then",  # restates a plan, fixes no slot
    "I confirmed the bug on Tuesday",
    "we meet on Mondays at 15:00",
    "the docs mention a Friday 12:00 deadline",
]


@pytest.mark.parametrize("sentence", FIXED)
def test_a_slot_stated_as_fixed_is_recognised_in_any_language(sentence: str) -> None:
    assert fixes_a_date(sentence)


@pytest.mark.parametrize("sentence", NOT_FIXED)
def test_a_question_a_restatement_or_a_mention_of_a_day_fixes_nothing(sentence: str) -> None:
    assert not fixes_a_date(sentence)


def test_a_slot_fixed_in_answer_to_a_question_is_a_decision_a_leaning_is_not() -> None:
    chat = Chat()
    chat.say("ana", "are we still doing the treasury sync at 14:00 or did it move?")
    chat.say("bo", "Kai is travelling, he asked to push it", minutes=8)
    chat.say("cy", "Friday 16:30 then, same room.", minutes=4)
    chat.say("ana", "is the grants review still Monday 10:00?", minutes=60)
    chat.say("bo", "I think Tuesday 10:00 then, if Kai is back", minutes=3)
    chat.say("cy", "we usually do Mondays at 10:00 anyway", minutes=2)
    found = decisions(summarize_chat_offline(chat.posts, "#ops"))
    assert found == {"Friday 16:30 then, same room.": "cy"}


def test_a_body_with_a_name_of_its_own_decides_even_a_week_ago() -> None:
    chat = Chat()
    chat.say("ida", "any news on raising the LTV for stETH?")
    chat.say("jon", "the risk council approved the LTV bump to 80% this morning.", minutes=5)
    chat.say(
        "jon", "Also the foundation board decided last week that grants pause in August.", minutes=1
    )
    chat.say("ida", "has the treasury committee approved the OTC deal yet?", minutes=10)
    chat.say("jon", "if the treasury committee approved it, we'd see it on the forum", minutes=2)
    found = decisions(summarize_chat_offline(chat.posts, "#gov"))
    assert found == {
        "the risk council approved the LTV bump to 80% this morning.": "risk council (per jon)",
        "Also the foundation board decided last week that grants pause in August.": (
            "foundation board (per jon)"
        ),
    }


def test_a_decision_goes_on_in_its_message_but_not_into_tasks_thanks_or_requests() -> None:
    chat = Chat()
    chat.say("mo", "Proposal: we move the hackathon from Lisbon to Porto this year.")
    chat.say("pia", "+1, Porto is half the price for the venue", minutes=3)
    chat.say("raf", "Lisbon has more sponsors nearby though", minutes=3)
    chat.say(
        "mo",
        "Decision: the hackathon moves to Porto, 12-14 September.\n"
        "Sponsors stay on the same tiers. We'll revisit the city for 2027.\n"
        "Thanks everyone for the input! @raf can you tell the Lisbon venue?\n"
        "I'll update the website tonight.",
        minutes=10,
    )
    summary = summarize_chat_offline(chat.posts, "#events")
    assert set(decisions(summary)) == {
        "Decision: the hackathon moves to Porto, 12-14 September.",
        "Sponsors stay on the same tiers.",
        "We'll revisit the city for 2027.",
    }
    assert tasks(summary) == {
        "@raf can you tell the Lisbon venue?": "raf",
        "I'll update the website tonight.": "mo",
    }


TAKES_ON = [
    "je m'occupe des badges pour samedi",
    "bonne idée, je l'ajoute au programme",
    "je regarde ça demain matin",
    "moi je réserve le traiteur",
    "dann schreibe ich die Zusammenfassung",
    "ich kümmere mich um die Getränke",
    "ci penso io al verbale",
    "pode deixar, eu reviso o contrato hoje",
    "I can reach out to the auditors and ask for a quote",
]

NO_TASK = [
    "je pense qu'on devrait attendre la fin du vote",
    "je regarde le match ce soir",
    "dann habe ich keine Zeit mehr",
    "eu acho que devemos esperar",
    "we could decide later",
    "I can live with the 3% version",
    "I could write it up if someone wants",
]


@pytest.mark.parametrize("sentence", TAKES_ON)
def test_a_task_taken_on_in_french_german_or_italian_or_offered(sentence: str) -> None:
    assert takes_on(sentence)


@pytest.mark.parametrize("sentence", NO_TASK)
def test_an_opinion_a_pastime_or_a_hypothetical_takes_nothing_on(sentence: str) -> None:
    assert not takes_on(sentence)


def test_a_plan_under_a_condition_or_giving_up_is_no_task() -> None:
    assert no_task("if the devnet run is clean I'll upgrade my second node")
    assert no_task("tomorrow, if the CI is green, I'll cut the release")
    assert no_task("si le budget passe, je réserve la salle")
    assert no_task("ok, I'll stop arguing, fair enough")
    assert not no_task("I'll cut the release tomorrow")


def test_a_request_is_addressed_by_at_name_or_by_first_name_anywhere_before_the_ask() -> None:
    people = {"hugo_dev", "lea.design", "noa"}
    assert asked_of("@lea.design tu peux relire le compte-rendu d'ici jeudi ?", people) == (
        "lea.design"
    )
    assert asked_of("@noa quand tu as un moment, peux-tu mettre à jour le wiki ?", people) == "noa"
    assert asked_of("Hugo, tu prends les inscriptions ?", people) == "hugo_dev"
    assert asked_of("@jan kannst du die Folien hochladen?", people) == "jan"
    assert asked_of("Marco, tu prends les inscriptions ?", people) is None, "nobody is Marco"
    assert asked_of("@lea.design tu sais quand commence l'atelier ?", people) is None
    agreeing = "agree with @noa on the venue, and can we also get a projector?"
    assert asked_of(agreeing, people) is None, "a name mentioned in passing is no addressee"


def test_tasks_handed_out_and_taken_in_french_and_german_with_their_owner() -> None:
    chat = Chat()
    chat.say("camille_ops", "C'est acté : atelier le 20 juin à Nantes.")
    chat.say("hugo_dev", "top", minutes=1)
    listing = chat.say(
        "camille_ops",
        "Répartition :\n- @lea.design tu peux faire le visuel d'ici mardi ?\n"
        "- Hugo, tu prends les inscriptions ?\n- moi je réserve la salle aujourd'hui",
        minutes=2,
    )
    chat.say("hugo_dev", "ok, je prends les inscriptions", reply=listing, minutes=2)
    chat.say("jonas", "ich kümmere mich um die Getränke", minutes=3)
    chat.say("jonas", "@mia kannst du die Folien hochladen?", minutes=1)
    summary = summarize_chat_offline(chat.posts, "#ops")
    assert tasks(summary) == {
        "@lea.design tu peux faire le visuel d'ici mardi ?": "lea.design",
        "Hugo, tu prends les inscriptions ?": "hugo_dev",
        "moi je réserve la salle aujourd'hui": "camille_ops",
        "ich kümmere mich um die Getränke": "jonas",
        "@mia kannst du die Folien hochladen?": "mia",
    }, "accepting a request made to oneself is no second item"


def test_accepting_with_a_promise_is_no_second_item_and_a_quote_is_no_task() -> None:
    chat = Chat()
    asked = chat.say("ros", "@ken can you send the auditors the final scope?", mentions=("ken",))
    chat.say("ken", "sure, I'll send the scope tonight", reply=asked, minutes=2)
    chat.say("ros", 'last time they just said "je m\'occupe de tout" and vanished', minutes=5)
    summary = summarize_chat_offline(chat.posts, "#audits")
    assert tasks(summary) == {"@ken can you send the auditors the final scope?": "ken"}


def sides(summary: ChatSummary) -> dict[str, str]:
    return {c.quote: p.stance for t in summary.topics for p in t.positions for c in p.citations}


def test_sarcasm_answering_the_motion_is_against_and_a_named_plus_one_seconds_its_reply() -> None:
    chat = Chat()
    motion = chat.say("tobi", "Proposal: every validator here upgrades to v2.3 before the fork.")
    chat.say(
        "oye",
        "sure, let's all upgrade a week before the fork, what could possibly go wrong",
        reply=motion,
        minutes=3,
    )
    chat.say("gre", "I'm against upgrading this close to the fork.", reply=motion, minutes=2)
    half = chat.say("gre", "what about half of us before the fork and half after it?", minutes=2)
    chat.say("vuk", "+1 gre, half before the fork is easier for my delegators", reply=half)
    found = sides(summarize_chat_offline(chat.posts, "#validators"))
    assert (
        found["sure, let's all upgrade a week before the fork, what could possibly go wrong"]
        == "against"
    )
    assert found["+1 gre, half before the fork is easier for my delegators"] == "alternative"


SETTLED_TOO = [
    "we're reverting the fee change",
    "scratch that, we stay on v1",
    "we'll do the 3% version then",
    "that's the plan then",
    "Nobody objected, so the grant goes ahead",
    "signers approved, executing tomorrow",
    "Fechado, fica pra sexta",
    "On fait comme ça alors",
    "Top, on valide la version 2",
    "Okay, dann verschieben wir den Launch auf Mai",
    "Machen wir so.",
    "ok, si fa così",
    "WIP-31 passed, 58% for",
]

NOT_SETTLED_TOO = [
    "did the signers approve it?",
    "if nobody objected, the grant goes ahead",
    "dann müssen wir nochmal reden",
    "maybe we stay on v1 a bit longer",
    "that's the plan?",
    "I think we're reverting the fee change",
]


@pytest.mark.parametrize("sentence", SETTLED_TOO)
def test_a_reversal_a_plan_closed_on_or_an_outcome_in_other_words(sentence: str) -> None:
    assert settles(sentence)


@pytest.mark.parametrize("sentence", NOT_SETTLED_TOO)
def test_the_same_words_as_a_question_condition_or_hedge_settle_nothing(sentence: str) -> None:
    assert not settles(sentence)


def test_the_mover_adopting_after_a_debate_decides_someone_else_agreeing_does_not() -> None:
    chat = Chat()
    chat.say("ola", "Proposal: we pay the translators in USDC instead of the token.")
    early = chat.say("ola", "ok let's do it", minutes=1)
    chat.say("pim", "+1, token volatility ate half of last month's payout", minutes=3)
    other = chat.say("rui", "ok let's do it", minutes=2)
    closed = chat.say("ola", "deal, let's do that then", minutes=2)
    summary = summarize_chat_offline(chat.posts, "#translators")
    by_id = {d.citations[0].post_id: d.by for t in summary.topics for d in t.decisions}
    assert by_id == {closed: "ola"}, (early, other)


def test_a_request_opening_a_reply_in_another_language_is_asked_of_whoever_it_answers() -> None:
    chat = Chat()
    note = chat.say("lars", "die Folien für den Call sind noch auf Englisch")
    asked = chat.say("mia", "kannst du sie bis Freitag übersetzen?", reply=note, minutes=2)
    own = chat.say("lars", "kannst du dir vorstellen, wie lange das dauert?", minutes=1)
    found = {
        a.citations[0].post_id: a.owner
        for t in summarize_chat_offline(chat.posts, "#dach").topics
        for a in t.action_items
    }
    assert found.get(asked) == "lars"
    assert own not in found, "a question in no reply is asked of nobody"
