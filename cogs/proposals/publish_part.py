"""The publishing part of the proposals feature: its services and its signing page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from cogs.proposals.publish_service import PublishingService
from cogs.proposals.publish_signing import routes
from cogs.proposals.publish_snapshot import SnapshotPublishing
from cogs.proposals.runtime import Proposals


@dataclass(frozen=True)
class Publishing:
    # Publication records, and publishing to the forum.
    service: PublishingService
    # Snapshot proposals: built, signed (page or pasted), verified, sent.
    snapshot: SnapshotPublishing


@asynccontextmanager
async def start_publishing(proposals: Proposals) -> AsyncIterator[None]:
    service = PublishingService(proposals.ctx)
    snapshot = SnapshotPublishing(service)
    proposals.ctx.web.add_routes(routes(snapshot))
    proposals.publishing = Publishing(service, snapshot)
    yield
