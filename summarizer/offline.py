"""The offline summarizer: extractive, no model, same output shape.

It fills what extraction can honestly fill: the best-ranked sentences, the most-liked posts, who
takes which side by the words they use, the questions raised. It does not paraphrase, so every
quote is a sentence of the post it cites.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.schema import (
    Citation,
    DebateSummary,
    Point,
    Position,
    PostInput,
    Question,
    Step,
)

# A sentence ends at . ! or ? followed by a space or the end, so URLs and decimals stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z][a-z0-9'-]+")
_STOP = frozenset(
    (
        "the a an and or but if of to in on for with at by from is are was were be been it this "
        "that these those we you they i he she our your their not no so as do does did have has "
        "had will would can could should may might just than then there here what which who how "
        "why about into also more most very all any some such its it's i'm don't"
    ).split()
)
_STANCE_WORDS = {
    "against": (
        "against",
        "oppose",
        "object",
        "disagree",
        "too risky",
        "risk",
        "reject",
        "-1",
        "concern",
    ),
    "alternative": (
        "instead",
        "alternative",
        "what about",
        "rather",
        "counter-proposal",
        "propose",
        "staggered",
    ),
    "for": ("support", "in favour", "in favor", "+1", "agree", "for this", "yes", "great idea"),
}
_STEP = re.compile(
    r"\b(next steps?|we should|let's|let us|we need to|put .* to a vote|draft)\b", re.I
)
_AGREEMENT = re.compile(r"\b(i agree|we agree|agreed|consensus|we all|common ground)\b", re.I)


@dataclass(frozen=True)
class _Sentence:
    post: PostInput
    text: str
    score: float


def stance_of(text: str) -> str | None:
    """The side a post takes, by its words; None when it takes none."""
    lowered = text.lower()
    for stance, words in _STANCE_WORDS.items():
        if any(word in lowered for word in words):
            return stance
    return None


def summarize_offline(posts: Sequence[PostInput], topic: str) -> DebateSummary:
    sentences = _ranked_sentences(posts)
    by_post: dict[str, list[_Sentence]] = {}
    for sentence in sentences:
        by_post.setdefault(sentence.post.id, []).append(sentence)

    def best(post: PostInput) -> _Sentence | None:
        candidates = by_post.get(post.id)
        return max(candidates, key=lambda s: s.score) if candidates else None

    positions = []
    for stance in ("for", "against", "alternative"):
        side = sorted(
            (p for p in posts if stance_of(p.text) == stance), key=lambda p: (-p.likes, p.id)
        )
        tops = [s for s in (best(p) for p in side[:3]) if s is not None]
        if not tops:
            continue
        holders = list(dict.fromkeys(p.author for p in side))[:8]
        positions.append(
            Position(
                stance=stance,
                summary=tops[0].text,
                holders=holders,
                citations=[_cite(s) for s in tops],
            )
        )
    arguments = [Point(point=s.text, citations=[_cite(s)]) for s in _top(sentences, 5)]
    questions = [
        Question(question=s.text, citations=[_cite(s)])
        for s in _top([s for s in sentences if s.text.endswith("?")], 5)
    ]
    statements = [s for s in sentences if not s.text.endswith("?")]
    agreements = [
        Point(point=s.text, citations=[_cite(s)])
        for s in _top([s for s in statements if _AGREEMENT.search(s.text)], 3)
    ]
    steps = [
        Step(step=s.text, citations=[_cite(s)])
        for s in _top([s for s in statements if _STEP.search(s.text)], 3)
    ]
    return DebateSummary(
        tldr=_tldr(posts, positions, topic),
        positions=positions,
        arguments=arguments,
        open_questions=questions,
        agreements=agreements,
        next_steps=steps,
    )


def _own_sentences(text: str) -> list[str]:
    """The post's own sentences: quoted lines are someone else's words."""
    own = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    sentences = []
    for line in own:
        line = line.strip().lstrip("-* ").strip()
        sentences += [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
    return sentences


def _ranked_sentences(posts: Sequence[PostInput]) -> list[_Sentence]:
    split = [(p, _own_sentences(p.text)) for p in posts]
    frequencies = Counter(
        w for _, texts in split for t in texts for w in set(_WORD.findall(t.lower())) - _STOP
    )
    ranked = []
    for post, texts in split:
        boost = 1 + math.log1p(post.likes)
        for text in texts:
            words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
            if len(words) < 4 or len(text) > 400:
                continue  # fragments and walls of text make poor summaries
            weight = sum(math.log1p(frequencies[w]) for w in words) / math.sqrt(len(words))
            ranked.append(_Sentence(post, text, weight * boost))
    return ranked


def _top(sentences: list[_Sentence], count: int) -> list[_Sentence]:
    chosen: list[_Sentence] = []
    seen_posts: set[str] = set()
    seen_texts: set[str] = set()
    for sentence in sorted(sentences, key=lambda s: -s.score):
        key = sentence.text.lower()
        if sentence.post.id in seen_posts or key in seen_texts:
            continue  # one point per post, and no point twice when posts repeat each other
        chosen.append(sentence)
        seen_posts.add(sentence.post.id)
        seen_texts.add(key)
        if len(chosen) == count:
            break
    return chosen


def _cite(sentence: _Sentence) -> Citation:
    return Citation(post_id=sentence.post.id, quote=sentence.text)


def _tldr(posts: Sequence[PostInput], positions: list[Position], topic: str) -> str:
    authors = len({p.author for p in posts})
    counts = ", ".join(f"{len(p.holders)} {p.stance}" for p in positions) or "no clear sides"
    first = (
        f"{len(posts)} posts by {authors} participants on {topic!r}; sides by wording: {counts}."
    )
    liked = max(posts, key=lambda p: p.likes, default=None)
    if liked is None or liked.likes == 0:
        return first
    return f"{first} The most-liked post ({liked.likes} likes) is by {liked.author}."
