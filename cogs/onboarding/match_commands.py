"""/match: stewards find contributors for a task."""

from __future__ import annotations

from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.reply import Field, Reply
from bot.commands.spec import Opt, Role, command
from cogs.onboarding.fields import safe
from cogs.onboarding.runtime import Onboarding
from cogs.onboarding.store import Member


@command(
    "match",
    help="Contributors who fit a task, best first, with the reasons (stewards)",
    requires=Role.STEWARD,
    examples=('/match "audit the vault contracts" 3', "/match translate-the-docs"),
)
async def match(
    inv: Invocation[Onboarding],
    task: Annotated[str, Opt("what needs doing, in a few words", max_length=500)],
    count: Annotated[int, Opt("how many to show", min=1, max=20)] = 5,
) -> Reply:
    steward = Member(inv.community.id, inv.platform, inv.caller.user_id)
    skills = inv.feature.config.skills_for(inv.community.slug)
    ranked, zone = await inv.feature.matches.match(steward, task, skills)
    if not ranked:
        return Reply(
            title="Nobody fits yet",
            body="No other contributor who accepts suggestions lists a skill or interest that "
            f"this task's words point to. Skills here: {', '.join(skills)}.",
        )
    rows = tuple(
        Field(
            f"{i}. {safe(r.candidate.name)} ({r.score:.2f})",
            safe("; ".join(r.reasons)),
        )
        for i, r in enumerate(ranked[:count], start=1)
    )
    footer = None if zone else "Your time zone is unknown (no profile), so it was not weighed."
    return Reply(
        title=f"Best fits for “{safe(task)}”",
        fields=rows,
        footer=footer,
    )
