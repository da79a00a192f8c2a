"""Publishing drafts: once per target, recorded before the target is asked.

A publication row is claimed first (unique per community, draft and target); a second publish
finds it and says where the draft already is; a failed request gives the claim back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.context import FeatureContext
from bot.errors import UserError
from cogs.proposals.config import ProposalsConfig
from cogs.proposals.publish_forum import create_topic
from cogs.proposals.publish_models import Publication

FORUM = "forum"
SNAPSHOT = "snapshot"


class AlreadyPublished(UserError):
    def __init__(self, publication: Publication) -> None:
        where = "the forum" if publication.target == FORUM else "Snapshot"
        if publication.url:
            message = (
                f"This draft is already on {where}: {publication.url} "
                f"(version {publication.draft_version}); it is not published twice."
            )
        else:
            message = f"This draft is being published to {where} right now."
        super().__init__(message)
        self.publication = publication


@dataclass(frozen=True)
class Publisher:
    community_id: int
    community_slug: str
    by: str  # platform:user_id


class PublishingService:
    def __init__(self, ctx: FeatureContext[ProposalsConfig]) -> None:
        self.ctx = ctx

    async def publication(
        self, community_id: int, draft_id: int, target: str
    ) -> Publication | None:
        async with self.ctx.db.read() as session:
            query = select(Publication).where(
                Publication.community_id == community_id,
                Publication.draft_id == draft_id,
                Publication.target == target,
            )
            return (await session.exec(query)).first()

    async def publications(self, community_id: int, draft_id: int) -> list[Publication]:
        async with self.ctx.db.read() as session:
            query = select(Publication).where(
                Publication.community_id == community_id, Publication.draft_id == draft_id
            )
            return list((await session.exec(query.order_by(col(Publication.id)))).all())

    async def publish_forum(
        self, who: Publisher, draft_id: int, version: int, title: str, body: str
    ) -> Publication:
        config = self.ctx.config.forum
        if config.url is None or config.api_key is None:
            raise UserError(
                "No forum to publish to: the operator sets [proposals.forum] url and "
                "api_key_env (an API key with write scope)."
            )
        claim = await self.claim(who, draft_id, version, FORUM)
        try:
            topic = await create_topic(
                self.ctx.http,
                config.url,
                api_key=config.api_key.get_secret_value(),
                api_username=config.api_username,
                title=title,
                raw=body,
                category_id=config.category_of(who.community_slug),
            )
        except BaseException:
            await self.release(claim)
            raise
        return await self.complete(claim, str(topic.topic_id), topic.url)

    async def claim(self, who: Publisher, draft_id: int, version: int, target: str) -> int:
        """Reserve the draft's publication on `target`; AlreadyPublished when it has one."""
        row = Publication(
            community_id=who.community_id,
            draft_id=draft_id,
            draft_version=version,
            target=target,
            published_by=who.by,
            published_at=self.ctx.clock.now(),
        )
        try:
            async with self.ctx.db.transaction() as session:
                session.add(row)
                await session.flush()
                claim = row.id
        except IntegrityError:
            existing = await self.publication(who.community_id, draft_id, target)
            if existing is None:  # released between the insert and the read
                return await self.claim(who, draft_id, version, target)
            raise AlreadyPublished(existing) from None
        if claim is None:
            raise RuntimeError("the database gave the publication no id")
        return claim

    async def release(self, claim: int) -> None:
        async with self.ctx.db.transaction() as session:
            await session.exec(delete(Publication).where(col(Publication.id) == claim))

    async def complete(self, claim: int, external_id: str, url: str) -> Publication:
        async with self.ctx.db.transaction() as session:
            row = await session.get(Publication, claim)
            if row is None:
                raise RuntimeError(f"publication {claim} vanished")
            row.external_id, row.url = external_id, url
            row.published_at = self.ctx.clock.now()
            session.add(row)
            return row
