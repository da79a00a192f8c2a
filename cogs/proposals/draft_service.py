"""Drafting's service: make a draft from a debate, keep its versions, show, edit and compare them.

A draft is made offline (the template filled from the extractive summary) unless a model is
configured and the community allows it; a failing model falls back to the offline draft, with
the reason shown. Each edit adds a version; a version is never changed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.community import CommunityContext
from bot.discussions import Discussion, Discussions, ModelUse
from bot.errors import UserError
from bot.settings import LLMSettings
from bot.storage.database import Database
from cogs.proposals import draft_store as store
from cogs.proposals.draft_digest import Digest, chat_digest, forum_digest
from cogs.proposals.draft_doc import DraftDoc
from cogs.proposals.draft_model import model_doc, section_asks
from cogs.proposals.draft_models import ProposalDraft, ProposalDraftVersion
from cogs.proposals.draft_offline import draft_offline
from cogs.proposals.draft_template import Template, TemplateLibrary
from summarizer.errors import ModelError
from summarizer.llm import LanguageModel
from summarizer.proposal_draft import draft_sections
from summarizer.tokens import TokenCounter

log = logging.getLogger(__name__)
COMMAND = "draft new"


@dataclass(frozen=True)
class Author:
    platform: str
    user_id: str
    display: str


@dataclass(frozen=True)
class DraftView:
    draft: ProposalDraft
    version: ProposalDraftVersion
    doc: DraftDoc
    template: Template
    versions: int


@dataclass(frozen=True)
class Made:
    view: DraftView
    how: str  # "offline", the model's name, or why the model was not used
    replaced: list[str]  # what the model wrote that no post contains


class DraftService:
    def __init__(
        self,
        db: Database,
        templates: TemplateLibrary,
        discussions: Discussions,
        clock: Clock,
        llm: LLMSettings,
    ) -> None:
        self.db = db
        self.templates = templates
        self.discussions = discussions
        self.clock = clock
        self.llm = llm
        self.model: LanguageModel | None = None
        if llm.api_key is not None:
            self.model = LanguageModel(
                model=llm.model,
                api_key=llm.api_key.get_secret_value(),
                base_url=llm.base_url,
                timeout=llm.timeout,
                attempts=llm.attempts,
            )

    async def close(self) -> None:
        if self.model is not None:
            await self.model.close()

    def template_for(self, community: CommunityContext, name: str | None) -> Template:
        return self.templates.get(name or community.get("proposal_template"))

    async def new(
        self, community: CommunityContext, author: Author, target: str, template_name: str | None
    ) -> Made:
        template = self.template_for(community, template_name)
        discussion = await self.discussions.discussion(community.id, author.platform, target)
        if not discussion.posts:
            raise UserError("There are no stored posts to draft from there yet.")
        posts = list(discussion.posts)
        if discussion.kind == "forum":
            digest = forum_digest(posts, discussion.title)
        else:
            digest = chat_digest(posts, discussion.label or discussion.title)
        offline = draft_offline(template, digest, posts, discussion.url, discussion.label)
        doc, how, replaced = await self._with_model(community, template, discussion, offline)
        view = await self._store_new(
            community, author, target, template, discussion, digest, doc, how
        )
        return Made(view, how, replaced)

    async def _with_model(
        self,
        community: CommunityContext,
        template: Template,
        discussion: Discussion,
        offline: DraftDoc,
    ) -> tuple[DraftDoc, str, list[str]]:
        if self.model is None:
            return offline, "offline", []
        if community.get("ai") == "off":
            return offline, "offline (model use is off for this community)", []
        counter = await asyncio.to_thread(TokenCounter(self.model.model).load)
        try:
            drafted = await draft_sections(
                self.model,
                counter,
                self.llm.context_budget,
                discussion.posts,
                discussion.title,
                section_asks(template),
            )
        except ModelError as exc:
            log.warning("draft fell back to offline drafting", extra={"error": str(exc)})
            return offline, f"offline (the language model failed: {exc})", []
        uses = [
            ModelUse(c.prompt_tokens, c.completion_tokens, c.cost(self.model.model))
            for c in drafted.calls
        ]
        await self.discussions.record_model_use(community.id, COMMAND, self.model.model, uses)
        doc, replaced = model_doc(template, drafted, offline, discussion.posts)
        return doc, self.model.model, replaced

    async def _store_new(
        self,
        community: CommunityContext,
        author: Author,
        target: str,
        template: Template,
        discussion: Discussion,
        digest: Digest,
        doc: DraftDoc,
        how: str,
    ) -> DraftView:
        for attempt in range(3):
            try:
                async with self.db.transaction() as session:
                    number = await store.next_number(session, community.id)
                    draft = ProposalDraft(
                        community_id=community.id,
                        number=number,
                        template=template.name,
                        source_target=target[:500],
                        source_key=discussion.key[:500],
                        source_title=discussion.title[:500],
                        source_url=discussion.url[:500] if discussion.url else None,
                        source_post_ids=digest.post_ids(),
                        summary_text=digest.tldr,
                        summary_hash=digest.summary_hash,
                        model=how[:100],
                        created_at=self.clock.now(),
                        updated_at=self.clock.now(),
                    )
                    session.add(draft)
                    await session.flush()
                    version = self._version(draft, 1, author, doc, "drafted from the discussion")
                    session.add(version)
                return DraftView(draft, version, doc, template, 1)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _version(
        self, draft: ProposalDraft, number: int, author: Author, doc: DraftDoc, note: str
    ) -> ProposalDraftVersion:
        return ProposalDraftVersion(
            draft_id=draft.id or 0,
            number=number,
            author_platform=author.platform,
            author_id=author.user_id,
            author_display=author.display[:200],
            created_at=self.clock.now(),
            doc=doc.to_json(),
            note=note[:300],
        )

    async def view(
        self, community_id: int, author: Author, number: int | None, version: int | None = None
    ) -> DraftView:
        """A draft (the member's latest when no number is given) at a version (its latest)."""
        async with self.db.read() as session:
            draft = await self._draft(session, community_id, author, number)
            versions = await store.versions(session, draft.id or 0)
        if version is None:
            chosen = versions[-1]
        else:
            found = [v for v in versions if v.number == version]
            if not found:
                raise UserError(
                    f"Draft #{draft.number} has versions 1 to {len(versions)}, not {version}."
                )
            chosen = found[0]
        doc = DraftDoc.from_json(chosen.doc)
        # A template removed from the folder since: the draft still shows, read by the default.
        template = self.templates.templates.get(draft.template) or self.templates.get(None)
        return DraftView(draft, chosen, doc, template, len(versions))

    async def _draft(
        self, session: AsyncSession, community_id: int, author: Author, number: int | None
    ) -> ProposalDraft:
        if number is None:
            draft = await store.latest_of(session, community_id, author.platform, author.user_id)
            if draft is None:
                raise UserError("You have no draft yet; make one with /draft new <source>.")
            return draft
        draft = await store.draft_by_number(session, community_id, number)
        if draft is None:
            raise UserError(f"There is no draft #{number} in this community; see /draft list.")
        return draft

    async def edit(
        self, community_id: int, author: Author, key: str, text: str, number: int | None
    ) -> DraftView:
        current = await self.view(community_id, author, number)
        keys = ("title", *(s.key for s in current.doc.sections))
        if key not in keys:
            raise UserError(
                f"Draft #{current.draft.number} has no section `{key}`; "
                f"sections: {', '.join(keys)}."
            )
        doc = current.doc.with_text(key, text)
        async with self.db.transaction() as session:
            draft = await session.get(ProposalDraft, current.draft.id)
            latest = await store.latest_version(session, current.draft.id or 0)
            if draft is None or latest is None:
                raise UserError(f"Draft #{current.draft.number} was deleted.")
            version = self._version(draft, latest.number + 1, author, doc, f"edited {key}")
            session.add(version)
            draft.updated_at = self.clock.now()
        return DraftView(draft, version, doc, current.template, version.number)

    async def list(self, community_id: int, limit: int = 20) -> list[tuple[ProposalDraft, int]]:
        async with self.db.read() as session:
            return await store.drafts_of(session, community_id, limit)
