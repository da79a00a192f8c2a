"""The offline summary of a chat window: its topics, each with what was asked or proposed, the
sides on that, what was decided and by whom, who does what, and what is still open.

Built on evidence, like the forum's offline summary (`summarizer.offline`):

- The **motion** is the sentence that raised what a topic proposes ("Proposal: …", "I'd like to
  propose…", "we should…", "can we delete…?"), quoted as written. A topic without one (questions
  and answers, announcements) gets no sides at all.
- **Sides** are relative to that motion (`summarizer.chat_stance`), one quote per person and
  side; nobody is both for and against, and the motion's author is never against it.
- **Decisions** are stated ones ("Decision: …", "agreed on the call: …", "we'll replace it…", a
  team's date or parameter: "v2 goes live on March 18", "the fee stays at 0.1%"); **action items**
  a named person asked ("@kwame can you own the post-mortem doc?" → kwame) or someone taking a
  task on ("I'll write it up", "on it" → the author).
- **Open questions** are those nobody answered; **agreements** only people agreeing with each
  other in so many words ("agree with whale", "fair point"), never a keyword such as "consensus".
- A sentence appears once in a summary; links, greetings and agenda announcements are never
  points. Quotes are verbatim substrings of their message. TL;DR counts are taken from every
  holder and item, before any list is cut for display.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from summarizer.chat_closing import content_free
from summarizer.chat_items import (
    DECISION,
    WH,
    Said,
    action_items,
    agreements,
    cite,
    decisions,
    key,
    open_questions,
    sentences,
)
from summarizer.chat_stance import Context, read_chat_stance, words
from summarizer.schema import (
    ChatSummary,
    ChatTopic,
    Point,
    Position,
    PostInput,
)
from summarizer.stance import Side
from summarizer.topics import PROPOSING, is_chatter, split_topics

MAX_QUOTES_PER_SIDE = 3
MAX_ARGUMENTS = 3
MAX_TITLE = 90
TLDR_DEBATES = 3  # topics whose sides the TL;DR names; the others are counted

# Words that turn an argument: what follows is no longer the stance before it.
_TURN = re.compile(
    r"^\W*(?:but|however|though|although|still|that\s+said|then\s+again|otoh|on\s+the\s+other)\b",
    re.IGNORECASE,
)
# "Agreed. Pause tx queued, need one more signer": what one did after a yes reports, not argues.
_REPORTS_AN_ACT = re.compile(
    r"\b(?:tx|txn|transaction|pr|proposal|vote|poll|safe|batch|ticket|issue|draft|config|deploy)\s+"
    r"(?:is\s+|was\s+|now\s+)?(?:queued|signed|sent|posted|merged|deployed|submitted|created|"
    r"opened|executed|up|live|filed)\b|\bneed\s+(?:one|two|\d)\s+more\s+(?:signers?|signatures?|"
    r"approvals?|reviews?)\b",
    re.IGNORECASE,
)
_ASKS_OF = re.compile(r"^\W*(?:can|could)\s+we\s+(?:get|have|see)\b", re.IGNORECASE)
_AGENDA = re.compile(
    r"^\W*(?:item\s+\d+|agenda\b|call\s+starts|notes\s+are\s+up|reminder\b|posted\s*:|"
    r"new\s+forum\s+post|forum\s+(?:post|write-up)\s+is\s+up)",
    re.IGNORECASE,
)


def summarize_chat_offline(posts: Sequence[PostInput], channel: str) -> ChatSummary:
    topics = [_topic(topic, posts) for topic in split_topics(posts)]
    topics.sort(key=lambda t: -len(t.post_ids))
    return ChatSummary(tldr=chat_tldr(channel, posts, topics), topics=topics)


def _topic(messages: list[PostInput], window: Sequence[PostInput]) -> ChatTopic:
    said = [s for n, post in enumerate(messages) for s in sentences(post, n)]
    used: set[tuple[str, str]] = set()
    by_id = {post.id: post for post in window}
    motion = _motion(said)
    if motion is not None:
        used.add(key(motion))
    decided = decisions(said, used, motion)
    actions = action_items(said, by_id, used)
    positions = _positions(said, motion, by_id, used) if motion is not None else []
    agreed = agreements(said, by_id, used)
    questions = open_questions(said, messages, window, used)
    arguments = _arguments(said, used)
    return ChatTopic(
        title=_title(motion, said),
        motion=Point(point=motion.quote, citations=[cite(motion)]) if motion else None,
        positions=positions,
        arguments=arguments,
        decisions=decided,
        action_items=actions,
        open_questions=questions,
        agreements=agreed,
        post_ids=[post.id for post in messages],
    )


def _motion(said: list[Said]) -> Said | None:
    for sentence in said:
        if not sentence.quote or DECISION.search(sentence.text) or content_free(sentence.text):
            continue  # "Let's do that." adopts what was said: no motion of its own
        if not PROPOSING.search(sentence.text) or WH.match(sentence.text.strip()):
            continue
        if sentence.question and sentence.post.reply_to and _ASKS_OF.match(sentence.text):
            continue  # "can we get a heads-up next time?" in reply: a request to them, no motion
        return sentence
    return None


def _positions(
    said: list[Said],
    motion: Said,
    by_id: dict[str, PostInput],
    used: set[tuple[str, str]],
) -> list[Position]:
    mover = motion.post.author
    latest: dict[str, Side] = {mover.lower(): "for"}
    by_message: dict[str, Side] = {}
    alternative_words: set[str] = set()

    def side_of(name: str) -> Side | None:
        name = name.lower().lstrip("@")
        for author, side in reversed(list(latest.items())):
            if author == name or (len(name) >= 4 and name in author):
                return side
        return None

    context = Context(words(motion.text), alternative_words, side_of)
    readings: list[tuple[Said, Side, bool]] = []
    after = False
    carried: tuple[str, Side] | None = None  # (message, side) a stance sentence set
    for sentence in said:
        if sentence is motion:
            after = True
            continue
        if not after or key(sentence) in used:
            carried = None
            continue
        parent = sentence.post.reply_to
        reading = read_chat_stance(
            sentence.text,
            context,
            answers_motion=parent == motion.post.id,
            answered_side=by_message.get(parent or ""),
        )
        side = reading.side
        strong = reading.strong
        if side is None and carried is not None and carried[0] == sentence.post.id:
            # "hard no from me. gasless voting is the only reason most small holders vote":
            # the reason after a stance in the same message argues for it, until a turn
            if (
                sentence.question
                or _TURN.match(sentence.text)
                or _REPORTS_AN_ACT.search(sentence.text)
            ):
                carried = None
            else:
                side, strong = carried[1], False
        author = sentence.post.author
        if side is None or (author == mover and side != "for"):
            continue
        carried = (sentence.post.id, side)
        readings.append((sentence, side, strong))
        by_message[sentence.post.id] = side
        if side == "alternative":
            alternative_words.update(words(sentence.text))
        if side != "alternative" or author.lower() not in latest:
            latest[author.lower()] = side
    return _sides(readings, used)


def _sides(readings: list[tuple[Said, Side, bool]], used: set[tuple[str, str]]) -> list[Position]:
    """Each person on for or against at most (their latest confident word), and on the
    alternative too when they backed one; a side quoted with up to three sentences that say
    something, each person's best."""
    stated: dict[str, list[tuple[Said, Side, bool]]] = {}
    for reading in readings:
        stated.setdefault(reading[0].post.author, []).append(reading)
    chosen: dict[Side, list[Said]] = {"for": [], "against": [], "alternative": []}
    holders: dict[Side, list[str]] = {"for": [], "against": [], "alternative": []}
    for author, theirs in stated.items():
        main = [r for r in theirs if r[1] != "alternative"]
        if main:
            last = ([r for r in main if r[2]] or main)[-1]
            keep: list[Side] = [last[1]]
        else:
            keep = []
        if any(r[1] == "alternative" for r in theirs):
            keep.append("alternative")
        for side in keep:
            holders[side].append(author)
            carrying = [r[0] for r in theirs if r[1] == side and r[0].quote]
            if carrying:
                chosen[side].append(max(carrying, key=lambda s: (len(words(s.text)) >= 3, s.order)))
    positions = []
    order: tuple[Side, ...] = ("for", "against", "alternative")
    for side in order:
        shown = [s for s in chosen[side] if key(s) not in used][:MAX_QUOTES_PER_SIDE]
        if not shown:
            continue
        used.update(key(s) for s in shown)
        positions.append(
            Position(
                stance=side,
                summary=shown[0].quote,
                holders=holders[side],  # every holder: counts are taken from this list
                citations=[cite(s) for s in shown],
            )
        )
    return positions


def _arguments(said: list[Said], used: set[tuple[str, str]]) -> list[Point]:
    frequencies = Counter(w for s in said for w in words(s.text))
    scored = []
    for sentence in said:
        if sentence.question or key(sentence) in used or is_chatter(sentence.post):
            continue
        if not sentence.quote or _AGENDA.search(sentence.text):
            continue
        distinct = words(sentence.quote)
        if len(distinct) < 5 or len(sentence.quote) > 300:
            continue
        weight = sum(math.log1p(frequencies[w]) for w in distinct) / math.sqrt(len(distinct))
        scored.append((weight, sentence))
    chosen = []
    seen_posts: set[str] = set()
    for _, sentence in sorted(scored, key=lambda pair: -pair[0]):
        if sentence.post.id in seen_posts:
            continue
        seen_posts.add(sentence.post.id)
        used.add(key(sentence))
        chosen.append(Point(point=sentence.quote, citations=[cite(sentence)]))
        if len(chosen) == MAX_ARGUMENTS:
            break
    return chosen


def _title(motion: Said | None, said: list[Said]) -> str:
    if motion is not None:
        text = motion.quote
    else:
        asked = [s for s in said if s.question and s.quote]
        spoken = [s for s in said if s.quote]
        text = (asked or spoken)[0].quote if (asked or spoken) else "(no text)"
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


_SIDE_WORDS = {"for": "for", "against": "against", "alternative": "with an alternative"}


def chat_tldr(channel: str, posts: Sequence[PostInput], topics: Sequence[ChatTopic]) -> str:
    """Counts of topics, decisions, action items and open questions, and each motion's sides,
    taken from every holder and item, never from a list cut for display."""
    people = len({p.author for p in posts})
    counts = [
        _plural(len(topics), "topic"),
        _plural(sum(len(t.decisions) for t in topics), "decision"),
        _plural(sum(len(t.action_items) for t in topics), "action item"),
        _plural(sum(len(t.open_questions) for t in topics), "open question"),
    ]
    parts = [f"{channel}: {len(posts)} messages from {people} people; {'; '.join(counts)}."]
    debated = [t for t in topics if t.motion is not None and t.positions]
    for topic in debated[:TLDR_DEBATES]:
        balance = ", ".join(
            f"{len(p.holders)} {_SIDE_WORDS[p.stance]}" for p in topic.positions
        )  # from every holder, not from a list cut for display
        parts.append(f"On “{topic.title}”: {balance}.")
    if len(debated) > TLDR_DEBATES:
        parts.append(f"Sides on {len(debated) - TLDR_DEBATES} more topics below.")
    return " ".join(parts)
