"""Render a hand-made week of a DAO as a digest: docs/digests/digest-chart.png, and on standard
output the console text, the attached digest.md and how it fits on Discord and Telegram.

Run from the repository root: `PYTHONPATH=. .venv/bin/python docs/digests/make_example.py`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters import discord_render, telegram_render
from bot.adapters.console import render_console
from bot.digest_parts import DigestItem, DigestPart, Reader, Section, Series
from cogs.digests.digest import Digest
from cogs.digests.render import digest_reply

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
DAYS = [datetime(2026, 11, 23, tzinfo=UTC) + timedelta(days=n) for n in range(7)]
SAFE = "https://app.safe.global/transactions/tx?safe=eth:0x3E5c63644E683549055b9Be8653de26E0B4CD36E"
SNAPSHOT = "https://snapshot.box/#/s:acmedao.eth/proposal/0x7a1f"
FORUM = "https://forum.acmedao.org/t"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute) + timedelta(days=day)


def item(section: Section, text: str, url: str, when: datetime, rank: float) -> DigestItem:
    return DigestItem(section, text, url, when, rank, key=url)


def daily(chart: str, label: str, unit: str, values: list[float]) -> Series:
    return Series(chart, label, unit, tuple(zip(DAYS, values, strict=True)))


def week() -> Digest:
    treasury = DigestPart(
        "treasury",
        items=(
            item(
                Section.NEEDS_YOU,
                "Safe tx 42 on **Main Safe** pays 25,000 USDC to Grants Round 7: "
                "2 of 3 signed, yours is missing.",
                f"{SAFE}&id=multisig_42",
                at(5, 16, 12),
                9,
            ),
            item(
                Section.TREASURY,
                "**Main Safe**: in 40,000 USDC, out 18,500 USDC; balance +21,500 USDC.",
                f"{SAFE}&id=history",
                at(6, 18),
                5,
            ),
            item(
                Section.TREASURY,
                "**Grants Safe**: out 4.5 ETH in 3 payouts; balance 12.3 → 7.8 ETH.",
                f"{SAFE}&id=grants",
                at(6, 18),
                4,
            ),
            item(
                Section.TREASURY,
                "Payout of 3,000 USDC to 0x9f3c…2d21 matched no vote.",
                f"{SAFE}&id=multisig_39",
                at(2, 11, 40),
                8,
            ),
            item(
                Section.COMING_UP,
                "Safe tx 43 (4,000 USDC to the auditors) is queued on **Main Safe**.",
                f"{SAFE}&id=multisig_43",
                at(7, 9),
                3,
            ),
        ),
        series=(
            daily("flows", "Main Safe", "USDC", [0, 25000, -3000, -8000, 15000, 0, -7500]),
            daily("flows", "Grants Safe", "USDC", [0, 0, -2000, 0, 0, -4500, 0]),
            daily("flows", "Grants Safe", "ETH", [0, -1.5, 0, -2.0, 0, 0, -1.0]),
        ),
    )
    proposals = DigestPart(
        "proposals",
        items=(
            item(
                Section.NEEDS_YOU,
                "AIP-12 *Treasury diversification* ends in 31 h; your address 0x12a4…07ab "
                "has not voted.",
                f"{SNAPSHOT}12",
                at(8, 17),
                8,
            ),
            item(
                Section.VOTES,
                "AIP-11 *Security council elections* closed: **For 71%** (1.2M ACME), quorum met.",
                f"{SNAPSHOT}11",
                at(3, 17),
                6,
            ),
            item(
                Section.VOTES,
                "AIP-12 *Treasury diversification* opened: 58% For so far, quorum at 80%.",
                f"{SNAPSHOT}12",
                at(4, 9),
                5,
            ),
            item(
                Section.COMING_UP,
                "AIP-12 voting ends.",
                f"{SNAPSHOT}12",
                at(8, 17),
                5,
            ),
        ),
    )
    debates = DigestPart(
        "debates",
        items=(
            item(
                Section.DEBATES,
                "**Grants Round 7 budget**: 38 new posts from 14 people (5 new). Most back "
                "25k USDC; two ask for milestone payouts.",
                f"{FORUM}/grants-round-7-budget/412",
                at(5, 21),
                9,
            ),
            item(
                Section.DEBATES,
                "**Delegate incentives** (Discord #governance): 64 messages. Paying delegates "
                "500 USDC a month got mixed reactions.",
                "https://discord.com/channels/90210/4242/1311",
                at(4, 15),
                7,
            ),
            item(
                Section.DEBATES,
                "**Moving to Optimism**: 21 new posts. Gas costs favour it; the security "
                "council wants an audit first.",
                f"{FORUM}/moving-to-optimism/398",
                at(2, 10),
                6,
            ),
            item(
                Section.DEBATES,
                "**Q4 treasury report** (Telegram): 12 messages, questions on the ETH share.",
                "https://t.me/acmedao/8812",
                at(6, 12),
                3,
            ),
        ),
        series=(
            daily("activity", "Forum", "posts", [14, 22, 9, 31, 18, 6, 4]),
            daily("activity", "Discord #governance", "messages", [40, 35, 52, 71, 66, 12, 9]),
            daily("activity", "Telegram", "messages", [8, 11, 6, 14, 9, 21, 5]),
        ),
        model_calls=2,
        prompt_tokens=3120,
        completion_tokens=240,
    )
    people = DigestPart(
        "onboarding",
        items=(
            item(
                Section.PEOPLE,
                "New contributor **Mira** (forum: mira_k): Solidity, audits.",
                f"{FORUM}/introductions/77",
                at(1, 14),
                5,
            ),
            item(
                Section.PEOPLE,
                "**Jon** was granted the Steward role; **Ana** left the Grants committee.",
                "https://discord.com/channels/90210/4243/1290",
                at(3, 10),
                4,
            ),
            item(
                Section.COMING_UP,
                "Grants Round 7: applications close.",
                f"{FORUM}/grants-round-7-budget/412",
                at(11, 17),
                2,
            ),
        ),
    )
    return Digest(
        community="Acme DAO",
        start=START,
        end=START + timedelta(days=7),
        timezone="Europe/Berlin",
        reader=Reader("discord", "1001"),
        parts=(treasury, proposals, debates, people),
    )


def crowded(digest: Digest) -> Digest:
    """The same week in a busy community: 40 more debates, 25 newcomers, 20 payouts and 12
    deadlines."""
    debates = tuple(
        item(
            Section.DEBATES,
            f"**Thread {n} on the grants framework**: {n + 3} new posts from delegates, "
            "the grants committee and two new members. Most agree on milestone payouts; the "
            "size of the first tranche and who reviews the milestones are still open.",
            f"{FORUM}/thread-{n}/{500 + n}",
            at(n % 7, 12),
            2 - n / 100,
        )
        for n in range(40)
    )
    people = tuple(
        item(
            Section.PEOPLE,
            f"New contributor **Member {n}**: design.",
            f"{FORUM}/intro/{n}",
            at(1, 9),
            1,
        )
        for n in range(25)
    )
    payouts = tuple(
        item(
            Section.TREASURY,
            f"**Grants Safe** paid {1000 + 250 * n:,} USDC to grantee {n} for milestone 2 of the "
            "grants framework, as approved in AIP-9; 2 of 3 owners signed.",
            f"{SAFE}&id=multisig_{60 + n}",
            at(n % 7, 15),
            1,
        )
        for n in range(20)
    )
    deadlines = tuple(
        item(
            Section.COMING_UP,
            f"Grantee {n}: milestone 3 is due; the committee reviews it the day after.",
            f"{FORUM}/grants-round-6/{300 + n}",
            at(8 + n, 17),
            1,
        )
        for n in range(12)
    )
    more = DigestPart("more", items=debates + people + payouts + deadlines)
    return replace(digest, parts=(*digest.parts, more))


def main() -> None:
    digest = week()
    console = digest_reply(digest, "console")
    files = {f.filename: f.data for f in console.files}
    Path(__file__).with_name("digest-chart.png").write_bytes(files["activity.png"])
    print(render_console(console))
    print("\n--- digest.md ---\n")
    print(files["digest.md"].decode())
    discord = discord_render.render(digest_reply(digest, "discord"))
    telegram = telegram_render.render(digest_reply(digest, "telegram"))
    print("--- fit ---\n")
    print(f"Discord: {len(discord)} message, embed of {len(discord[0].embed)} characters")
    print(f"Telegram: {len(telegram)} message of {len(telegram[0])} characters of HTML")
    busy = crowded(digest)
    for platform in ("discord", "telegram"):
        reply = digest_reply(busy, platform)
        shown = [f.name for f in reply.fields] or [
            line.strip("*") for line in reply.body.splitlines() if line.startswith("**")
        ]
        print(f"\nBusy week on {platform}: shows {', '.join(shown)}")
        print(f"  footer: {reply.footer}")
    print(f"  ({len(telegram_render.render(reply))} Telegram message)")


if __name__ == "__main__":
    main()
