"""The drafting part of the proposals feature: its templates and its service, started with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cogs.proposals.draft_service import DraftService
from cogs.proposals.draft_template import TemplateLibrary
from cogs.proposals.runtime import Proposals


@asynccontextmanager
async def start_drafting(proposals: Proposals) -> AsyncIterator[None]:
    ctx = proposals.ctx
    config = ctx.config.drafting
    templates = TemplateLibrary.load(
        config.templates_dir, config.default_template, "proposals.drafting.templates_dir"
    )
    service = DraftService(ctx.db, templates, ctx.discussions, ctx.clock, ctx.llm)
    proposals.drafts = service
    try:
        yield
    finally:
        await service.close()
