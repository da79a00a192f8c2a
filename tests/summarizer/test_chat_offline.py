"""The offline summary of a chat window: motions, sides relative to them, decisions, action
items, open questions, agreements; every defect seen on a real channel has a case here."""

from __future__ import annotations

import re

from summarizer.chat_offline import summarize_chat_offline
from summarizer.schema import ChatSummary, ChatTopic
from tests.summarizer.chat_support import Chat


def topic_with(summary: ChatSummary, post_id: str) -> ChatTopic:
    return next(t for t in summary.topics if post_id in t.post_ids)


def sides(topic: ChatTopic) -> dict[str, list[str]]:
    return {p.stance: p.holders for p in topic.positions}


def quoted(topic: ChatTopic, stance: str) -> list[str]:
    return [c.quote for p in topic.positions if p.stance == stance for c in p.citations]


def slot_time_debate() -> tuple[Chat, str]:
    chat = Chat()
    motion = chat.say(
        "mira", "Proposal: we reduce the slot time to 8 seconds in the spring fork, as promised."
    )
    chat.say("jb", "+1, the clients are ready for it", reply=motion)
    chat.say(
        "kwame",
        "I am not against a slot time reduction. The relay data should be in by then.",
        reply=motion,
    )
    chat.say("lin", "I'd rather not. the relays need more time to adapt", reply=motion)
    chat.say(
        "tomo",
        "We disagreed with the relay team last year because their timing data was stale.",
        reply=motion,
    )
    chat.say(
        "rafa", "we could just ship 10 seconds first and go to 8 in the next fork", reply=motion
    )
    chat.say(
        "jb",
        "rather than waiting, the spec is done and the devnets ran 8s for two months",
        reply=motion,
    )
    return chat, motion


def test_sides_are_relative_to_the_motion_named_and_cited() -> None:
    chat, motion = slot_time_debate()
    summary = summarize_chat_offline(chat.posts, "#allcoredevs")
    topic = topic_with(summary, motion)
    assert topic.motion is not None
    assert topic.motion.citations[0].post_id == motion
    assert topic.motion.point.startswith("Proposal: we reduce the slot time")
    found = sides(topic)
    assert found["for"] == ["jb"]
    assert "lin" in found["against"]
    assert found["alternative"] == ["rafa"]
    # "I am not against a slot time reduction" is not Against; "disagreed" in a factual
    # explanation is no stance; "rather than" in an argument for the motion is no alternative.
    assert "kwame" not in found.get("against", [])
    assert "tomo" not in {h for holders in found.values() for h in holders}
    assert all("rather than waiting" not in q for q in quoted(topic, "alternative"))


def test_no_sides_without_a_motion() -> None:
    chat = Chat()
    question = chat.say("ana", "anyone else seeing the node stuck at block 1204877?")
    chat.say("ben", "yes, same configuration issue here, +1", reply=question)
    chat.say("caro", "I support whoever fixes this, we are against downtime", reply=question)
    summary = summarize_chat_offline(chat.posts, "#testnet")
    topic = topic_with(summary, question)
    assert topic.motion is None
    assert topic.positions == []
    assert "sides" not in summary.tldr.lower() or "On “" not in summary.tldr


def test_yes_to_a_factual_question_is_no_stance_even_under_a_motion() -> None:
    chat = Chat()
    motion = chat.say("ana", "I think we should roll the sequencer back to v0.8.4 tonight.")
    question = chat.say("ben", "does the rollback need a resync for operators?", reply=motion)
    chat.say("caro", "yes, same configuration issue as the last rollback", reply=question)
    summary = summarize_chat_offline(chat.posts, "#ops")
    topic = topic_with(summary, motion)
    assert "caro" not in {h for p in topic.positions for h in p.holders}


def test_one_person_is_never_for_and_against() -> None:
    chat = Chat()
    motion = chat.say("ana", "Proposal: we remove sponsored voting at the end of the month.")
    chat.say("ben", "strong yes.", reply=motion)
    chat.say("ben", "hmm, hard no from me after reading the data, small holders need it.")
    chat.say("ben", "why not cap it at 30 votes a month instead?")
    summary = summarize_chat_offline(chat.posts, "#portal")
    found = sides(topic_with(summary, motion))
    assert "ben" not in found.get("for", [])
    assert "ben" in found["against"]
    assert len([s for s, holders in found.items() if "ben" in holders]) < 3


def test_the_mover_is_never_against_their_own_motion() -> None:
    chat = Chat()
    motion = chat.say("ana", "Proposal: we pause the grants program for one quarter.")
    chat.say("ben", "-1, builders are mid-project", reply=motion)
    chat.say("ana", "I'd rather not pause the ones already approved, to be fair.", reply=motion)
    summary = summarize_chat_offline(chat.posts, "#grants")
    found = sides(topic_with(summary, motion))
    assert "ana" not in found.get("against", [])
    assert found["against"] == ["ben"]


def test_decisions_say_who_took_them() -> None:
    chat = Chat()
    motion = chat.say("mira", "Proposal: we roll back to v0.8.4 and replay from 1204876.")
    chat.say("jb", "+1, fastest way to get blocks flowing", reply=motion)
    decision = chat.say("mira", "Decision: we roll back to v0.8.4 and replay at 08:00 UTC.")
    call = chat.say("tess", "agreed on the call: Season 6 opens June 3, decisions by July 15.")
    committee = chat.say(
        "kofi", "the committee agreed on the last call not to put funds into yield products."
    )
    promise = chat.say("leo", "The withdrawal fee stays at 0.1% in v2 for at least 12 months.")
    summary = summarize_chat_offline(chat.posts, "#ops")
    decisions = {d.citations[0].post_id: d for t in summary.topics for d in t.decisions}
    assert decisions[decision].by == "mira"
    assert decisions[call].by == "tess"
    assert "committee" in decisions[committee].by
    assert decisions[promise].by == "leo"
    assert "4 decisions" in summary.tldr


def test_action_items_name_their_owner() -> None:
    chat = Chat()
    motion = chat.say("mira", "Decision: the post-mortem is due Friday, rollback at 08:00 UTC.")
    asked = chat.say(
        "mira", "@kwame can you own the post-mortem doc?", reply=motion, mentions=("kwame",)
    )
    chat.say("kwame", "sure, draft by tomorrow EOD", reply=asked)
    status = chat.say("lin", "status page still says all systems operational lol")
    on_it = chat.say("delphine", "on it, updating status page now", reply=status)
    spec = chat.say("jb", "kwame will ship the spec update by Thursday.")
    taken = chat.say("sana", "ok, I'll write up the case for a 3M allocation on the forum")
    summary = summarize_chat_offline(chat.posts, "#ops")
    owners = {a.citations[0].post_id: a.owner for t in summary.topics for a in t.action_items}
    assert owners[asked] == "kwame"
    assert owners[on_it] == "delphine"
    assert owners[spec] == "kwame"
    assert owners[taken] == "sana"
    assert len(owners) == 4, "accepting a request is not a second item"


def test_an_answered_question_is_not_open_and_an_unanswered_one_is() -> None:
    chat = Chat()
    asked = chat.say("tomo", "is v0.9.1 going to need a db migration?")
    chat.say("jb", "no migration, drop-in replacement", reply=asked)
    still = chat.say("rafa", "and when will v0.9.1 be tagged for the operators?")
    vote = chat.say("felix", "when is OIP-15 going to a vote?", minutes=30)
    chat.say("kofi", "OIP-15 goes to a vote mid-September if the forum discussion goes well.")
    summary = summarize_chat_offline(chat.posts, "#releases")
    open_ids = {q.citations[0].post_id for t in summary.topics for q in t.open_questions}
    assert open_ids == {still}
    assert vote not in open_ids, "answered without the reply button"
    assert "1 open question" in summary.tldr


def test_agreement_is_people_agreeing_never_the_word_consensus() -> None:
    chat = Chat()
    a = chat.say("ana", "the consensus spec for the fork is frozen, consensus clients ship Monday")
    b = chat.say(
        "ben", "see https://github.com/example/consensus-specs/pull/3 for the consensus changes"
    )
    c = chat.say("caro", "a clean replay is also the procedure we'd need on mainnet, a rehearsal")
    d = chat.say("dev", "fair point on the rehearsal.", reply=c)
    summary = summarize_chat_offline(chat.posts, "#specs")
    agreements = [g for t in summary.topics for g in t.agreements]
    cited = {g.citations[0].post_id for g in agreements}
    assert cited == {d}
    assert a not in cited and b not in cited
    assert "dev agrees with caro" in agreements[0].point


def test_no_sentence_twice_no_bare_links_no_agenda_as_points() -> None:
    chat, motion = slot_time_debate()
    chat.say("tess", "call starts in 2, agenda here: https://hackmd.io/@example/call")
    chat.say("lin", "slides: https://example.org/slides.pdf", reply=motion)
    chat.say("mira", "+1 to the 8 seconds from me too https://example.org/data", reply=motion)
    chat.say("mira", "Decision: we reduce the slot time to 8 seconds in the spring fork.")
    summary = summarize_chat_offline(chat.posts, "#allcoredevs")
    quotes = [re.sub(r"\W+", " ", c.quote.lower()).strip() for c in summary.citations()]
    assert len(quotes) == len(set(quotes)), "a sentence appears once in a summary"
    for citation in summary.citations():
        post = next(p for p in chat.posts if p.id == citation.post_id)
        assert citation.quote in post.text, "quotes are verbatim"
        assert "http" not in citation.quote
        assert not citation.quote.lower().startswith("call starts")
        assert not citation.quote.lower().startswith("slides")


def test_tldr_counts_every_holder_not_the_quotes_shown() -> None:
    chat = Chat()
    motion = chat.say("ana", "Proposal: we reduce the slot time to 8 seconds in the spring fork.")
    for n in range(12):
        chat.say(f"dev{n}", f"+1, client team {n} is ready for 8 seconds", reply=motion)
    for n in range(9):
        chat.say(f"ops{n}", "I'd rather not. the relays are not ready yet", reply=motion)
    summary = summarize_chat_offline(chat.posts, "#allcoredevs")
    topic = topic_with(summary, motion)
    assert len(sides(topic)["for"]) == 12
    assert len(sides(topic)["against"]) == 9
    assert all(len(p.citations) <= 3 for p in topic.positions)
    assert "12 for, 9 against" in summary.tldr
    assert "1 topic;" in summary.tldr


def test_other_languages_use_the_forum_cues() -> None:
    chat = Chat()
    motion = chat.say("ana", "Proposal: we fund the Lisbon meetup with 5,000 USDC.")
    chat.say("joao", "Sou a favor, o meetup trouxe muitos delegados no ano passado.", reply=motion)
    chat.say("karl", "Ich bin dagegen, das Budget ist schon knapp.", reply=motion)
    chat.say("lea", "Je suis pour.", reply=motion)
    summary = summarize_chat_offline(chat.posts, "#events")
    found = sides(topic_with(summary, motion))
    assert sorted(found["for"]) == ["joao", "lea"]
    assert found["against"] == ["karl"]


def call_time(*replies: tuple[str, str]) -> tuple[ChatSummary, dict[str, str]]:
    """A motion about the call's time, each reply answering it: {author: side or ""}."""
    chat = Chat()
    motion = chat.say("tess", "Proposal: we move the community call to 14:00 UTC for APAC folks.")
    for author, text in replies:
        chat.say(author, text, reply=motion)
    summary = summarize_chat_offline(chat.posts, "#community-call")
    topic = topic_with(summary, motion)
    return summary, {h: p.stance for p in topic.positions for h in p.holders}


def test_the_ways_chat_says_yes_and_no_to_a_motion() -> None:
    _, found = call_time(
        ("a1", "sounds good to me"),
        ("a2", "love it"),
        ("a3", "great idea, 01:00 is brutal for us"),
        ("a4", "let's do it"),
        ("b1", "nope"),
        ("b2", "hard pass, 14:00 clashes with the delegates' call"),
        ("b3", "I don't think we should move it, EU folks are in meetings then"),
        ("b4", "I disagree, most of the regulars are in the Americas"),
        ("b5", "I'm not convinced this helps APAC much."),
        ("c1", "what about 13:00 instead?"),
        ("c2", "how about we alternate the time every other week?"),
        ("n1", "not sure yet, need to check my calendar"),
        ("n2", "the recording of last week's call is on youtube"),
    )
    assert {a for a, side in found.items() if side == "for"} == {"a1", "a2", "a3", "a4"}
    assert {a for a, side in found.items() if side == "against"} == {"b1", "b2", "b3", "b4", "b5"}
    assert {a for a, side in found.items() if side == "alternative"} == {"c1", "c2"}
    assert "n1" not in found and "n2" not in found


def test_the_ways_chat_states_a_motion() -> None:
    for opener in (
        "RFC: we cap sponsored votes at 30 a month.",
        "what if we capped sponsored votes at 30 a month?",
        "let's cap sponsored votes at 30 a month",
        "I suggest we cap sponsored votes at 30 a month.",
        "nice, then I'd propose we cap sponsored votes at 30 a month",
        "Idea: cap sponsored votes at 30 a month.",
    ):
        chat = Chat()
        first = chat.say("nika", opener)
        chat.say("ben", "+1", reply=first)
        topic = topic_with(summarize_chat_offline(chat.posts, "#portal"), first)
        assert topic.motion is not None, opener
        assert sides(topic) == {"for": ["ben"]}, opener


def test_the_ways_chat_decides_and_hands_out_tasks() -> None:
    chat = Chat()
    asked = chat.say("tess", "who can own the dashboard rewrite?")
    decided = [
        chat.say("tess", "Final decision: the call moves to 14:00 UTC from next week."),
        chat.say("tess", "Resolved: the RFP runs for the rest of the year."),
        chat.say("tess", "ok, it's decided: June 3 it is."),
        chat.say("tess", "We decided to go with the smaller grant."),
        chat.say("leo", "The community call moves to Wednesday from next week."),
        chat.say("leo", "The performance fee remains at 10% through 2027."),
        chat.say("leo", "Confirmed: the audit contest ends on March 7."),
        chat.say("ines", "ok let's go with opt-in plus a warning for the first release"),
    ]
    tasks = {
        chat.say("tess", "@ravi to send the notes tonight.", mentions=("ravi",)): "ravi",
        chat.say("dana", "I can take the RFP draft.", reply=asked): "dana",
        chat.say("kofi", "let me check the safe's history and get back to you"): "kofi",
        chat.say(
            "tess", "Action item: @quen updates the budget sheet.", mentions=("quen",)
        ): "quen",
        chat.say("olu", "I'm on it, fixing the calendar invite now"): "olu",
        chat.say("tess", "@hye you own the rubric for S6.", mentions=("hye",)): "hye",
    }
    summary = summarize_chat_offline(chat.posts, "#community-call")
    decisions = {d.citations[0].post_id for t in summary.topics for d in t.decisions}
    owners = {a.citations[0].post_id: a.owner for t in summary.topics for a in t.action_items}
    assert set(decided) <= decisions
    assert {k: v for k, v in owners.items() if k in tasks} == tasks


def test_the_reason_after_a_stance_argues_for_it_until_the_argument_turns() -> None:
    chat = Chat()
    motion = chat.say("marek", "I propose we cut LP emissions by half starting next epoch.")
    chat.say(
        "pim",
        "Disagree. Cutting in half overnight will crash the pool depth, we saw that on Orca.",
        reply=motion,
    )
    chat.say(
        "ibra",
        "Strong yes. Mercenary LPs leave anyway. But the listing timing worries me a lot.",
        reply=motion,
    )
    summary = summarize_chat_offline(chat.posts, "#acme-gov")
    topic = topic_with(summary, motion)
    assert quoted(topic, "against") == [
        "Cutting in half overnight will crash the pool depth, we saw that on Orca."
    ]
    assert all("listing timing" not in q for p in topic.positions for q in quoted(topic, p.stance))


def test_an_emoji_vote_counts_its_author_but_is_never_quoted() -> None:
    chat = Chat()
    motion = chat.say("marek", "Proposal: we cut LP emissions by 10% per epoch.")
    chat.say("jules", "+1, the mercenary LPs leave the day rewards drop anyway", reply=motion)
    chat.say("pim", "👍", reply=motion)
    chat.say("kenta", "👍👍", reply=motion)
    summary = summarize_chat_offline(chat.posts, "#acme-gov")
    topic = topic_with(summary, motion)
    assert sorted(sides(topic)["for"]) == ["jules", "kenta", "pim"]
    assert quoted(topic, "for") == ["+1, the mercenary LPs leave the day rewards drop anyway"]
    assert "3 for" in summary.tldr


def test_a_long_window_keeps_its_tldr_short_and_its_counts_whole() -> None:
    chat = Chat()
    for n in range(6):
        motion = chat.say(
            f"lead{n}", f"Proposal: we fund meetup number {n} in city {n}.", minutes=90
        )
        for k in range(n + 2):
            chat.say(f"fan{n}{k}", f"+1, meetup {n} brought delegates last year", reply=motion)
    summary = summarize_chat_offline(chat.posts, "#events")
    assert "6 topics;" in summary.tldr
    assert summary.tldr.count("On “") == 3
    assert "Sides on 3 more topics below." in summary.tldr
    assert "7 for" in summary.tldr, "the busiest topic first, every holder counted"


def test_a_bare_agreement_names_who_agrees_with_whom() -> None:
    chat = Chat()
    a = chat.say("zhen", "that's true of every signature type, default on is fine.")
    b = chat.say("ravi", "agree with zhen", reply=a)
    summary = summarize_chat_offline(chat.posts, "#wallet-dev")
    agreements = [g for t in summary.topics for g in t.agreements]
    assert [g.point for g in agreements] == ["ravi agrees with zhen"]
    assert agreements[0].citations[0].post_id == b
