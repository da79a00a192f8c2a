"""What every summary is checked for before anyone sees it, whoever wrote it.

- Quotes are verified: a citation whose quote is not in its post is dropped, and a point left
  without citations with it (`summarizer.citations.verify`).
- The proposer is not against their own proposal: they leave the Against holders, their own
  posts leave its citations, and a side that was only theirs goes.
- What the proposal asks for is in the TL;DR: when the opening post asks for amounts
  (`summarizer.asks`) and the TL;DR names none of them, the asks are appended.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from summarizer.asks import Ask, amount_value, asks_phrase, extract_asks, proposal_asks
from summarizer.citations import verify
from summarizer.schema import DebateSummary, PostInput
from summarizer.text import prose

_NOT_NAME = re.compile(r"[\W_]+")


def check(
    summary: DebateSummary,
    posts: Sequence[PostInput],
    opening: PostInput | None = None,
    topic: str = "",
) -> DebateSummary:
    """All the checks; `opening` is the thread's opening post when it is a proposal's, and
    `topic` its title (where an ask is often stated)."""
    by_id = {post.id: post for post in posts}
    summary, _ = verify(summary, by_id)
    if opening is not None:
        summary = proposer_not_against(summary, opening.author, by_id)
        summary = asks_in_tldr(summary, opening.text, topic)
    return summary


def same_person(a: str, b: str) -> bool:
    """Names as a model may write them: "@Alice", "alice", "alice_" are one person."""
    return _NOT_NAME.sub("", a).casefold() == _NOT_NAME.sub("", b).casefold() != ""


def proposer_not_against(
    summary: DebateSummary, proposer: str, posts: Mapping[str, PostInput]
) -> DebateSummary:
    positions = []
    for position in summary.positions:
        if position.stance != "against":
            positions.append(position)
            continue
        holders = [h for h in position.holders if not same_person(h, proposer)]
        citations = [
            c
            for c in position.citations
            if c.post_id not in posts or not same_person(posts[c.post_id].author, proposer)
        ]
        if holders and citations:
            positions.append(
                position.model_copy(update={"holders": holders, "citations": citations})
            )
    if positions == summary.positions:
        return summary
    return summary.model_copy(update={"positions": positions})


def asks_in_tldr(summary: DebateSummary, opening_text: str, topic: str = "") -> DebateSummary:
    asks = proposal_asks(topic, prose(opening_text).own)
    phrase = asks_phrase(asks)
    if not phrase or names_an_amount(summary.tldr, asks):
        return summary
    tldr = summary.tldr.strip()
    if tldr and tldr[-1] not in ".!?":
        tldr += "."
    return summary.model_copy(update={"tldr": f"{tldr} It asks for {phrase}.".strip()})


def names_an_amount(text: str, asks: Sequence[Ask]) -> bool:
    """The text names one of the amounts asked for, as written or as the same value in the same
    unit ("$200k" for "$200,000", "45 million ARB" for "45M ARB")."""
    amounts = [a.text for a in asks if a.kind == "amount"]
    flat = _flat(text)
    if any(_flat(amount) in flat for amount in amounts):
        return True
    written = {amount_value(a.text) for a in extract_asks(text) if a.kind == "amount"}
    return any(
        amount_value(amount) in written for amount in amounts if amount_value(amount) is not None
    )


def _flat(text: str) -> str:
    return re.sub(r"[\s,]", "", text).casefold()
