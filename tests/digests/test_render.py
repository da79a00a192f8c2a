"""A digest rendered for each platform, checked through the platforms' real renderers."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.adapters import discord_render, telegram_render
from bot.adapters.console import render_console
from bot.digest_parts import DigestItem, DigestPart, Reader, Section
from cogs.digests.building import with_footer
from cogs.digests.digest import Digest
from cogs.digests.render import CHAT_ITEMS, FOOTER_RESERVE, digest_reply
from tests.digests.render_samples import END, HOSTILE, START, big, digest, item, item_time, series

BERLIN = ZoneInfo("Europe/Berlin")
MASS_PING = re.compile(r"@(everyone|here)\b", re.IGNORECASE)


def small() -> DigestPart:
    return DigestPart(
        "test",
        items=(
            item(Section.COMING_UP, 1, "Vote AIP-7 ends"),
            item(Section.DEBATES, 2, "Grants budget: 14 new posts, 3 new people"),
            item(Section.NEEDS_YOU, 3, "Safe tx 42 awaits your signature"),
            item(Section.DEBATES, 4, "Forum move: settled"),
        ),
    )


def discord_one_message(reply_platform_digest: object) -> discord_render.DiscordMessage:
    messages = discord_render.render(digest_reply(reply_platform_digest, "discord"))  # type: ignore[arg-type]
    assert len(messages) == 1
    embed = messages[0].embed
    assert len(embed) <= discord_render.EMBED_TOTAL_LIMIT
    assert len(embed.description or "") <= discord_render.DESCRIPTION_LIMIT
    assert len(embed.title or "") <= discord_render.TITLE_LIMIT
    assert len(embed.fields) <= discord_render.FIELD_COUNT_LIMIT
    assert all(len(f.value or "") <= discord_render.FIELD_VALUE_LIMIT for f in embed.fields)
    return messages[0]


def test_title_names_the_community_and_the_period_in_the_readers_zone() -> None:
    reply = digest_reply(digest(small()), "discord")
    assert reply.title == (
        "Digest for Acme DAO · Mon 30 Nov 09:00 → Tue 1 Dec 09:00 (Europe/Berlin)"
    )
    catch_up = digest_reply(digest(small(), catch_up=True), "telegram")
    assert catch_up.title is not None and catch_up.title.startswith("Catch-up digest for Acme DAO")


def test_sections_come_in_priority_order_with_links_and_nothing_cut() -> None:
    reply = digest_reply(digest(small()), "discord")
    assert [f.name for f in reply.fields] == ["Needs you now (1)", "Debates (2)", "Coming up (1)"]
    debates = reply.fields[1].value.splitlines()
    assert (
        "Grants budget" in debates[0] and "(https://forum.acme.org/t/topic-debates/2)" in debates[0]
    )
    assert "Forum move" in debates[1]
    # What is due shows its time, in the reader's zone.
    # What is due shows its time, in the reader's zone.
    assert reply.fields[0].value.endswith("· Tue 09:21")
    assert reply.footer is not None and "Cut" not in reply.footer
    assert [f.filename for f in reply.files] == ["digest.md"]


def test_chat_shows_a_few_items_per_section_and_says_how_many_more() -> None:
    many = DigestPart("test", items=tuple(item(Section.VOTES, n) for n in range(12)))
    for platform in ("discord", "telegram"):
        reply = digest_reply(digest(many), platform)
        text = reply.fields[0].value if reply.fields else reply.body
        assert text.count("• ") == CHAT_ITEMS
        assert f"and {12 - CHAT_ITEMS} more in digest.md" in text
    console = digest_reply(digest(many), "console")
    assert all(f"Votes item {n} " in console.body for n in range(12))


@pytest.mark.parametrize("text_chars", [40, 250, 400, 2000])
def test_a_big_hostile_digest_fits_one_discord_message(text_chars: int) -> None:
    d = big(text_chars=text_chars)
    message = discord_one_message(d)
    embed = message.embed
    shown = [f.name for f in embed.fields]
    assert shown[0] == "Needs you now (200)"
    cut = [s.heading for s in Section if f"{s.heading} (200)" not in shown]
    footer = embed.footer.text or ""
    if cut:
        assert footer.startswith("Cut to fit: ")
        assert all(f"{name} (200)" in footer for name in cut)
    # Lower-priority sections go first: what is shown is a prefix of the priority order.
    assert shown == [f"{s.heading} (200)" for s in Section][: len(shown)]
    texts = [embed.title or "", embed.description or "", footer]
    texts += [f"{f.name}{f.value}" for f in embed.fields]
    assert not any(MASS_PING.search(t) for t in texts)
    assert {f.filename for f in message.files} == {"digest.md"}


def test_a_digest_with_full_sections_is_cut_on_discord() -> None:
    d = big(text_chars=120)
    embed = discord_one_message(d).embed
    assert len(embed.fields) < len(Section)
    assert "Coming up (200)" in (embed.footer.text or "")


@pytest.mark.parametrize("text_chars", [40, 250, 400, 2000])
def test_a_big_hostile_digest_fits_one_telegram_message(text_chars: int) -> None:
    reply = digest_reply(big(text_chars=text_chars), "telegram")
    messages = telegram_render.render(reply)
    assert len(messages) == 1
    html = messages[0]
    assert len(html) <= telegram_render.MESSAGE_LIMIT
    assert "<b>Needs you now (200)</b>" in html
    assert "Cut to fit: " in html and "Coming up (200)" in html.split("Cut to fit: ")[1]
    assert not MASS_PING.search(html)
    # Untrusted markup stays text: the only tags are the renderer's own.
    assert set(re.findall(r"</?([a-z]+)", html)) <= {"a", "b", "code"}


def test_when_even_one_section_is_too_long_its_items_are_trimmed() -> None:
    only = DigestPart(
        "test", items=tuple(item(Section.NEEDS_YOU, n, "😀" * 290) for n in range(40))
    )
    reply = digest_reply(digest(only), "telegram")
    messages = telegram_render.render(reply)
    assert len(messages) == 1 and len(messages[0]) <= telegram_render.MESSAGE_LIMIT
    assert "more in digest.md" in reply.body
    assert discord_one_message(digest(only)).embed.fields[0].name == "Needs you now (40)"


def test_the_console_gets_every_item_of_every_section() -> None:
    d = big(per_section=30, text_chars=60)
    text = render_console(digest_reply(d, "console"))
    for section in Section:
        assert f"{section.heading} (30)" in text
        assert all(f"topic-{section.value}/{n} " in text for n in range(30))
    assert not MASS_PING.search(text)
    assert "Treasury: the RPC did not answer" in text


def test_the_attached_markdown_has_every_item_with_its_link_and_time() -> None:
    d = big(per_section=50, text_chars=30)
    full = {f.filename: f.data for f in digest_reply(d, "telegram").files}["digest.md"].decode()
    assert full.startswith("# Digest for Acme DAO · Mon 30 Nov 09:00")
    for section in Section:
        assert f"## {section.heading} (50)" in full
        for n in range(50):
            at = item_time(section, n).astimezone(BERLIN)
            link = f"(https://forum.acme.org/t/topic-{section.value}/{n})"
            assert f"{link} · {at:%a} {at.day} {at:%b %H:%M}" in full
    assert "[forum](https://forum.acme.org/t/topic-votes/3) · Mon 30 Nov 09:21" in full
    assert "## Problems\n\n- Treasury: the RPC did not answer" in full
    assert not MASS_PING.search(full)
    assert HOSTILE.split()[1] in full  # untrusted markup kept as written, for a text file


def test_the_model_cost_is_in_the_full_version() -> None:
    part = DigestPart("debates", items=small().items, model_calls=2, prompt_tokens=900)
    full = digest_reply(digest(part), "console").files[0].data.decode()
    assert "Model: 2 calls, 900 prompt and 0 completion tokens." in full


def test_problems_are_shown_briefly() -> None:
    problems = tuple(f"Source {n} could not be read:\n{'x' * 500}" for n in range(6))
    reply = digest_reply(digest(DigestPart("test", problems=problems)), "discord")
    lines = reply.body.splitlines()
    assert len(lines) == 4 and lines[-1] == "⚠ …and 3 more in digest.md"
    assert all(len(line) < 200 for line in lines)


def test_an_empty_digest_is_one_line_without_sections_or_files() -> None:
    for platform in ("discord", "telegram", "console"):
        reply = digest_reply(digest(DigestPart("test")), platform)
        assert reply.body == (
            "Nothing new in Acme DAO since Mon 30 Nov 09:00. "
            "`/digest empty skip` turns such digests off."
        )
        assert not reply.fields and not reply.files and reply.title is None
    assert len(telegram_render.render(digest_reply(digest(), "telegram"))) == 1


def test_an_empty_channel_or_catch_up_digest_says_so() -> None:
    channel = replace(digest(), reader=Reader("telegram"))
    assert digest_reply(channel, "telegram").body.endswith(
        "Stewards turn such digests off with `/digest empty skip channel=<this channel>`."
    )
    caught_up = digest_reply(digest(catch_up=True), "discord").body
    assert caught_up.startswith("Catch-up: nothing new in Acme DAO since Mon 30 Nov 09:00.")


def test_a_chart_is_attached_when_parts_give_series() -> None:
    part = DigestPart(
        "forum", items=small().items, series=(series("activity", "forum", "posts", [1, 2]),)
    )
    reply = digest_reply(digest(part), "discord")
    assert [f.filename for f in reply.files] == ["digest.md", "activity.png"]
    assert reply.files[1].data.startswith(b"\x89PNG\r\n\x1a\n")


def test_importing_the_renderer_does_not_import_matplotlib() -> None:
    code = "import sys, cogs.digests.render; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_item_text_cannot_break_the_layout() -> None:
    odd = DigestItem(
        Section.DEBATES,
        "Line one\n\n- line two with an open ` backtick and **half bold",
        url="https://forum.acme.org/t/a (b)",
        rank=2,
        key="odd",
    )
    part = DigestPart("test", items=(odd, item(Section.DEBATES, 1, "Plain `code` item")))
    reply = digest_reply(digest(part), "discord")
    lines = reply.fields[0].value.splitlines()
    assert len(lines) == 2
    assert "`" not in lines[0] and "**" not in lines[0]
    assert "[forum](https://forum.acme.org/t/a%20%28b%29)" in lines[0]
    assert "`code`" in lines[1]
    html = telegram_render.render(digest_reply(digest(part), "telegram"))[0]
    assert html.count('<a href="https://forum.acme.org/') == 2
    assert "<code>code</code>" in html


def test_what_is_coming_up_soonest_comes_first() -> None:
    # A deadline without a time (a calendar day) keeps its place in its source's ranking.
    later = DigestItem(Section.COMING_UP, "Applications close", None, START + timedelta(days=4), 9)
    sooner = DigestItem(Section.COMING_UP, "Vote ends", None, END + timedelta(hours=5), 1)
    undated = DigestItem(Section.COMING_UP, "Audit some day", None, None, 5)
    d = digest(DigestPart("a", items=(later, undated)), DigestPart("b", items=(sooner,)))
    lines = digest_reply(d, "discord").fields[0].value.splitlines()
    assert [line.split(" · ")[0] for line in lines] == [
        "• Vote ends",
        "• Audit some day",
        "• Applications close",
    ]
    full = digest_reply(d, "console").files[0].data.decode()
    assert full.index("Vote ends") < full.index("Audit some") < full.index("Applications close")


def test_a_community_name_cannot_ping() -> None:
    d = replace(digest(small()), community="@everyone <@&123> Acme")
    embed = discord_one_message(d).embed
    assert not MASS_PING.search(embed.title or "") and "<@&" not in (embed.title or "")
    html = telegram_render.render(digest_reply(d, "telegram"))[0]
    assert not MASS_PING.search(html) and "&lt;@&amp;" not in html
    empty = digest_reply(replace(d, parts=()), "console")
    assert not MASS_PING.search(empty.body)


def near_the_limit(base_sections: int, extra_chars: int) -> Digest:
    """Full sections of 130-character items, then one of `extra_chars`-character items: swept,
    the digest comes within a few characters of a platform's budget."""
    sections = list(Section)
    items = [item(section, n, "x" * 130) for section in sections[:base_sections] for n in range(5)]
    items += [item(sections[base_sections], n, "y" * extra_chars) for n in range(5)]
    return digest(DigestPart("test", items=tuple(items)))


@pytest.mark.parametrize("platform", ["discord", "telegram"])
def test_a_line_added_to_the_footer_still_fits_one_message(platform: str) -> None:
    line = "A preview: it counts as nothing. " + "x" * (FOOTER_RESERVE - 40)
    base = 5 if platform == "discord" else 3
    for extra in range(1, 300, 3):
        reply = with_footer(digest_reply(near_the_limit(base, extra), platform), line)
        if platform == "discord":
            messages = discord_render.render(reply)
            assert len(messages) == 1 and len(messages[0].embed) <= 6000, extra
        else:
            html = telegram_render.render(reply)
            assert len(html) == 1 and len(html[0]) <= telegram_render.MESSAGE_LIMIT, extra


def test_a_calendar_day_shows_no_time_in_any_zone() -> None:
    day = datetime(2026, 12, 4, 12, tzinfo=UTC)
    deadline = DigestItem(Section.COMING_UP, "Applications close", None, day, all_day=True)
    for zone in ("Pacific/Auckland", "America/Los_Angeles"):
        d = replace(digest(DigestPart("a", items=(deadline,))), timezone=zone)
        line = digest_reply(d, "discord").fields[0].value
        assert line.endswith(" · Fri 4 Dec"), line
        assert "Applications close · Fri 4 Dec" in digest_reply(d, "console").body


def test_something_due_that_has_waited_says_since_when_and_comes_after_what_is_due() -> None:
    queued = DigestItem(Section.COMING_UP, "Safe tx 7 is queued", None, START - timedelta(days=2))
    vote = DigestItem(Section.COMING_UP, "Vote ends", None, END + timedelta(hours=5))
    lines = digest_reply(digest(DigestPart("a", items=(queued, vote))), "discord").fields[0].value
    assert lines.splitlines() == [
        "• Vote ends · Tue 14:00",
        "• Safe tx 7 is queued · waiting since Sat 09:00",
    ]
