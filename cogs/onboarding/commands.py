"""Commands of the onboarding feature: /onboard, /profile, /whois, /contributors, /forget."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.options import parse_address, parse_member
from bot.commands.reply import Button, Field, Reply, Tone
from bot.commands.spec import Opt, Role, command
from bot.errors import InvalidOption, UserError
from cogs.onboarding.directory import EDITABLE, Entry
from cogs.onboarding.fields import safe
from cogs.onboarding.flow import profile_fields
from cogs.onboarding.runtime import Onboarding
from cogs.onboarding.store import Member

LIST_LIMIT = 25


class OnboardAction(StrEnum):
    START = "start"
    ANSWER = "answer"
    RESTART = "restart"


class ProfileAction(StrEnum):
    SHOW = "show"
    SET = "set"


class ForgetAction(StrEnum):
    CONFIRM = "confirm"


def _me(inv: Invocation[Onboarding]) -> Member:
    return Member(inv.community.id, inv.platform, inv.caller.user_id)


@command(
    "onboard",
    help="Tell the community about yourself, step by step (in private)",
    private=True,
    examples=("/onboard", "/onboard answer solidity,design", "/onboard restart"),
)
async def onboard(
    inv: Invocation[Onboarding],
    action: Annotated[OnboardAction, Opt("start or resume, answer the step, or restart")] = (
        OnboardAction.START
    ),
    value: Annotated[str | None, Opt("your answer to the current step", max_length=1000)] = None,
) -> Reply:
    flow = inv.feature.flow
    name = inv.caller.display_name
    if action is OnboardAction.RESTART:
        return await flow.restart(_me(inv), inv.community.slug, name)
    if action is OnboardAction.ANSWER:
        return await flow.answer(_me(inv), inv.community.slug, name, value)
    return await flow.start(_me(inv), inv.community.slug, name)


@command(
    "profile",
    help="See your directory entry, or change one field of it (in private)",
    private=True,
    examples=("/profile", "/profile set timezone Europe/Berlin", "/profile set share all"),
)
async def profile(
    inv: Invocation[Onboarding],
    action: Annotated[ProfileAction, Opt("show your entry or set a field")] = ProfileAction.SHOW,
    field: Annotated[str | None, Opt("the field to set", choices=EDITABLE)] = None,
    value: Annotated[str | None, Opt("its new value", max_length=1000)] = None,
) -> Reply:
    directory = inv.feature.directory
    if action is ProfileAction.SET:
        if field is None or value is None:
            raise UserError(
                f"Usage: `/profile set <field> <value>`; fields: {', '.join(EDITABLE)}."
            )
        await directory.set_field(_me(inv), inv.community.slug, field, value)
    entry = await directory.entry(_me(inv))
    if entry is None:
        return Reply(
            title="No profile yet",
            body="Run `/onboard` to make your entry in the directory.",
            buttons=(Button("Start onboarding", command="/onboard"),),
        )
    reply = render_entry(entry, everything=True, addresses=True)
    title = f"Saved: {field}" if action is ProfileAction.SET else reply.title
    return Reply(
        title=title,
        body=reply.body,
        fields=reply.fields,
        tone=Tone.SUCCESS if action is ProfileAction.SET else Tone.INFO,
        footer=f"Change a field with /profile set <field> <value>; fields: {', '.join(EDITABLE)}.",
    )


@command(
    "whois",
    help="Who a member or an address is in the contributor directory",
    examples=("/whois @alice", "/whois 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
)
async def whois(
    inv: Invocation[Onboarding],
    who: Annotated[str, Opt("a member (mention or @name) or a 0x address", max_length=100)],
) -> Reply:
    directory = inv.feature.directory
    steward = inv.role >= Role.STEWARD
    if who.strip().lower().startswith("0x"):
        address = parse_address("who", who)
        members, entries = await directory.by_address(inv.community.id, address)
        if not members:
            return Reply(title="Nobody here", body=f"No member linked `{address}`.")
        if not entries:
            return Reply(
                title="A member without a profile",
                body=f"`{address}` is linked to a member who has not made a profile.",
            )
        return _entries_reply(entries, steward, inv.caller.key)
    try:
        ref = parse_member("who", who, inv.platform)
    except InvalidOption as exc:
        raise UserError(f"{exc} Or give a 0x address.") from exc
    entries = await directory.by_member(inv.community.id, ref.platform, ref.id, ref.display)
    if not entries:
        return Reply(title="Not in the directory", body=f"{safe(who)} has no profile here.")
    return _entries_reply(entries, steward, inv.caller.key)


def _entries_reply(entries: list[Entry], steward: bool, caller_key: str) -> Reply:
    if len(entries) == 1:
        own = entries[0].member.key == caller_key
        return render_entry(entries[0], everything=steward or own, addresses=steward or own)
    return Reply(
        title=f"{len(entries)} members",
        fields=tuple(_summary_field(e, steward) for e in entries[:LIST_LIMIT]),
    )


@command(
    "contributors",
    help="Contributors in the directory, all or those with a skill",
    examples=("/contributors", "/contributors solidity"),
)
async def contributors(
    inv: Invocation[Onboarding],
    skill: Annotated[str | None, Opt("a skill from the community's list", max_length=32)] = None,
) -> Reply:
    if skill is not None:
        skill = skill.strip().lower()
        allowed = inv.feature.config.skills_for(inv.community.slug)
        if skill not in allowed:
            raise UserError(f"Unknown skill {safe(skill)!r}. Skills here: {', '.join(allowed)}.")
    steward = inv.role >= Role.STEWARD
    entries = await inv.feature.directory.contributors(inv.community.id, skill)
    if steward is False:
        # Members see a contributor under a skill only if the contributor shares their skills.
        entries = [e for e in entries if skill is None or "skills" in e.profile.shared]
    what = f"with {skill}" if skill else "in the directory"
    if not entries:
        return Reply(title=f"No contributors {what}", body="`/onboard` adds you.")
    more = len(entries) - LIST_LIMIT
    return Reply(
        title=f"{len(entries)} contributor{'s' if len(entries) != 1 else ''} {what}",
        fields=tuple(_summary_field(e, steward) for e in entries[:LIST_LIMIT]),
        footer=f"and {more} more" if more > 0 else None,
    )


@command(
    "forget",
    help="Delete your profile, onboarding and wallet links here (asks to confirm)",
    private=True,
    examples=("/forget", "/forget confirm"),
)
async def forget(
    inv: Invocation[Onboarding],
    confirm: Annotated[ForgetAction | None, Opt("confirm to delete")] = None,
) -> Reply:
    if confirm is None:
        return Reply(
            title="Forget you?",
            body="This deletes your profile, any onboarding in progress and your linked "
            "wallets in this community, and keeps you out of later matches. It cannot be undone.",
            buttons=(Button("Yes, forget me", command="/forget confirm"),),
            tone=Tone.WARNING,
        )
    removed = await inv.feature.directory.forget(_me(inv))
    if not removed:
        return Reply(title="Nothing to forget", body="There was nothing about you here.")
    return Reply(
        title="Forgotten",
        body="Your profile, onboarding and wallet links here are deleted.",
        tone=Tone.SUCCESS,
    )


def render_entry(entry: Entry, *, everything: bool, addresses: bool) -> Reply:
    profile = entry.profile
    rows = list(profile_fields(profile, everything=everything))
    if addresses and entry.addresses:
        rows.append(Field("Wallets", "\n".join(f"`{a}`" for a in entry.addresses)))
    since = profile.onboarded_at.date().isoformat()
    return Reply(
        title=safe(profile.display_name),
        body=f"On {profile.platform}, onboarded {since}.",
        fields=tuple(rows),
    )


def _summary_field(entry: Entry, steward: bool) -> Field:
    profile = entry.profile
    shared = set(profile.shared)
    parts = []
    if (steward or "skills" in shared) and profile.skills:
        parts.append(", ".join(profile.skills))
    if (steward or "timezone" in shared) and profile.timezone:
        parts.append(profile.timezone)
    if (steward or "hours" in shared) and profile.hours_per_week:
        parts.append(f"{profile.hours_per_week} h/week")
    if (steward or "github" in shared) and profile.github:
        parts.append(f"GitHub {profile.github}")
    if steward and entry.addresses:
        parts.append(" ".join(f"`{a}`" for a in entry.addresses))
    return Field(safe(profile.display_name), safe(" · ".join(parts)) or "no details shared")


COMMANDS = (onboard, profile, whois, contributors, forget)
