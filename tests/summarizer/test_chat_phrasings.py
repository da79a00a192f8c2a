"""Ways DAO and protocol chats decide, hand out tasks and answer questions that the offline chat
summary first missed on windows nobody had tuned it on. Every sentence here is new: none comes
from bench/eval/chat/ or bench/eval/chat-heldout/."""

from __future__ import annotations

from summarizer.chat_offline import summarize_chat_offline
from summarizer.schema import ChatSummary
from tests.summarizer.chat_support import Chat


def decided(summary: ChatSummary) -> dict[str, str]:
    """Each decision's message id and who took it."""
    return {d.citations[0].post_id: d.by for t in summary.topics for d in t.decisions}


def owners(summary: ChatSummary) -> dict[str, str]:
    return {a.citations[0].post_id: a.owner for t in summary.topics for a in t.action_items}


def test_a_body_decides_on_one_item_or_after_a_colon() -> None:
    chat = Chat()
    item = chat.say("rui", "Decision for v3.2: the indexer keeps the legacy endpoint until March.")
    body = chat.say("rui", "Treasury decision on #12: rejected, the budget is spent this quarter.")
    group = chat.say("oma", "The steering group has decided: the hackathon moves online.")
    agreed = chat.say("oma", "Agreed: the migration window is Sunday 02:00 UTC.")
    summary = summarize_chat_offline(chat.posts, "#gov")
    by = decided(summary)
    assert by[item] == "rui"
    assert "Treasury" in by[body] and "rui" in by[body]
    assert "steering group" in by[group]
    assert by[agreed] == "oma"


def test_decisions_in_spanish_and_portuguese_and_the_sentence_that_goes_on() -> None:
    chat = Chat()
    es = chat.say("lupe", "Decidimos que la reunión de socios es los martes a las 18h.")
    pt = chat.say(
        "caio",
        "Valeu a todos. Decidido: o encontro é em Recife, dia 4 de julho. "
        "E o workshop de contratos fica para outubro.",
        minutes=30,
    )
    summary = summarize_chat_offline(chat.posts, "#comunidad")
    decisions = [d.decision for t in summary.topics for d in t.decisions]
    assert es in decided(summary) and pt in decided(summary)
    assert "E o workshop de contratos fica para outubro." in decisions
    assert not any(d.startswith("Valeu") for d in decisions)


def test_a_team_commits_to_a_date_or_a_limit() -> None:
    chat = Chat()
    foundation = chat.say("nia", "the core team will not mint any more tokens this year.")
    ships = chat.say("nia", "The new docs site launches on Monday at 09:00 UTC instead.")
    paid = chat.say("nia", "Grant payouts will be sent by March 3, after the signers meet.")
    refused = chat.say("nia", "We will not list the token on any exchange before the audit.")
    summary = summarize_chat_offline(chat.posts, "#announcements")
    by = decided(summary)
    assert "core team" in by[foundation]
    assert {ships, paid, refused} <= set(by)


def test_a_condition_a_habit_or_an_absence_is_no_decision() -> None:
    chat = Chat()
    chat.say("ada", "if the council commits to a public report, I can support it.")
    chat.say("ben", "we keep arguing about the same numbers every single week.")
    chat.say("ada", "the team will not be around on Friday, it's a holiday here.")
    summary = summarize_chat_offline(chat.posts, "#general")
    assert decided(summary) == {}


def test_tasks_asked_and_taken_in_spanish_and_portuguese() -> None:
    chat = Chat()
    asked = chat.say("lupe", "@nico ¿puedes reservar la sala antes del jueves?", mentions=("nico",))
    chat.say("nico", "sí, la reservo mañana", reply=asked)
    please = chat.say(
        "lupe", "@sara por favor manda el presupuesto al equipo de eventos", mentions=("sara",)
    )
    pt = chat.say("caio", "Vou traduzir o anúncio para o grupo de Lisboa hoje à noite.")
    yo = chat.say("lupe", "Yo preparo la lista de asistentes para el viernes.")
    lo = chat.say("lupe", "todavía no está, lo mando el lunes al canal de anuncios")
    summary = summarize_chat_offline(chat.posts, "#comunidad")
    assert owners(summary) == {
        asked: "nico",  # accepting with "la reservo" adds no second item
        please: "sara",
        pt: "caio",
        yo: "lupe",
        lo: "lupe",
    }


def test_a_request_inside_a_sentence_a_team_promise_and_work_started_now() -> None:
    chat = Chat()
    inside = chat.say(
        "tomas",
        "@wren keeps the grafana boards, @wren could you export the gas charts for the report?",
        mentions=("wren",),
    )
    team = chat.say("tomas", "we will also share the raw csv files with the delegates tomorrow.")
    pr = chat.say("kai", "the migration is in a PR, needs a second pair of eyes")
    now = chat.say("tomas", "reviewing now", reply=pr)
    quoted = chat.say("kai", 'their plan is thin, just "we will post a thread about it"')
    summary = summarize_chat_offline(chat.posts, "#research")
    found = owners(summary)
    assert found[inside] == "wren"
    assert found[team] == "tomas"
    assert found[now] == "tomas"
    assert quoted not in found, "a promise in quotation marks is someone else's words"
    open_ids = {q.citations[0].post_id for t in summary.topics for q in t.open_questions}
    assert inside not in open_ids, "a request is an action item, not an open question"


def test_accepting_a_request_with_a_promise_is_no_second_item() -> None:
    chat = Chat()
    asked = chat.say("hiro", "@lena can you rotate the relayer keys today?", mentions=("lena",))
    chat.say("lena", "half way there, I'll have it finished by 16:00", reply=asked)
    summary = summarize_chat_offline(chat.posts, "#ops")
    assert owners(summary) == {asked: "lena"}


def open_questions(summary: ChatSummary) -> set[str]:
    return {q.citations[0].post_id for t in summary.topics for q in t.open_questions}


def test_a_question_answered_without_the_reply_button_is_not_open() -> None:
    chat = Chat()
    at_once = chat.say("pia", "dinner after the workshop, anyone joining?")
    chat.say("ole", "count me in", minutes=1)
    back = chat.say("jun", "anyone seen the gas price on the testnet today?", minutes=30)
    chat.say("ole", "@jun wrong channel for that 😅", minutes=5)
    asked = chat.say(
        "rik",
        "can the council still change the emission curve? I thought it was hardcoded",
        minutes=30,
    )
    chat.say("pia", "we should look at how other chains handle emission changes", minutes=3)
    chat.say(
        "ole", "the emission curve sits in an immutable contract, nobody can touch it", minutes=20
    )
    nobody = chat.say("tam", "has anyone benchmarked the light client on a phone?", minutes=60)
    summary = summarize_chat_offline(chat.posts, "#general")
    shown = open_questions(summary)
    assert {at_once, back, asked}.isdisjoint(shown)
    assert nobody in shown, "a question nobody answered stays open"


def test_a_question_asked_again_counts_once() -> None:
    chat = Chat()
    first = chat.say("noa", "is the validator fee vote still happening on Friday?")
    chat.say("eli", "staking dashboard is down again", minutes=40)
    chat.say("sam", "restarting it", minutes=1)
    again = chat.say("noa", "back to my question from earlier: fee vote Friday or not?", minutes=50)
    summary = summarize_chat_offline(chat.posts, "#delegates")
    shown = open_questions(summary)
    assert first not in shown
    assert again in shown


def test_a_motion_moved_as_a_committee_does_or_proposed_in_spanish() -> None:
    chat = Chat()
    moved = chat.say("ines", "I move that we renew the audit retainer for six more months.")
    chat.say("omar", "+1, they caught the oracle bug last quarter", reply=moved)
    propuesta = chat.say("lupe", "Propongo que la asamblea anual sea online este año.", minutes=60)
    chat.say("nico", "+1, así viene gente de todas partes", reply=propuesta)
    summary = summarize_chat_offline(chat.posts, "#committee")
    motions = {
        t.motion.citations[0].post_id: {p.stance: p.holders for p in t.positions}
        for t in summary.topics
        if t.motion is not None
    }
    assert motions[moved]["for"] == ["omar"]
    assert motions[propuesta]["for"] == ["nico"]


def test_how_to_read_the_data_is_no_motion() -> None:
    chat = Chat()
    chat.say("ana", "block propagation p95 went from 410ms to 380ms after the patch")
    chat.say("ben", "we should compare the same hours of last week before drawing conclusions")
    chat.say("cai", "I support that, the weekend traffic skews everything")
    summary = summarize_chat_offline(chat.posts, "#research")
    assert summary.topics
    assert all(t.motion is None and not t.positions for t in summary.topics)


def test_a_request_made_in_reply_is_no_motion() -> None:
    chat = Chat()
    update = chat.say("dee", "the grant payouts slipped, signers were away; they go out next week")
    chat.say("eve", "could we get a heads-up here when payouts are late?", reply=update)
    chat.say("fay", "yes, agreed")
    summary = summarize_chat_offline(chat.posts, "#grants")
    assert summary.topics
    assert all(t.motion is None and not t.positions for t in summary.topics)


def test_a_task_reported_done_is_no_vote_on_the_motion() -> None:
    chat = Chat()
    motion = chat.say("kim", "Proposal: we move the weekly call to Thursdays at 15:00 UTC.")
    asked = chat.say(
        "kim", "@lev can you also update the calendar invite?", reply=motion, mentions=("lev",)
    )
    chat.say("lev", "done ✅", reply=asked)
    chat.say("mo", "Thursdays work for me", reply=motion)
    summary = summarize_chat_offline(chat.posts, "#community")
    topic = next(t for t in summary.topics if t.motion is not None)
    holders = {h for p in topic.positions for h in p.holders}
    assert holders == {"mo"}
