"""The commands every Steward has."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.reply import Field, Reply, Tone
from bot.commands.spec import Opt, Role, command
from cogs.core.runtime import Core


async def _setting_keys(inv: Invocation[Core], typed: str) -> Sequence[str]:
    return [key for key in sorted(inv.feature.communities.specs) if typed.lower() in key]


SettingKey = Annotated[str, Opt("setting name, see /config show", autocomplete=_setting_keys)]


@command("help", help="What you can run here", examples=("/help",))
async def help_command(inv: Invocation[Core]) -> Reply:
    visible = inv.feature.commands.visible_to(inv.role)
    lines = [f"`{spec.usage()}`: {spec.description}" for spec in visible]
    hidden = len(inv.feature.commands) - len(visible)
    footer = f"{hidden} more for stewards and admins" if hidden else None
    return Reply(
        title=f"Steward commands for {inv.community.name}",
        body="\n".join(lines),
        footer=footer,
        private=True,
    )


@command("about", help="Version, features and the health of each connection")
async def about(inv: Invocation[Core]) -> Reply:
    core = inv.feature
    checks = await core.health.collect()
    uptime = int(time.monotonic() - core.started)
    fields = [
        Field(check.name, f"{'ok' if check.ok else 'DOWN'}: {check.detail}", inline=True)
        for check in checks
    ]
    features = ", ".join(f"{name} ({description})" for name, description in core.features)
    degraded = [c.name for c in checks if not c.ok]
    return Reply(
        title=f"Steward {core.version}",
        body=f"Features: {features}\nUp for {uptime // 3600}h {uptime % 3600 // 60}m.",
        fields=tuple(fields),
        tone=Tone.WARNING if degraded else Tone.INFO,
        footer=f"Degraded: {', '.join(degraded)}" if degraded else "All connections healthy",
    )


@command("config show", help="This community's settings", requires=Role.ADMIN, private=True)
async def config_show(inv: Invocation[Core]) -> Reply:
    community = inv.community
    fields = []
    for key, spec in sorted(inv.feature.communities.specs.items()):
        value = community.get(key, inv.platform)
        stored = spec.storage_key(inv.platform) in community.values
        shown = value if value is not None else "not set"
        if not stored and value is not None:
            shown = f"{value} (default)"
        if key in ("admins", "stewards"):
            shown = ", ".join(sorted(community.members(key))) or "none"
        fields.append(Field(key, f"{shown}\n{spec.description}"))
    return Reply(
        title=f"Settings of {community.name} ({community.slug})",
        fields=tuple(fields),
        footer="Change one with /config set <key> <value>",
    )


@command(
    "config set",
    help="Change one of this community's settings",
    requires=Role.ADMIN,
    private=True,
    examples=("/config set alert_channel #treasury-alerts", "/config set steward_role @Stewards"),
)
async def config_set(inv: Invocation[Core], key: SettingKey, value: str) -> Reply:
    spec, stored = await inv.feature.communities.set(
        inv.community.id, key, value, inv.platform, by=inv.caller.key
    )
    scope = f" on {inv.platform}" if spec.per_platform else ""
    return Reply(body=f"`{spec.key}`{scope} is now `{stored}`.", tone=Tone.SUCCESS)


@command(
    "config reset", help="Put a setting back to its default", requires=Role.ADMIN, private=True
)
async def config_reset(inv: Invocation[Core], key: SettingKey) -> Reply:
    spec = await inv.feature.communities.reset(inv.community.id, key, inv.platform)
    default = spec.default if spec.default is not None else "not set"
    return Reply(body=f"`{spec.key}` is back to its default ({default}).", tone=Tone.SUCCESS)
