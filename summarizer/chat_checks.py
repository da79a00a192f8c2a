"""What a model's answer on a chat topic is checked for before anyone sees it.

- Every quote is verified against the message it cites (`summarizer.citations.is_supported`);
  a citation that fails is dropped, and an item left without citations with it.
- A motion must be named and cited; without one there are no sides at all.
- Holders are people who wrote in the topic; nobody is both for and against; the motion's author
  is never against it.
- A sentence is quoted once in a topic: a later item quoting it again loses that citation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

from summarizer.chat_prompts import TopicAnswer
from summarizer.checks import same_person
from summarizer.citations import is_supported
from summarizer.schema import (
    ActionItem,
    Citation,
    Decision,
    Point,
    Position,
    PostInput,
    Question,
)

_REPLY_MARK = re.compile(r"^\s*\[re\s+\d+\]\s*")
Item = TypeVar("Item", Point, Position, Decision, ActionItem, Question)


def check_topic(answer: TopicAnswer, numbered: Mapping[str, PostInput]) -> TopicAnswer:
    """The answer with its citations verified and renumbered to message ids (`numbered` maps
    the numbers the model was sent to the messages)."""
    seen: set[tuple[str, str]] = set()

    def cited(citations: list[Citation]) -> list[Citation]:
        kept = []
        for citation in citations:
            quote = _REPLY_MARK.sub("", citation.quote)  # the marker is Steward's, not theirs
            citation = Citation(post_id=citation.post_id.strip(), quote=quote)
            post = numbered.get(citation.post_id)
            if post is None or not is_supported(citation, numbered):
                continue  # no such message, or the quote is not in it
            key = (post.id, _words(citation.quote))
            if key in seen:
                continue  # said in another item already
            seen.add(key)
            kept.append(Citation(post_id=post.id, quote=citation.quote))
        return kept

    def items(found: list[Item]) -> list[Item]:
        checked = []
        for item in found:
            citations = cited(item.citations)
            if citations:
                checked.append(item.model_copy(update={"citations": citations}))
        return checked

    motion = None
    if answer.motion is not None:
        citations = cited(answer.motion.citations)
        if citations and answer.motion.point.strip():
            motion = answer.motion.model_copy(update={"citations": citations})
    decisions = items(answer.decisions)
    actions = items(answer.action_items)
    positions = _sides(items(answer.positions), motion, numbered) if motion else []
    return answer.model_copy(
        update={
            "motion": motion,
            "positions": positions,
            "decisions": decisions,
            "action_items": actions,
            "agreements": items(answer.agreements),
            "open_questions": items(answer.open_questions),
            "arguments": items(answer.arguments),
        }
    )


def _sides(
    positions: list[Position], motion: Point, numbered: Mapping[str, PostInput]
) -> list[Position]:
    by_id = {post.id: post for post in numbered.values()}
    authors = {post.author for post in numbered.values()}
    mover = by_id[motion.citations[0].post_id].author

    def who(name: str) -> str | None:
        return next((a for a in authors if same_person(a, name)), None)

    holders = {p.stance: {h for h in (who(n) for n in p.holders) if h} for p in positions}
    both = holders.get("for", set()) & holders.get("against", set())
    checked = []
    for position in positions:
        keep = [h for h in dict.fromkeys(who(n) for n in position.holders) if h and h not in both]
        citations = [c for c in position.citations if by_id[c.post_id].author not in both]
        if position.stance == "against":
            keep = [h for h in keep if h != mover]
            citations = [c for c in citations if by_id[c.post_id].author != mover]
        if keep and citations:
            checked.append(position.model_copy(update={"holders": keep, "citations": citations}))
    return checked


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))
