"""The welcome a member gets on joining: the community's template, posted once, with /onboard."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.commands.community import CommunityService
from bot.commands.reply import Button, Reply
from bot.errors import ConfigError
from bot.events import MemberJoined
from bot.outbox import Outbox, ToChannel
from bot.storage.database import Database
from cogs.onboarding.config import OnboardingConfig
from cogs.onboarding.fields import safe

WELCOME_KEY = "onboarding.welcome"
# A checkout keeps config/ next to the packages; an installed bot reads it from its directory.
PROJECT_DIR = Path(__file__).resolve().parents[2]


def read_template(path: Path, key: str) -> str:
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, PROJECT_DIR / path]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(key, f"cannot read {candidate}: {exc}") from exc
    raise ConfigError(key, f"{path} not found (a Markdown file with {{name}} and {{community}})")


def render(template: str, name: str, community: str) -> str:
    """The placeholders filled in; other braces in the text are left as they are."""
    return template.replace("{name}", safe(name)).replace("{community}", safe(community))


class Welcomer:
    def __init__(
        self,
        db: Database,
        config: OnboardingConfig,
        outbox: Outbox,
        communities: CommunityService,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.communities = communities
        # Read at start: a missing or unreadable template stops the bot with its key.
        self.default = read_template(config.welcome_template, "onboarding.welcome_template")
        self.templates = {
            slug: read_template(own.welcome_template, f"onboarding.communities.{slug}")
            for slug, own in config.communities.items()
            if own.welcome_template is not None
        }

    def template_for(self, slug: str) -> str:
        return self.templates.get(slug, self.default)

    async def on_join(self, joined: MemberJoined) -> None:
        if joined.channel is None or joined.space.is_direct:
            return
        community = await self.communities.resolve(
            joined.platform, joined.space.id, joined.space.name
        )
        reply = Reply(
            body=render(self.template_for(community.slug), joined.user_name, community.name),
            buttons=(Button("Start onboarding", command="/onboard"),),
        )
        async with self.db.transaction() as session:
            await self.outbox.enqueue(
                session,
                key=welcome_key(joined),
                community_id=community.id,
                reply=reply,
                to=ToChannel(joined.channel),
            )


def welcome_key(joined: MemberJoined) -> str:
    return member_welcome_key(joined.platform, joined.space.id, joined.user_id)


def member_welcome_key(platform: str, space_id: str, user_id: str) -> str:
    """One welcome per member and space; a digest, so the key itself names nobody."""
    raw = f"{platform}:{space_id}:{user_id}"
    return f"{WELCOME_KEY}:{hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()}"
