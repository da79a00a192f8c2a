"""An /ask result as a Reply: the answer with [n] markers, the passages it stands on with their
titles, authors, dates and links; or the plain refusal with what was searched.

Passages are untrusted text: quoted on one line each, mentions and invites neutralized (the
framework's Reply also never pings), brackets kept out of link labels.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from bot.commands.reply import Reply, Tone
from bot.commands.sanitize import neutralize_all_mentions, strip_invites
from bot.records import Passage
from cogs.knowledge.ask import AskResult
from cogs.knowledge.ask_rules import excerpt, searched_line

NOTHING = "I found nothing about that in this community's record."
TITLE_CHARS = 120
QUESTION_SHOWN = 200


def clean(text: str) -> str:
    """On one line, no pings, no invites, no leading list or quote markers."""
    text = re.sub(r"^(?:[-*>#]\s*)+", "", " ".join(text.split()))
    return strip_invites(neutralize_all_mentions(text))


def _label(text: str) -> str:
    """Safe inside a Markdown link's label."""
    shown = clean(text).replace("[", "(").replace("]", ")")
    return shown if len(shown) <= TITLE_CHARS else shown[: TITLE_CHARS - 1] + "…"


def _date(at: datetime | None, zone: tzinfo) -> str:
    if at is None:
        return ""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%Y-%m-%d")


def passage_line(number: int, passage: Passage, zone: tzinfo) -> str:
    """`[n] [Title](link) · author · date · note`."""
    title = _label(passage.title) or passage.key
    head = f"[{title}]({passage.url})" if passage.url else f"**{title}**"
    parts = [f"**[{number}]** {head}"]
    if passage.author:
        parts.append(clean(passage.author))
    date = _date(passage.created_at, zone)
    if date:
        parts.append(date)
    if passage.note:
        parts.append(f"_{clean(passage.note)}_")
    return " · ".join(parts)


def _quote(text: str) -> str:
    return f"“{clean(text)}”"


def _question(result: AskResult) -> str:
    shown = clean(result.question)
    return shown if len(shown) <= QUESTION_SHOWN else shown[: QUESTION_SHOWN - 1] + "…"


def _following(result: AskResult) -> list[str]:
    if not result.previous_question:
        return []
    return [f"_Following up on: {_quote(result.previous_question[:QUESTION_SHOWN])}_"]


def render(result: AskResult) -> Reply:
    if result.refused:
        return render_refusal(result)
    if result.model_reply is not None:
        return render_model(result)
    return render_offline(result)


def render_refusal(result: AskResult) -> Reply:
    lines = [*_following(result), NOTHING]
    if result.found:
        lines.append("The passages closest to it do not answer it.")
    lines.append(searched_line(result.sources, result.query))
    return Reply(
        title=_question(result),
        body="\n".join(lines),
        footer=" ".join(result.notes) or None,
        tone=Tone.INFO,
    )


def render_offline(result: AskResult) -> Reply:
    lines = _following(result)
    numbers = {f.passage.key: n for n, f in enumerate(result.found, start=1)}
    if result.answer is not None:
        found, sentence = result.answer
        lines.append(f"**Answer:** {_quote(sentence)} [{numbers[found.passage.key]}]")
    if lines:
        lines.append("")
    for number, found in enumerate(result.found, start=1):
        lines.append(passage_line(number, found.passage, result.zone))
        lines.append(f"> {clean(excerpt(found.passage, result.scorer))}")
    footer = "Offline: the passages themselves, quoted from the record, best first."
    return Reply(
        title=_question(result),
        body="\n".join(lines),
        footer=" ".join([footer, *result.notes]),
    )


def render_model(result: AskResult) -> Reply:
    reply = result.model_reply
    if reply is None:
        raise ValueError("render_model needs the model's reply")
    numbers: dict[int, int] = {}
    sentences = []
    for line in reply.lines:
        marks = []
        for index in line.passages:
            if index < len(result.found):
                number = numbers.setdefault(index, len(numbers) + 1)
                marks.append(f"[{number}]")
        sentences.append(" ".join([clean(line.text), "".join(marks)]).strip())
    lines = [*_following(result), " ".join(sentences), "", "**Sources**"]
    cited = sorted((n, i) for i, n in numbers.items())
    lines += [passage_line(n, result.found[i].passage, result.zone) for n, i in cited]
    footer = f"Answered by {reply.model} from the community's record; every sentence cites it."
    return Reply(
        title=_question(result),
        body="\n".join(lines),
        footer=" ".join([footer, *result.notes]),
    )
