"""What the proposals digest reads in a draft's timeline, and how untrusted titles stand in it."""

from __future__ import annotations

from datetime import date

from cogs.proposals.digest_items import plain
from cogs.proposals.digest_timeline import deadlines, is_timeline

TIMELINE = """\
- 2026-12-15: first chapters
- Dec 20: review; January 5th, 2027: launch
| 15 December 2026 | payout |
- 3rd of Feb: retrospective
- Q1: a second sprint, week 3, February 30, 2026-02-30, and then we may see
"""


def test_real_dates_are_read_with_their_line() -> None:
    found = [(d.day, d.line) for d in deadlines(TIMELINE, date(2026, 12, 1))]
    assert found == [
        (date(2026, 12, 15), "2026-12-15: first chapters"),
        (date(2026, 12, 20), "Dec 20: review; January 5th, 2027: launch"),
        (date(2027, 1, 5), "Dec 20: review; January 5th, 2027: launch"),
        (date(2026, 12, 15), "15 December 2026 | payout"),
        (date(2027, 2, 3), "3rd of Feb: retrospective"),  # no year: the next February 3rd
    ]


def test_a_date_without_a_year_is_the_next_one_after_writing() -> None:
    assert [d.day for d in deadlines("- Mar 1: kickoff", date(2026, 2, 10))] == [date(2026, 3, 1)]
    assert [d.day for d in deadlines("- Mar 1: kickoff", date(2026, 3, 2))] == [date(2027, 3, 1)]


def test_timeline_sections_by_key_or_heading() -> None:
    assert is_timeline("timeline", "Milestones") and is_timeline("plan", "Deadlines")
    assert not is_timeline("budget", "Budget")


def test_untrusted_titles_cannot_ping_or_link() -> None:
    shown = plain("Fund @everyone <@&123> [click](https://evil.example) **now**\u202e\nplease")
    assert "@everyone" not in shown and "<@&123>" not in shown
    assert "](" not in shown and "*" not in shown and "\u202e" not in shown and "\n" not in shown
    assert shown.startswith("Fund @\u200beveryone") and shown.endswith("now please")
    assert len(plain("x" * 500)) == 120
