"""What a chat topic's sentences say besides sides: decisions with who took them, tasks with
their owner, agreements between people, and questions nobody answered.

Sentences are cut from a message's raw text, so every quote is a verbatim substring of it;
links are left out of quotes and a sentence that is mostly a link is never quoted. `used` holds
the sentences a summary has already shown, so none appears in two sections.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from summarizer.schema import ActionItem, Citation, Decision, Point, PostInput, Question
from summarizer.topics import message_time, terms

MAX_QUESTIONS = 5

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_MARK = re.compile(r"^[-*•]\s+")
_VOTE_ONLY = re.compile(r"^(?:👍|👎|✅|❌|🙌|💯)+(?:\s*(?:👍|👎|✅|❌|🙌|💯)+)*$")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_AT = re.compile(r"(?<![\w@])@([\w.-]*\w)")

DECISION = re.compile(
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
WH = re.compile(
    r"^(?:what(?!\s+if\s+we)|why|how(?!\s+about\s+we)|when|where|who|which|is|are|do|does|did|"
    r"any)\b",
    re.IGNORECASE,
)
_AGREEMENT = re.compile(
    r"^\W*(?:(?:i\s+)?agree(?:d)?\s+with\s+@?[\w.-]+|fair\s+point|good\s+point|that'?s\s+fair|"
    r"(?:ok\s+)?fair,|you'?re\s+(?:probably\s+)?right|i\s+take\s+the\s+point)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Said:
    post: PostInput
    order: int  # place in the topic
    text: str  # the sentence as written (a substring of the message)
    quote: str  # the part to cite: the sentence without its links; "" when it is mostly a link
    question: bool


def sentences(post: PostInput, order: int = 0) -> list[Said]:
    """A message's own sentences, as written; lines quoted with "> " are someone else's."""
    found = []
    for line in post.text.split("\n"):
        if line.lstrip().startswith(">"):
            continue
        line = _LIST_MARK.sub("", line.strip())
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if piece and re.search(r"[^\W_]", piece):
                found.append(Said(post, order, piece, _quotable(piece), piece.endswith("?")))
            elif _VOTE_ONLY.match(piece):
                found.append(Said(post, order, piece, "", False))  # 👍: a vote, no quote
    return found


def _quotable(sentence: str) -> str:
    """The sentence without its links, as a verbatim piece of it: the longest stretch between
    links, when it says something ("status page still says all systems operational lol")."""
    pieces = [p.strip(" \t:–—-,;") for p in _URL.split(sentence)]
    best = max(pieces, key=len) if pieces else ""
    if not re.search(r"[^\W_]", best):
        return ""  # emoji alone: nothing to quote
    return best if len(_LETTERS.findall(best)) >= 3 or (best == sentence.strip()) else ""


def key(said: Said) -> tuple[str, str]:
    return said.post.id, " ".join(re.findall(r"\w+", said.text.lower()))


def cite(said: Said) -> Citation:
    return Citation(post_id=said.post.id, quote=said.quote)


def decisions(said: list[Said], used: set[tuple[str, str]]) -> list[Decision]:
    found = []
    for sentence in said:
        if sentence.question or not sentence.quote or key(sentence) in used:
            continue
        match = DECISION.search(sentence.text)
        if match is None:
            continue
        body = match.group("body")
        by = sentence.post.author
        if body and body.lower() not in ("team", "call"):
            by = f"{body} (per {sentence.post.author})"
        used.add(key(sentence))
        found.append(Decision(decision=sentence.quote, by=by, citations=[cite(sentence)]))
    return found


def action_items(
    said: list[Said], by_id: dict[str, PostInput], used: set[tuple[str, str]]
) -> list[ActionItem]:
    found = []
    for sentence in said:
        if not sentence.quote or key(sentence) in used:
            continue
        owner = _owner(sentence, by_id)
        if owner is None:
            continue
        used.add(key(sentence))
        found.append(ActionItem(task=sentence.quote, owner=owner, citations=[cite(sentence)]))
    return found


def _owner(sentence: Said, by_id: dict[str, PostInput]) -> str | None:
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
        short_ask = sentence.question and len(rest.split()) <= 5 and not WH.match(rest)
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


def agreements(
    said: list[Said], by_id: dict[str, PostInput], used: set[tuple[str, str]]
) -> list[Point]:
    found = []
    for sentence in said:
        if not sentence.quote or key(sentence) in used or not _AGREEMENT.match(sentence.text):
            continue
        parent = by_id.get(sentence.post.reply_to or "")
        if parent is None or parent.author == sentence.post.author:
            continue
        used.add(key(sentence))
        who = f"{sentence.post.author} agrees with {parent.author}"
        rest = _AGREEMENT.sub("", sentence.quote).strip(" ,.;:!")
        point = f"{who}: {sentence.quote}" if len(rest.split()) >= 3 else who
        found.append(Point(point=point, citations=[cite(sentence)]))
    return found[:3]


def open_questions(
    said: list[Said],
    messages: list[PostInput],
    window: Sequence[PostInput],
    used: set[tuple[str, str]],
) -> list[Question]:
    found = []
    for sentence in said:
        if not sentence.question or not sentence.quote or key(sentence) in used:
            continue
        if _answered(sentence, messages, window):
            continue
        used.add(key(sentence))
        found.append(Question(question=sentence.quote, citations=[cite(sentence)]))
    return found[:MAX_QUESTIONS]


def _answered(sentence: Said, messages: list[PostInput], window: Sequence[PostInput]) -> bool:
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
