"""How far an offline chat summary can be trusted: scored against the hand-labelled chat windows
in bench/eval/chat/ (see bench/eval/README.md, "Chat set").

Each window's messages become what the chat ingest hands the summarizer (`PostInput`, Discord's
"<@id>" mentions shown as "@name"), `summarize_chat_offline` summarizes them, and the summary is
scored against the labels:

- **precision of sides**: each quote under For, Against or Alternative is looked up among the
  labelled sentences of the message it cites; shown next to what precision hides (labelled sides
  not shown, holders right, holders found);
- **recall of decisions and of action items**: a labelled one counts found when an item of that
  section cites its message with a quote that overlaps the labelled sentence; owners are checked
  too;
- **motions** found, **sides without a labelled motion**, **duplicate quotes** and **URL-only
  quotes**, and open questions that were in fact answered.

    .venv/bin/python -m bench.chat_quality [--verbose] [DIRECTORY]

`score_chat(windows)` scores any labelled windows; `CHAT_HELDOUT_DIR` holds windows written apart
from the summarizer (never tuned on), printed in a table of their own when it has files.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.chat_labels import (
    CHAT_DIR,
    CHAT_HELDOUT_2_DIR,
    CHAT_HELDOUT_3_DIR,
    CHAT_HELDOUT_4_DIR,
    CHAT_HELDOUT_DIR,
    ChatStance,
    ChatWindow,
    load_chat_windows,
    post_inputs,
)
from bench.summary_quality import SIDES, is_url_quote
from summarizer.chat_offline import summarize_chat_offline
from summarizer.schema import ChatSummary, PostInput
from summarizer.text import prose

CHAT_GOALS = {
    "precision": 0.85,
    "decisions": 0.80,
    "action_items": 0.80,
    "duplicates": 0,
    "url_quotes": 0,
}

SummarizeChat = Callable[[Sequence[PostInput], str], ChatSummary]


_MENTION_ANY = re.compile(r"<[@#]!?\d+>|(?<![\w@])[@#][\w.-]*\w")
_NOT_WORD = re.compile(r"[^\w%]+")


def chat_normal(text: str) -> str:
    """A quote or labelled sentence for comparison: links by reference, mentions and
    punctuation out, lower case."""
    text = _MENTION_ANY.sub(" ", prose(text).text.replace("[link]", " "))
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def overlaps(quote: str, sentence: str) -> bool:
    """The quote shows the sentence: one holds the other, or they share most of the
    sentence's words."""
    a, b = chat_normal(quote), chat_normal(sentence)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    words_b = b.split()
    return len(set(a.split()) & set(words_b)) >= 0.6 * len(set(words_b))


def _matched(quote: str, labels: Sequence[ChatStance]) -> list[ChatStance]:
    wanted = chat_normal(quote)
    if not wanted:
        return []
    equal = [s for s in labels if chat_normal(s.text) == wanted]
    if equal:
        return equal[:1]
    contained = [s for s in labels if chat_normal(s.text) and chat_normal(s.text) in wanted]
    if contained:
        return contained
    return [s for s in labels if wanted in chat_normal(s.text)][:1]


def _judged(matched: Sequence[ChatStance]) -> str | None:
    sides = {s.stance for s in matched if s.stance != "none"}
    if len(sides) == 1:
        return sides.pop()
    if sides:
        return "mixed"
    return "none" if matched else None


@dataclass
class ChatScore:
    windows: int = 0
    topics_labelled: int = 0
    topics_found: int = 0
    motions: int = 0  # labelled motions
    motions_found: int = 0  # of those, the motion of a summary topic
    sides_without_motion: int = 0  # positions under a motion that is no labelled motion
    shown: int = 0  # quotes under For, Against or Alternative
    correct: int = 0
    labelled_sides: int = 0
    abstentions: int = 0  # labelled for/against/alternative sentences shown under no side
    holders: int = 0
    right_holders: int = 0  # holders with a labelled sentence on that side
    sided_authors: int = 0  # (author, side) pairs the labels show
    found_authors: int = 0  # of those, listed as holders of that side
    decisions: int = 0
    decisions_found: int = 0
    decisions_shown: int = 0
    decisions_right: int = 0  # of those shown, a labelled decision
    action_items: int = 0
    action_items_found: int = 0
    action_items_shown: int = 0
    action_items_right: int = 0  # of those shown, a labelled action item
    owners_right: int = 0  # of the action items found, with the labelled owner
    open_questions_shown: int = 0
    answered_shown_open: int = 0  # shown as open, but labelled answered (or no question)
    duplicates: int = 0
    url_quotes: int = 0

    @property
    def precision(self) -> float | None:
        return self.correct / self.shown if self.shown else None

    @property
    def decision_recall(self) -> float | None:
        return self.decisions_found / self.decisions if self.decisions else None

    @property
    def action_recall(self) -> float | None:
        return self.action_items_found / self.action_items if self.action_items else None

    def goals_met(self) -> dict[str, bool]:
        def at_least(value: float | None, goal: float) -> bool:
            return value is None or value >= goal

        return {
            "precision": self.precision is not None and self.precision >= CHAT_GOALS["precision"],
            "decisions": at_least(self.decision_recall, CHAT_GOALS["decisions"]),
            "action items": at_least(self.action_recall, CHAT_GOALS["action_items"]),
            "duplicates": self.duplicates <= CHAT_GOALS["duplicates"],
            "URL quotes": self.url_quotes <= CHAT_GOALS["url_quotes"],
        }

    def add(self, other: ChatScore) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ChatReport:
    overall: ChatScore
    by_window: dict[str, ChatScore] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)  # what went wrong, one line each


def score_window(window: ChatWindow, summary: ChatSummary, report: ChatReport) -> ChatScore:
    score = ChatScore(windows=1, topics_labelled=len(window.topics))
    score.topics_found = len(summary.topics)
    name = window.path.stem
    author = {str(m.id): m.author for m in window.messages}
    stances: dict[str, list[ChatStance]] = {}
    for topic in window.topics:
        for stance in topic.stances:
            stances.setdefault(str(stance.message), []).append(stance)
    labelled_motions = [t.motion for t in window.topics if t.motion]
    score.motions = len(labelled_motions)
    summary_motions = [t.motion.citations[0].quote for t in summary.topics if t.motion]
    score.motions_found = sum(
        any(overlaps(found, motion) for found in summary_motions) for motion in labelled_motions
    )
    shown: set[ChatStance] = set()
    for topic in summary.topics:
        motion_quote = topic.motion.citations[0].quote if topic.motion else ""
        if topic.positions and not any(overlaps(motion_quote, m) for m in labelled_motions):
            score.sides_without_motion += len(topic.positions)
            report.misses.append(f"[{name}] sides on {motion_quote!r}, no labelled motion")
        for position in topic.positions:
            for citation in position.citations:
                matched = _matched(citation.quote, stances.get(citation.post_id, []))
                judged = _judged(matched)
                score.shown += 1
                if judged == position.stance:
                    score.correct += 1
                    shown.update(m for m in matched if m.stance == position.stance)
                else:
                    shown.update(m for m in matched if m.stance in SIDES)
                    report.misses.append(
                        f"[{name}] {citation.post_id[-6:]} under {position.stance}, labelled "
                        f"{judged or 'unlabelled'}: {citation.quote!r}"
                    )
            for holder in position.holders:
                said = {
                    s.stance
                    for ss in stances.values()
                    for s in ss
                    if author[str(s.message)] == holder
                }
                score.holders += 1
                score.right_holders += position.stance in said
    labelled = [s for ss in stances.values() for s in ss]
    sided = {(author[str(s.message)], s.stance) for s in labelled if s.stance in SIDES}
    listed = {(h, p.stance) for t in summary.topics for p in t.positions for h in p.holders}
    score.sided_authors = len(sided)
    score.found_authors = len(sided & listed)
    score.labelled_sides = sum(s.stance in SIDES for s in labelled)
    score.abstentions = sum(s.stance in SIDES and s not in shown for s in labelled)
    decisions = [(c, d) for t in summary.topics for d in t.decisions for c in d.citations]
    actions = [(c, a) for t in summary.topics for a in t.action_items for c in a.citations]
    score.decisions_shown = sum(len(t.decisions) for t in summary.topics)
    score.action_items_shown = sum(len(t.action_items) for t in summary.topics)
    for topic_labels in window.topics:
        for decision in topic_labels.decisions:
            score.decisions += 1
            if any(
                c.post_id == str(decision.message) and overlaps(c.quote, decision.text)
                for c, _ in decisions
            ):
                score.decisions_found += 1
            else:
                report.misses.append(f"[{name}] decision missed: {decision.text!r}")
        for item in topic_labels.action_items:
            score.action_items += 1
            found = [
                a
                for c, a in actions
                if c.post_id == str(item.message) and overlaps(c.quote, item.text)
            ]
            if found:
                score.action_items_found += 1
                labelled_owner = _as_name(item.owner, window.people)
                if any(_same_name(a.owner, labelled_owner) for a in found):
                    score.owners_right += 1
                else:
                    report.misses.append(
                        f"[{name}] owner {found[0].owner!r}, labelled {item.owner!r}: {item.text!r}"
                    )
            else:
                report.misses.append(f"[{name}] action item missed: {item.text!r}")
    labelled_decisions = [d for t in window.topics for d in t.decisions]
    labelled_actions = [a for t in window.topics for a in t.action_items]
    for citation, _ in decisions:
        if any(
            citation.post_id == str(d.message) and overlaps(citation.quote, d.text)
            for d in labelled_decisions
        ):
            score.decisions_right += 1
        else:
            report.misses.append(f"[{name}] shown as a decision, labelled none: {citation.quote!r}")
    for citation, _ in actions:
        if any(
            citation.post_id == str(a.message) and overlaps(citation.quote, a.text)
            for a in labelled_actions
        ):
            score.action_items_right += 1
        else:
            report.misses.append(
                f"[{name}] shown as an action item, labelled none: {citation.quote!r}"
            )
    open_labels = {
        (str(q.message), q.text)
        for t in window.topics
        for q in t.questions
        if q.answered_by is None
    }
    for topic in summary.topics:
        for question in topic.open_questions:
            score.open_questions_shown += 1
            citation = question.citations[0]
            if not any(
                post == citation.post_id and overlaps(citation.quote, text)
                for post, text in open_labels
            ):
                score.answered_shown_open += 1
                report.misses.append(f"[{name}] shown open, labelled answered or no question: "
                                     f"{citation.quote!r}")  # fmt: skip
    quotes = Counter(chat_normal(c.quote) for c in summary.citations())
    for quote, count in quotes.items():
        if count > 1:
            score.duplicates += count - 1
            report.misses.append(f"[{name}] quoted {count} times: {quote!r}")
    for citation in summary.citations():
        if is_url_quote(citation.quote) or not chat_normal(citation.quote):
            score.url_quotes += 1
            report.misses.append(f"[{name}] URL quote {citation.quote!r}")
    return score


def _as_name(owner: str, people: dict[str, str]) -> str:
    """A labelled owner written as a Discord mention ("<@id>") by the name it shows."""
    mention = re.fullmatch(r"<@!?(\d+)>", owner.strip())
    return people.get(mention.group(1), owner) if mention else owner


def _same_name(a: str, b: str) -> bool:
    def flat(name: str) -> str:
        return re.sub(r"[\W_]+", "", name).casefold()

    return flat(a) == flat(b) or (len(flat(b)) >= 4 and flat(b) in flat(a))


def score_chat(
    windows: Sequence[ChatWindow], summarize: SummarizeChat = summarize_chat_offline
) -> ChatReport:
    """Summarize every labelled window and score the summaries."""
    report = ChatReport(ChatScore())
    for window in windows:
        summary = summarize(post_inputs(window), window.title)
        score = score_window(window, summary, report)
        report.by_window[window.path.stem] = score
        report.overall.add(score)
    return report


def _share(part: int, whole: int) -> str:
    return "n/a" if not whole else f"{part / whole:.0%} ({part}/{whole})"


def render_chat(report: ChatReport, verbose: bool = False) -> str:
    lines = [
        "| window | precision of sides | abstentions | holders right | holders found "
        "| decisions found | decisions right | action items found | action items right "
        "| owners right | motions found "
        "| sides without motion | answered shown open | duplicate quotes | URL quotes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in [*report.by_window.items(), ("**all**", report.overall)]:
        lines.append(
            f"| {name} | {_share(s.correct, s.shown)} | {s.abstentions}/{s.labelled_sides} "
            f"| {_share(s.right_holders, s.holders)} | {_share(s.found_authors, s.sided_authors)} "
            f"| {_share(s.decisions_found, s.decisions)} "
            f"| {_share(s.decisions_right, s.decisions_shown)} "
            f"| {_share(s.action_items_found, s.action_items)} "
            f"| {_share(s.action_items_right, s.action_items_shown)} "
            f"| {_share(s.owners_right, s.action_items_found)} "
            f"| {_share(s.motions_found, s.motions)} | {s.sides_without_motion} "
            f"| {s.answered_shown_open}/{s.open_questions_shown} | {s.duplicates} "
            f"| {s.url_quotes} |"
        )
    lines.append(
        f"| goal | ≥ {CHAT_GOALS['precision']:.0%} | | | | ≥ {CHAT_GOALS['decisions']:.0%} | "
        f"| ≥ {CHAT_GOALS['action_items']:.0%} | | | | | | {CHAT_GOALS['duplicates']} "
        f"| {CHAT_GOALS['url_quotes']} |"
    )
    met = [
        f"{goal} {'met' if ok else 'NOT met'}" for goal, ok in report.overall.goals_met().items()
    ]
    lines += ["", "Goals: " + ", ".join(met) + "."]
    if verbose:
        lines += ["", f"Misses ({len(report.misses)}):"] + [f"- {m}" for m in report.misses]
    return "\n".join(lines)


def chat_report_text(directory: Path, heading: str, verbose: bool = False) -> str | None:
    """The report on one directory of labelled windows; None when it holds none."""
    windows = load_chat_windows(directory) if directory.is_dir() else []
    if not windows:
        return None
    stances = sum(len(t.stances) for w in windows for t in w.topics)
    messages = sum(len(w.messages) for w in windows)
    return (
        f"## {heading}\n\n{len(windows)} labelled chat windows, {messages} messages, {stances} "
        f"labelled sentences ({directory})\n\n{render_chat(score_chat(windows), verbose)}"
    )


CHAT_SETS = (
    (CHAT_DIR, "Chat: tuning set"),
    (CHAT_HELDOUT_DIR, "Chat: held-out set (read once blind, then fixed against)"),
    (CHAT_HELDOUT_2_DIR, "Chat: second held-out set (read once, then fixed against by class)"),
    (CHAT_HELDOUT_3_DIR, "Chat: third held-out set (read once blind, then fixed against by class)"),
    (
        CHAT_HELDOUT_4_DIR,
        "Chat: fourth held-out set (labelled blind by another hand; never tuned on)",
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument("directory", nargs="?", type=Path, help="one directory of windows")
    args = parser.parse_args(argv)
    sets = ((args.directory, str(args.directory)),) if args.directory else CHAT_SETS
    for directory, heading in sets:
        text = chat_report_text(directory, heading, args.verbose)
        if text:
            print(text, end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
