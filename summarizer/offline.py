"""The offline summarizer: extractive, no model, same output shape, built on evidence.

Every side shown is carried by a sentence that takes it (see `summarizer.stance`), quoted as the
poster wrote it; quoted words are their author's, not the quoter's; links are kept by reference,
never quoted. In a proposal thread the opening post's author is the proposer and is never placed
against it, and the TL;DR says what is proposed and what it asks for; a thread that is no debate
(introductions, announcements, questions) gets no sides. A sentence appears once in a summary.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from summarizer.asks import asks_phrase, extract_asks, proposal_asks
from summarizer.schema import Citation, DebateSummary, Point, Position, PostInput, Question, Step
from summarizer.stance import Side, read_stance
from summarizer.text import is_mostly_link, prose

# A sentence ends at . ! or ? followed by a space or the end, so decimals stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_MARK = re.compile(r"^[-*•]\s+")
_WORD = re.compile(r"[^\W\d_][\w'-]+", re.UNICODE)
_STOP = frozenset(
    (
        "the a an and or but if of to in on for with at by from is are was were be been it this "
        "that these those we you they i he she our your their not no so as do does did have has "
        "had will would can could should may might just than then there here what which who how "
        "why about into also more most very all any some such its it's i'm don't"
    ).split()
)
_STEP = re.compile(
    r"\b(?:next\s+steps?|we\s+should|let'?s|let\s+us|we\s+need\s+to|put\s+(?:it|this)\s+to\s+a\s+"
    r"vote|move\s+(?:this|it)\s+to\s+(?:a\s+)?(?:vote|snapshot)|i\s+will\s+(?:update|draft|post))\b",
    re.IGNORECASE,
)
_AGREEMENT = re.compile(r"\b(?:i|we)\s+(?:fully\s+|also\s+)?agree\s+with\b", re.IGNORECASE)
_PROPOSAL_TITLE = re.compile(
    r"\[(?:rfc|proposal|temp\s*check|arfc|draft|grant|request)|\b[A-Z]{2,5}-\d{1,5}\b|"
    r"\b(?:rfc|proposal|temp\s*check|request\s+for|funding|grant|budget|renewal|allocation|"
    r"diversif\w*|incentive|retroactive|retro\s+funding|reimbursement|compensation|mandate|"
    r"election|renew|swap|parameter|fee\s+(?:cut|change|switch)|"
    # Spanish, Portuguese, French, German
    r"propuesta|proposta|proposition|vorschlag|antrag|solicitud|solicitação|financiamiento|"
    r"financiamento|subvención|demande\s+de\s+financement|förderantrag)\b",
    re.IGNORECASE,
)
_PROPOSAL_BODY = re.compile(
    r"\b(?:this\s+proposal|we\s+propose|i\s+propose|proposes|requests?|we\s+are\s+requesting|"
    r"we\s+ask\s+for|asks?\s+the\s+dao|"
    r"pedimos|solicitamos|proponemos|propomos|solicitamos|nous\s+demandons|nous\s+proposons|"
    r"wir\s+beantragen|wir\s+schlagen\s+vor)\b",
    re.IGNORECASE,
)
_NOT_A_DEBATE = re.compile(
    r"\b(?:introduce\s+yourself|introductions?|welcome|announcement|announcing|announces|"
    r"meeting\s+notes|recap|ama\b|office\s+hours|newsletter|weekly\s+update|monthly\s+update)\b",
    re.IGNORECASE,
)
_WITHDRAWN = re.compile(
    r"\b(?:withdraw(?:n|ing)?|retract(?:ed|ing)?)\s+(?:this|the|my|our)\s+(?:proposal|rfc|request)\b",
    re.IGNORECASE,
)
_REJECTED = re.compile(
    r"\b(?:was|is|has\s+been|were)\s+(?:rejected|defeated|voted\s+down)\b|\bdid\s+not\s+pass\b"
    r"|\bfailed\s+to\s+(?:pass|reach\s+quorum)\b",
    re.IGNORECASE,
)
_PASSED = re.compile(
    r"\b(?:proposal|vote|snapshot|it|this|renewal|grant|request|[A-Z]{2,5}-\d{1,5})\s+(?:has\s+)?"
    r"passed\b|\bpassed\s+(?:on|the)\s+\w+|\b(?:was|has\s+been)\s+(?:approved|accepted)\b",
    re.IGNORECASE,
)
# "How do I…?", "Where can I find…?": someone asking for help, not a motion.
_HELP_QUESTION = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:how\s+(?:do|can|to|should)\s+i\b|where\s+(?:do|can|is)\b|"
    r"what\s+is\s+the\s+(?:best\s+)?way\b|is\s+there\s+a\s+way\b|can\s+(?:i|someone)\b|"
    r"does\s+anyone\b|help\b|question\s*:)",
    re.IGNORECASE,
)
# "Should we…?", "Do we want…?": a debate, though no formal proposal yet.
_DEBATE_QUESTION = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:should\s+(?:we|the\s+dao)|do\s+we\s+(?:want|need)|is\s+it\s+time)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Words before an outcome that make it hypothetical, wished for or put in someone's mouth.
_NOT_STATED = re.compile(
    r"\b(?:if|unless|once|when|whether|would|will|should|could|might|say|says|saying|said|claim\w*|"
    r"hope|until|before|ignore|pretend|assume|even\s+if)\b",
    re.IGNORECASE,
)
_OUTCOMES = (("withdrawn", _WITHDRAWN), ("rejected", _REJECTED), ("passed", _PASSED))
MAX_QUOTES_PER_SIDE = 3
MAX_HOLDERS_SHOWN = 8


@dataclass(frozen=True)
class _Sentence:
    post: PostInput
    index: int  # position in the thread: posts in order, sentences in order
    text: str
    score: float
    side: Side | None
    strong: bool


def summarize_offline(posts: Sequence[PostInput], topic: str) -> DebateSummary:
    sentences = _sentences(posts)
    opening = posts[0] if posts else None
    kind = _thread_kind(topic, opening)
    proposer = opening.author if opening is not None and kind == "proposal" else None
    used: set[str] = set()

    positions, counts = _positions(sentences, proposer, used) if kind != "other" else ([], {})
    statements = [s for s in sentences if not s.text.endswith("?")]
    arguments = [Point(point=s.text, citations=[_cite(s)]) for s in _top(statements, 5, used)]
    questions = [
        Question(question=s.text, citations=[_cite(s)])
        for s in _top([s for s in sentences if s.text.endswith("?")], 5, used)
    ]
    agreements = [
        Point(point=s.text, citations=[_cite(s)])
        for s in _top([s for s in statements if _AGREEMENT.search(s.text)], 3, used)
    ]
    steps = [
        Step(step=s.text, citations=[_cite(s)])
        for s in _top([s for s in statements if _STEP.search(s.text)], 3, used)
    ]
    return DebateSummary(
        tldr=_tldr(posts, counts, topic, kind, proposer),
        positions=positions,
        arguments=arguments,
        open_questions=questions,
        agreements=agreements,
        next_steps=steps,
    )


def _thread_kind(topic: str, opening: PostInput | None) -> str:
    """proposal (a motion to take sides on), debate (sides without a formal motion) or other
    (introductions, announcements, a request for help: no sides at all)."""
    if _NOT_A_DEBATE.search(topic) or _HELP_QUESTION.search(topic):
        return "other"
    if _PROPOSAL_TITLE.search(topic):
        return "proposal"
    body = prose(opening.text).own if opening is not None else ""
    if _DEBATE_QUESTION.search(topic):
        return "debate"
    if _PROPOSAL_BODY.search(body) and extract_asks(body):
        return "proposal"
    # Any other question ("Voting power shows 0 after bridging?") asks for help, not for sides.
    return "other" if topic.strip().endswith("?") else "debate"


def _positions(
    sentences: list[_Sentence], proposer: str | None, used: set[str]
) -> tuple[list[Position], dict[Side, int]]:
    """Each author on one side at most: the side of their latest confident sentence, or of the
    strongest when their last one is weak. The proposer is never against, nor an alternative to,
    their own proposal (their revisions are the proposal). Someone seconding another ("+1 to
    @dana") takes that person's side. A side is quoted with sentences that say something (a bare
    "+1" counts its author, but is no quote)."""
    sentences = _resolve_seconds(sentences, proposer)
    by_author: dict[str, list[_Sentence]] = {}
    for sentence in sentences:
        if sentence.side is not None:
            by_author.setdefault(sentence.post.author, []).append(sentence)
    chosen: dict[str, list[_Sentence]] = {"for": [], "against": [], "alternative": []}
    holders: dict[str, list[tuple[str, int]]] = {"for": [], "against": [], "alternative": []}
    for author, stated in by_author.items():
        if author == proposer:
            stated = [s for s in stated if s.side == "for"]
        if not stated:
            continue
        strong = [s for s in stated if s.strong]
        last = (strong or stated)[-1]
        side = last.side
        if side is None:
            continue
        holders[side].append((author, last.post.likes))
        carrying = [s for s in stated if s.side == side and _says_something(s.text)]
        if carrying:
            chosen[side].append(max(carrying, key=lambda s: (s.strong, s.post.likes, s.index)))
    positions = []
    sides: tuple[Side, ...] = ("for", "against", "alternative")
    for stance in sides:
        # A seconding sentence ("+1 to @dana's plan") names a side but not why: quoted last.
        quotes = sorted(
            chosen[stance],
            key=lambda s: (bool(_SECONDS.search(s.text)), -s.strong, -s.post.likes, s.index),
        )
        shown = [s for s in quotes if _same_words(s.text) not in used][:MAX_QUOTES_PER_SIDE]
        if not shown:
            continue
        used.update(_same_words(s.text) for s in shown)
        ordered = sorted(holders[stance], key=lambda pair: -pair[1])
        positions.append(
            Position(
                stance=stance,
                summary=shown[0].text,
                holders=[author for author, _ in ordered],
                citations=[_cite(s) for s in shown],
            )
        )
    # Every holder counts, also on a side with nothing quotable ("+1" and "-1" alone).
    counts: dict[Side, int] = {side: len(holders[side]) for side in sides if holders[side]}
    return positions, counts


_SECONDS = re.compile(
    r"(?:^|\s)(?:\+1|agree(?:d)?|seconding|same\s+as|same\s+concerns?\s+as|exactly\s+what)\s+"
    r"(?:to\s+|with\s+)?"
    r"(?:a\s+\w+\s+approach\s+as\s+|the\s+\w+\s+(?:idea|suggestion)\s+(?:of|from)\s+|"
    r"what\s+)?@(?P<who>[\w.-]+)",
    re.IGNORECASE,
)


def _resolve_seconds(sentences: list[_Sentence], proposer: str | None) -> list[_Sentence]:
    """A sentence that seconds another poster takes that poster's side: the side of their
    latest confident sentence before it (the proposal's side when it is the proposer)."""
    resolved = []
    for sentence in sentences:
        match = _SECONDS.search(sentence.text)
        if match is None:
            resolved.append(sentence)
            continue
        who = match.group("who").lower()
        side: Side | None = "for" if proposer is not None and who == proposer.lower() else None
        if sentence.side == "alternative":
            side = "alternative"  # "+1 to @dana's staggered approach": the approach, not Dana
        for earlier in reversed(resolved):
            if side is not None:
                break
            if earlier.post.author.lower() == who and earlier.side is not None:
                side = earlier.side
        resolved.append(replace(sentence, side=side, strong=side is not None))
    return resolved


def _says_something(text: str) -> bool:
    return len(_WORD.findall(text)) >= 4


def _sentences(posts: Sequence[PostInput]) -> list[_Sentence]:
    split: list[tuple[PostInput, list[str]]] = []
    for post in posts:
        own = prose(post.text).own
        texts = []
        for line in own.split("\n"):
            line = _LIST_MARK.sub("", line.strip())  # "- point", never the "-" of "-1"
            texts += [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
        split.append((post, texts))
    frequencies = Counter(
        w for _, texts in split for t in texts for w in set(_WORD.findall(t.lower())) - _STOP
    )
    found: list[_Sentence] = []
    index = 0
    for post, texts in split:
        boost = 1 + math.log1p(post.likes)
        for text in texts:
            index += 1
            if is_mostly_link(text):
                continue
            reading = read_stance(text)
            words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
            weight = sum(math.log1p(frequencies[w]) for w in words) / math.sqrt(len(words) or 1)
            # Fragments and walls of text make poor points, but can still carry a stance.
            readable = len(words) >= 4 and len(text) <= 400
            found.append(
                _Sentence(
                    post,
                    index,
                    text,
                    weight * boost if readable else 0.0,
                    reading.side,
                    reading.strong,
                )
            )
    return found


def _top(sentences: list[_Sentence], count: int, used: set[str]) -> list[_Sentence]:
    """The best-ranked sentences not said elsewhere in the summary, one per post."""
    chosen: list[_Sentence] = []
    seen_posts: set[str] = set()
    for sentence in sorted(sentences, key=lambda s: -s.score):
        key = _same_words(sentence.text)
        if sentence.score <= 0 or sentence.post.id in seen_posts or key in used:
            continue
        chosen.append(sentence)
        seen_posts.add(sentence.post.id)
        used.add(key)
        if len(chosen) == count:
            break
    return chosen


_ADDRESSED = re.compile(r"^(?:@[\w.-]+[\s,:]*)+")


def _same_words(text: str) -> str:
    """A sentence as compared for repeats: "@nadia what is the argument…?" repeats "What is
    the argument…?"."""
    return " ".join(re.findall(r"\w+", _ADDRESSED.sub("", text.strip()).lower()))


def _cite(sentence: _Sentence) -> Citation:
    return Citation(post_id=sentence.post.id, quote=sentence.text)


def _tldr(
    posts: Sequence[PostInput],
    counts: dict[Side, int],
    topic: str,
    kind: str,
    proposer: str | None,
) -> str:
    people = len({p.author for p in posts})
    took_part = f"{people} {'person' if people == 1 else 'people'} took part in {len(posts)} posts"
    parts = []
    if kind == "proposal" and posts:
        asked = asks_phrase(proposal_asks(topic, prose(posts[0].text).own))
        asking = f", asking for {asked}" if asked else ""
        parts.append(f"{topic!r}, proposed by {proposer}{asking}.")
    else:
        parts.append(f"{topic!r}.")
    if counts:
        balance = ", ".join(f"{n} {_side_words(side)}" for side, n in counts.items())
        parts.append(f"{took_part}; of those with a clear stance: {balance}.")
    elif kind == "other":
        parts.append(f"{took_part}; not a debate, so no sides.")
    else:
        parts.append(f"{took_part}; no clear sides yet.")
    outcome = _outcome(posts)
    if outcome:
        parts.append(f"Outcome stated in the thread: {outcome}.")
    return " ".join(parts)


def _side_words(side: str) -> str:
    return {"for": "for", "against": "against", "alternative": "with an alternative"}[side]


def _outcome(posts: Sequence[PostInput]) -> str | None:
    """The latest outcome someone states as a fact: withdrawn, rejected or passed. "If it
    passed…", "say the proposal passed", "will it pass?" state nothing."""
    for post in reversed(posts):
        for sentence in reversed(_SENTENCE_END.split(prose(post.text).own)):
            if sentence.strip().endswith("?"):
                continue
            for outcome, pattern in _OUTCOMES:
                found = pattern.search(sentence)
                if found and not _NOT_STATED.search(sentence[: found.start()]):
                    return outcome
    return None
