"""Splitting a chat window into its conversations."""

from __future__ import annotations

from summarizer.topics import split_topics
from tests.summarizer.chat_support import Chat


def ids(topics: list[list[object]]) -> list[list[str]]:
    return [[post.id for post in topic] for topic in topics]  # type: ignore[attr-defined]


def test_replies_stay_with_the_message_they_answer_across_other_conversations() -> None:
    chat = Chat()
    question = chat.say("ana", "is the relayer down? my votes are not going through")
    proposal = chat.say("ben", "Proposal: we move the grants call to Wednesdays at 15:00 UTC.")
    answer = chat.say("caro", "yes, the relayer is restarting, give it ten minutes", reply=question)
    vote = chat.say("dev", "+1, Wednesdays suit everyone in Asia", reply=proposal)
    thanks = chat.say("ana", "ok thanks, the relayer works again", reply=answer, minutes=12)
    assert ids(split_topics(chat.posts)) == [[question, answer, thanks], [proposal, vote]]


def test_a_message_to_someone_who_just_spoke_joins_their_conversation() -> None:
    chat = Chat()
    first = chat.say("ana", "the indexer lags two hours behind the chain since this morning")
    second = chat.say("kwame", "looking at the indexer lag, the disk filled up on node 2")
    addressed = chat.say(
        "ana", "@kwame can you add an alert on disk usage?", minutes=8, mentions=("kwame",)
    )
    topics = ids(split_topics(chat.posts))
    assert topics == [[first, second, addressed]]


def test_a_long_pause_and_new_words_start_a_new_topic() -> None:
    chat = Chat()
    a = chat.say("ana", "who is paying the auditors for the vault upgrade this quarter?")
    b = chat.say("ben", "the security budget covers the vault audit", reply=a)
    c = chat.say(
        "caro", "does anyone have the recording of yesterday's community call?", minutes=90
    )
    d = chat.say("dev", "the recording is on the forum under community call notes", reply=c)
    assert ids(split_topics(chat.posts)) == [[a, b], [c, d]]


def test_shared_terms_join_a_message_that_replies_to_nothing() -> None:
    chat = Chat()
    a = chat.say("ana", "I think we should push the mainnet activation to the 28th.")
    b = chat.say("ben", "agree, the poster fix needs a week of soak", reply=a)
    c = chat.say("caro", "+1 to the 28th for the activation", minutes=9)
    assert ids(split_topics(chat.posts)) == [[a, b, c]]


def test_an_opener_starts_a_topic_even_right_after_another() -> None:
    chat = Chat()
    a = chat.say("tess", "item 1: the grants council proposes to open Season 6 on June 3.")
    b = chat.say("hye", "June 3 works, the rubric is done", reply=a)
    c = chat.say("tess", "item 2: analytics. our dashboard contract ends in June.")
    d = chat.say("quen", "yes to an RFP for analytics", reply=c)
    assert ids(split_topics(chat.posts)) == [[a, b], [c, d]]


def test_greetings_emoji_bots_and_bare_links_belong_to_no_topic() -> None:
    chat = Chat()
    chat.say("hal", "gm")
    chat.say("wagmi", "🚀🚀🚀")
    chat.say("forum_bot", "📢 New forum post: TIP-88 https://forum.example/t/tip-88/1204")
    chat.say("lin", "https://grafana.example/d/seq")
    a = chat.say("ana", "should we raise the proposal threshold to 2M tokens?")
    b = chat.say("ben", "no, 2M locks out every delegate below the top ten", reply=a)
    chat.say("hal", "gm frens")
    assert ids(split_topics(chat.posts)) == [[a, b]]


def test_a_vote_token_is_no_chatter() -> None:
    chat = Chat()
    a = chat.say("ana", "Proposal: we cap sponsored votes at 30 per address a month.")
    b = chat.say("ben", "+1", reply=a)
    c = chat.say("caro", "👍", reply=a)
    assert ids(split_topics(chat.posts)) == [[a, b, c]]


def test_side_chatter_that_asks_and_decides_nothing_is_left_out() -> None:
    chat = Chat()
    a = chat.say("walt", "PUF looking spicy this morning 📈")
    chat.say("nyx", "don't jinx it", reply=a)
    assert split_topics(chat.posts) == []


def test_messages_without_a_time_or_with_a_naive_one_are_still_placed() -> None:
    from datetime import datetime

    from summarizer.schema import PostInput

    posts = [
        PostInput(id="1", author="ana", text="should we raise the quorum to 5%?"),
        PostInput(id="2", author="ben", text="no, turnout is 3% on a good day", reply_to="1"),
        PostInput(
            id="3",
            author="caro",
            text="is the quorum vote on snapshot yet?",
            created_at=datetime(2026, 4, 29, 14, 0),
        ),
    ]
    assert [[p.id for p in t] for t in split_topics(posts)] == [["1", "2"], ["3"]]


def test_greetings_in_other_languages_and_laughter_are_chatter() -> None:
    chat = Chat()
    chat.say("bruno", "boa tarde pessoal")
    chat.say("diego", "buenos días a todos")
    chat.say("lea", "bonjour tout le monde")
    chat.say("bruno", "kkkkk")
    a = chat.say("carla", "should we translate the governance docs to Portuguese and Spanish?")
    b = chat.say("bruno", "sou a favor, muita gente não lê inglês")
    c = chat.say("nik", "honestly I'd rather we fix the English docs first, they are outdated")
    assert ids(split_topics(chat.posts)) == [[a, b, c]]


def test_two_conversations_interleaved_without_replies_stay_apart() -> None:
    chat = Chat()
    a1 = chat.say("ana", "we should raise the bridge withdrawal limit to 500 ETH per day")
    b1 = chat.say("ben", "is the validator set upgrade still scheduled for friday?")
    a2 = chat.say("cy", "500 ETH a day is too much, if the bridge gets exploited we lose it all")
    b2 = chat.say("dee", "friday yes, 16:00 UTC", minutes=0.5)
    a3 = chat.say("eli", "how about 250 ETH as a middle ground for the bridge limit?")
    b3 = chat.say("ben", "thanks, will the validators need a restart for the upgrade?")
    a4 = chat.say("cy", "250 ETH works for me")
    b4 = chat.say("dee", "no restart, the upgrade is hot-swapped")
    assert ids(split_topics(chat.posts)) == [[a1, a2, a3, a4], [b1, b2, b3, b4]]


def test_a_conversation_never_spans_two_threads() -> None:
    chat = Chat()
    grants = chat.say("ana", "I propose we cap grants at 5% of the treasury this season.")
    logo = chat.say("ben", "I propose we vote on the grants logo drafts on Friday.")
    against = chat.say("caro", "Against the 5% grants cap, audits alone cost more.")
    posts = [
        post.model_copy(update={"channel": "logo" if post.id == logo else "grants"})
        for post in chat.posts
    ]
    assert ids(split_topics(posts)) == [[grants, against], [logo]]
    # In one channel the shared words ("propose", "grants") would have joined them.
    assert ids(split_topics(chat.posts)) != [[grants, against], [logo]]
