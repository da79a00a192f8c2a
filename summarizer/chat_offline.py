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
from dataclasses import dataclass
from datetime import timedelta

from summarizer.chat_stance import Context, read_chat_stance, words
from summarizer.schema import (
    ActionItem,
    ChatSummary,
    ChatTopic,
    Citation,
    Decision,
    Point,
    Position,
    PostInput,
    Question,
)
from summarizer.stance import Side
from summarizer.topics import PROPOSING, is_chatter, message_time, split_topics, terms

MAX_QUOTES_PER_SIDE = 3
MAX_ARGUMENTS = 3
MAX_QUESTIONS = 5
MAX_TITLE = 90
TLDR_DEBATES = 3  # topics whose sides the TL;DR names; the others are counted

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_MARK = re.compile(r"^[-*•]\s+")
_VOTE_ONLY = re.compile(r"^(?:👍|👎|✅|❌|🙌|💯)+(?:\s*(?:👍|👎|✅|❌|🙌|💯)+)*$")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_AT = re.compile(r"(?<![\w@])@([\w.-]*\w)")

_DECISION = re.compile(
    r"^\W*(?:final\s+)?(?:decision|decided|resolution|resolved|outcome|decisión|decisão|"
    r"entscheidung|décision)\s*:|\bit'?s\s+decided\b"
    r"|\bagreed\s+on\s+the\s+call\b"
    r"|\b(?:we|(?:the|our)\s+(?P<body>[a-z]+(?:\s+[a-z]+)?))\s+(?:have\s+|has\s+)?"
    r"(?:decided|agreed)\s+(?:on\s+the\s+\w+\s+(?:call|meeting)\s+)?(?:to|on|that|not)\b"
    r"|\bwe\s+(?:keep|are\s+keeping|go\s+with|are\s+going\s+with)\b"
    r"|\bwe(?:'ll|\s+will)\s+(?:not\s+)?(?:also\s+)?(?:launch|move|replace|keep|roll|ship|go\s+with|"
    r"switch|delay|postpone|extend|cancel|stop|open|close|pause|hold|use)\b"
    r"|\b(?:goes|go)\s+live\s+on\b|\bmoves?\s+to\s+(?:the\s+)?(?:\d|\w+day\b|next\s+week)"
    r"|\b(?:stays?|remains?|will\s+(?:stay|remain))\s+(?:at|below|under|above)\s+\d"
    r"|^\W*(?:confirmed|locked\s+in)\s*:|\bwe'?re\s+going\s+ahead\s+with\b"
    r"|^\W*(?:ok(?:ay)?,?\s+|so,?\s+|alright,?\s+)?let'?s\s+go\s+with\b"
    r"|\bstarts?\s+on\s+(?:day\s+one|\w+day\b|\d)|\b(?:is|are)\s+(?:moved|postponed)\s+to\b"
    r"|^\W*(?:ok(?:ay)?|so|alright)(?:,?\s+so)?\s*:\s*\S",
    re.IGNORECASE,
)
_TAKES_ON = re.compile(
    r"\b(?:i'?ll|i\s+will|i'?m\s+going\s+to|(?:@[\w.-]+\s+)?and\s+i\s+will)\s+(?:also\s+)?"
    r"(?!be\b|live\b|take\s+that|see\b|think\b|believe\b|admit\b|say\b|bet\b|pass\b|wait\b)\w+"
    r"|^\W*(?:(?:i'?m\s+)?on\s+it|will\s+do)\b|\bi\s+can\s+(?:take|own|handle|draft|write|do)\s+(?:this|that|it|"
    r"the)\b|^\W*let\s+me\s+(?!know\b|be\b|see\s+if\s+i\s+understand)\w+",
    re.IGNORECASE,
)
_TASK_LABEL = re.compile(r"^\W*(?:action\s+items?|ai|todo|task)\s*:\s*", re.IGNORECASE)
_ON_IT = re.compile(r"^\W*(?:(?:i'?m\s+)?on\s+it|will\s+do)\b", re.IGNORECASE)
_REQUEST = re.compile(
    r"^\W*(?P<names>(?:@[\w.-]*\w[\s,]*(?:and\s+)?)+)[\s,:]*(?P<rest>.*)$", re.IGNORECASE
)
_ASKS_TO_DO = re.compile(
    r"^(?:can|could|would|will)\s+you\b|^to\s+\w+|^you\s+(?:own|take|handle|drive|lead)\b|^please\b|^(?:you'?re|you\s+are)\s+on\b|^will\s+\w+"
    r"|^(?:pls|plz)\b",
    re.IGNORECASE,
)
_NAME_WILL = re.compile(
    r"^\W*(?P<who>[\w.-]+)\s+(?:will|is\s+going\s+to|'ll)\s+(?:also\s+)?(?!be\b)\w+",
    re.IGNORECASE,
)
_WH = re.compile(
    r"^(?:what(?!\s+if\s+we)|why|how(?!\s+about\s+we)|when|where|who|which|is|are|do|does|did|"
    r"any)\b",
    re.IGNORECASE,
)
_AGREEMENT = re.compile(
    r"^\W*(?:(?:i\s+)?agree(?:d)?\s+with\s+@?[\w.-]+|fair\s+point|good\s+point|that'?s\s+fair|"
    r"(?:ok\s+)?fair,|you'?re\s+(?:probably\s+)?right|i\s+take\s+the\s+point)",
    re.IGNORECASE,
)
# Words that turn an argument: what follows is no longer the stance before it.
_TURN = re.compile(
    r"^\W*(?:but|however|though|although|still|that\s+said|then\s+again|otoh|on\s+the\s+other)\b",
    re.IGNORECASE,
)
_AGENDA = re.compile(
    r"^\W*(?:item\s+\d+|agenda\b|call\s+starts|notes\s+are\s+up|reminder\b|posted\s*:|"
    r"new\s+forum\s+post|forum\s+(?:post|write-up)\s+is\s+up)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Said:
    post: PostInput
    order: int  # place in the topic
    text: str  # the sentence as written (a substring of the message)
    quote: str  # the part to cite: the sentence without its links; "" when it is mostly a link
    question: bool


def sentences(post: PostInput, order: int = 0) -> list[_Said]:
    """A message's own sentences, as written; lines quoted with "> " are someone else's."""
    found = []
    for line in post.text.split("\n"):
        if line.lstrip().startswith(">"):
            continue
        line = _LIST_MARK.sub("", line.strip())
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if piece and re.search(r"[^\W_]", piece):
                found.append(_Said(post, order, piece, _quotable(piece), piece.endswith("?")))
            elif _VOTE_ONLY.match(piece):
                found.append(_Said(post, order, piece, "", False))  # 👍: a vote, no quote
    return found


def _quotable(sentence: str) -> str:
    """The sentence without its links, as a verbatim piece of it: the longest stretch between
    links, when it says something ("status page still says all systems operational lol")."""
    pieces = [p.strip(" \t:–—-,;") for p in _URL.split(sentence)]
    best = max(pieces, key=len) if pieces else ""
    if not re.search(r"[^\W_]", best):
        return ""  # emoji alone: nothing to quote
    return best if len(_LETTERS.findall(best)) >= 3 or (best == sentence.strip()) else ""


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
        used.add(_key(motion))
    decisions = _decisions(said, used)
    actions = _actions(said, by_id, used)
    positions = _positions(said, motion, by_id, used) if motion is not None else []
    agreements = _agreements(said, by_id, used)
    questions = _open_questions(said, messages, window, used)
    arguments = _arguments(said, used)
    return ChatTopic(
        title=_title(motion, said),
        motion=Point(point=motion.quote, citations=[_cite(motion)]) if motion else None,
        positions=positions,
        arguments=arguments,
        decisions=decisions,
        action_items=actions,
        open_questions=questions,
        agreements=agreements,
        post_ids=[post.id for post in messages],
    )


def _key(said: _Said) -> tuple[str, str]:
    return said.post.id, " ".join(re.findall(r"\w+", said.text.lower()))


def _cite(said: _Said) -> Citation:
    return Citation(post_id=said.post.id, quote=said.quote)


def _motion(said: list[_Said]) -> _Said | None:
    for sentence in said:
        if not sentence.quote or _DECISION.search(sentence.text):
            continue
        if PROPOSING.search(sentence.text) and not _WH.match(sentence.text.strip()):
            return sentence
    return None


def _decisions(said: list[_Said], used: set[tuple[str, str]]) -> list[Decision]:
    found = []
    for sentence in said:
        if sentence.question or not sentence.quote or _key(sentence) in used:
            continue
        match = _DECISION.search(sentence.text)
        if match is None:
            continue
        body = match.group("body")
        by = sentence.post.author
        if body and body.lower() not in ("team", "call"):
            by = f"{body} (per {sentence.post.author})"
        used.add(_key(sentence))
        found.append(Decision(decision=sentence.quote, by=by, citations=[_cite(sentence)]))
    return found


def _actions(
    said: list[_Said], by_id: dict[str, PostInput], used: set[tuple[str, str]]
) -> list[ActionItem]:
    found = []
    for sentence in said:
        if not sentence.quote or _key(sentence) in used:
            continue
        owner = _owner(sentence, by_id)
        if owner is None:
            continue
        used.add(_key(sentence))
        found.append(ActionItem(task=sentence.quote, owner=owner, citations=[_cite(sentence)]))
    return found


def _owner(sentence: _Said, by_id: dict[str, PostInput]) -> str | None:
    text = sentence.text.replace("\u2019", "'")
    labelled = _TASK_LABEL.match(text)
    text = text[labelled.end() :] if labelled else text  # "Action item: @quen updates…"
    request = _REQUEST.match(text)
    if request is not None:
        rest = request.group("rest").strip()
        names = _AT.findall(request.group("names"))
        if names and labelled:
            return str(names[0])
        if re.match(r"^and\s+i\s+will\b", rest, re.IGNORECASE):
            return sentence.post.author  # "@jbaxter and I will do the sequencer side"
        short_ask = sentence.question and len(rest.split()) <= 5 and not _WH.match(rest)
        if names and (_ASKS_TO_DO.search(rest) or short_ask):
            return str(names[0])
    named = _NAME_WILL.match(text)
    if named and not sentence.question:
        who = named.group("who")
        people = {p.author.lower(): p.author for p in by_id.values()}
        if who.lower() in people and who.lower() not in ("i", "we", "you", "they", "it"):
            return people[who.lower()]  # "kwame will ship the spec update by Thursday"
    if _ON_IT.match(text):
        parent = by_id.get(sentence.post.reply_to or "")
        if parent is not None and sentence.post.author.lower() in _named(parent):
            return None  # accepting a request made to them: the request is the item
        return sentence.post.author
    if not sentence.question and _TAKES_ON.search(text):
        return sentence.post.author
    if sentence.question and re.match(r"^\W*(?:can|could)\s+you\b", text, re.IGNORECASE):
        parent = by_id.get(sentence.post.reply_to or "")
        if parent is not None and parent.author != sentence.post.author:
            return parent.author
    return None


def _named(post: PostInput) -> set[str]:
    return {m.lower() for m in post.mentions} | {m.lower() for m in _AT.findall(post.text)}


def _positions(
    said: list[_Said],
    motion: _Said,
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
    readings: list[tuple[_Said, Side, bool]] = []
    after = False
    carried: tuple[str, Side] | None = None  # (message, side) a stance sentence set
    for sentence in said:
        if sentence is motion:
            after = True
            continue
        if not after or _key(sentence) in used:
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
            if sentence.question or _TURN.match(sentence.text):
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


def _sides(readings: list[tuple[_Said, Side, bool]], used: set[tuple[str, str]]) -> list[Position]:
    """Each person on for or against at most (their latest confident word), and on the
    alternative too when they backed one; a side quoted with up to three sentences that say
    something, each person's best."""
    stated: dict[str, list[tuple[_Said, Side, bool]]] = {}
    for reading in readings:
        stated.setdefault(reading[0].post.author, []).append(reading)
    chosen: dict[Side, list[_Said]] = {"for": [], "against": [], "alternative": []}
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
        shown = [s for s in chosen[side] if _key(s) not in used][:MAX_QUOTES_PER_SIDE]
        if not shown:
            continue
        used.update(_key(s) for s in shown)
        positions.append(
            Position(
                stance=side,
                summary=shown[0].quote,
                holders=holders[side],  # every holder: counts are taken from this list
                citations=[_cite(s) for s in shown],
            )
        )
    return positions


def _agreements(
    said: list[_Said], by_id: dict[str, PostInput], used: set[tuple[str, str]]
) -> list[Point]:
    found = []
    for sentence in said:
        if not sentence.quote or _key(sentence) in used or not _AGREEMENT.match(sentence.text):
            continue
        parent = by_id.get(sentence.post.reply_to or "")
        if parent is None or parent.author == sentence.post.author:
            continue
        used.add(_key(sentence))
        who = f"{sentence.post.author} agrees with {parent.author}"
        rest = _AGREEMENT.sub("", sentence.quote).strip(" ,.;:!")
        point = f"{who}: {sentence.quote}" if len(rest.split()) >= 3 else who
        found.append(Point(point=point, citations=[_cite(sentence)]))
    return found[:3]


def _open_questions(
    said: list[_Said],
    messages: list[PostInput],
    window: Sequence[PostInput],
    used: set[tuple[str, str]],
) -> list[Question]:
    found = []
    for sentence in said:
        if not sentence.question or not sentence.quote or _key(sentence) in used:
            continue
        if _answered(sentence, messages, window):
            continue
        used.add(_key(sentence))
        found.append(Question(question=sentence.quote, citations=[_cite(sentence)]))
    return found[:MAX_QUESTIONS]


def _answered(sentence: _Said, messages: list[PostInput], window: Sequence[PostInput]) -> bool:
    """Someone else replied to the message, or the person it asks spoke after it."""
    asker = sentence.post.author
    if any(p.reply_to == sentence.post.id and p.author != asker for p in window):
        return True
    asked = _named(sentence.post)
    later = messages[sentence.order + 1 :]
    if asked and any(p.author.lower() in asked for p in later):
        return True
    # Answered without the reply button: the next message, someone else's, soon after, and
    # about the same thing ("when is OIP-15 going to a vote?" / "OIP-15 goes to a vote…").
    following = next((p for p in later if p.author != asker), None)
    if following is None or following.reply_to not in (None, sentence.post.id):
        return False
    if "?" in following.text or None in (sentence.post.created_at, following.created_at):
        return False
    soon = message_time(following) - message_time(sentence.post) <= timedelta(minutes=15)
    return soon and bool(terms(following.text) & terms(sentence.text))


def _arguments(said: list[_Said], used: set[tuple[str, str]]) -> list[Point]:
    frequencies = Counter(w for s in said for w in words(s.text))
    scored = []
    for sentence in said:
        if sentence.question or _key(sentence) in used or is_chatter(sentence.post):
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
        used.add(_key(sentence))
        chosen.append(Point(point=sentence.quote, citations=[_cite(sentence)]))
        if len(chosen) == MAX_ARGUMENTS:
            break
    return chosen


def _title(motion: _Said | None, said: list[_Said]) -> str:
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
