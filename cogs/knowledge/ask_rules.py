"""The rules of /ask, without I/O: who may read what, which passages an answer is built from,
when the record has nothing, when one passage clearly answers, and what a follow-up is."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.commands import options as opt
from bot.commands.caller import Role
from bot.commands.community import SettingSpec
from bot.records import Passage
from retrieval.query import Query
from retrieval.ranking import Candidate, Ranked, Relevance, best_sentences, sentences

PRIVATE_CHANNELS = "private_channels"
# The core's channel where stewards hear of undeliverable posts: stewards' talk, never quoted
# to members.
STEWARD_CHANNEL = "steward_channel"
MAX_QUESTION = 500

# One passage "clearly answers" when it holds this much of the question and leads the others.
CLEAR_RELEVANCE = 0.8
CLEAR_LEAD = 0.2  # in relevance over the next passage
CLEAR_SCORE_RATIO = 1.5  # or in fused score, when both hold the question alike
# Passages holding less than this share of the threshold are not quoted under an answer.
KEEP_SHARE_OF_THRESHOLD = 0.5
QUOTE_SENTENCES = 2
QUOTE_CHARS = 400


def _channel_list(name: str, raw: str, platform: str) -> str:
    channels = [
        opt.parse_channel(name, token, platform).id for token in re.split(r"[,\s]+", raw) if token
    ]
    return ",".join(sorted(set(channels)))


PRIVATE_CHANNELS_SETTING = SettingSpec(
    PRIVATE_CHANNELS,
    "Channels only stewards may /ask about (the steward channel always is)",
    _channel_list,
    None,
    True,
)


def hidden_channels(values: Mapping[str, str], role: Role) -> frozenset[str]:
    """Channel keys ("discord:123") a reader of this role may not be quoted from: for members,
    every platform's private channels and steward channel; for stewards and admins, none."""
    if role >= Role.STEWARD:
        return frozenset()
    hidden: set[str] = set()
    for stored, value in values.items():
        key, _, platform = stored.partition("@")
        if not platform or key not in (PRIVATE_CHANNELS, STEWARD_CHANNEL):
            continue
        hidden |= {f"{platform}:{channel}" for channel in value.split(",") if channel}
    return frozenset(hidden)


def candidate(passage: Passage) -> Candidate:
    return Candidate(
        key=passage.key,
        text=passage.text,
        title=passage.title,
        created_at=passage.created_at,
        decision=passage.weight == "decision",
    )


@dataclass(frozen=True)
class Found:
    """A passage an answer may be built from, with how it ranked."""

    passage: Passage
    ranked: Ranked

    @property
    def relevance(self) -> float:
        return self.ranked.relevance


def select(
    ranked: Sequence[Ranked], passages: Mapping[str, Passage], count: int, min_relevance: float
) -> list[Found]:
    """The `count` best passages worth quoting (best first), or [] when even the most relevant
    of them holds less of the question than `min_relevance`: the record has nothing on it."""
    top = [Found(passages[r.candidate.key], r) for r in ranked[:count]]
    if not top or max(f.relevance for f in top) < min_relevance:
        return []
    floor = min_relevance * KEEP_SHARE_OF_THRESHOLD
    return [f for f in top if f.relevance >= floor]


def clear_answer(found: Sequence[Found]) -> Found | None:
    """The passage that clearly answers: the best ranked, holding nearly all of the question,
    and ahead of the next one in relevance or by far in rank."""
    if not found:
        return None
    best = found[0]
    if best.relevance < CLEAR_RELEVANCE or best.relevance < max(f.relevance for f in found) - 0.05:
        return None
    if len(found) == 1:
        return best
    second = found[1]
    ahead_in_relevance = best.relevance - second.relevance >= CLEAR_LEAD
    ahead_in_rank = best.ranked.score >= CLEAR_SCORE_RATIO * second.ranked.score
    return best if ahead_in_relevance or ahead_in_rank else None


def answer_sentence(passage: Passage, scorer: Relevance) -> str | None:
    """The passage's sentence holding most of the question, when it holds at least half."""
    picked = best_sentences(passage.text, scorer.weights, limit=1)
    total = sum(scorer.weights.values())
    if not picked or total <= 0 or picked[0][2] / total < 0.5:
        return None
    return picked[0][1]


def excerpt(passage: Passage, scorer: Relevance) -> str:
    """The passage trimmed to the sentences that match the question ("…" where text was left
    out); its opening when only its title matched."""
    picked = best_sentences(passage.text, scorer.weights, limit=QUOTE_SENTENCES)
    all_sentences = sentences(passage.text)
    if not picked:
        return _cut(all_sentences[0] if all_sentences else "", QUOTE_CHARS)
    parts: list[str] = []
    previous = -1
    for position, sentence, _ in picked:
        if position != previous + 1:
            parts.append("…")
        parts.append(sentence)
        previous = position
    if previous != len(all_sentences) - 1:
        parts.append("…")
    return _cut(" ".join(parts), QUOTE_CHARS)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Words by which a question points back at the previous one ("and who runs it?").
REFERRING = frozenset(
    "it its they them their theirs that this those these he she him her his there then "
    "and also too else same one ones".split()
)
REFERRING_OPENINGS = ("what about", "how about", "and ", "but ", "what else", "why not")


def refers_back(question: Query) -> bool:
    """Whether a question leans on an earlier one: a referring word or opening, or at most one
    word of its own to search for. "where is the brand guide?" stands alone, so a member who
    asks about something else in the same channel is not read as following up."""
    text = question.text.strip().lower()
    said = {w.lower() for w in re.findall(r"\w+", text)}
    return bool(said & REFERRING) or text.startswith(REFERRING_OPENINGS) or len(question.terms) <= 1


def follow_up(previous_at: datetime | None, now: datetime, minutes: float) -> bool:
    """Whether an ask at `now` may follow up the asker's previous one in the same channel,
    thread or topic: within `minutes` of it (the front ends tell a Discord thread by its own
    channel id; a Telegram topic shares its group's)."""
    if previous_at is None:
        return False
    at = previous_at if previous_at.tzinfo else previous_at.replace(tzinfo=UTC)
    return timedelta(0) <= now - at <= timedelta(minutes=minutes)


SOURCE_LABELS = {"debates": "forum and chat", "knowledge": "documents"}


def searched_line(source_names: Sequence[str], query: Query) -> str:
    """What was searched, in one line: the sources and the words looked for."""
    labels = [SOURCE_LABELS.get(name, name) for name in source_names]
    where = ", ".join(labels) if labels else "nothing (no record source is enabled)"
    words = ", ".join(query.all_terms) if not query.empty else "none (no content words)"
    return f"Searched: {where}; words looked for: {words}."
