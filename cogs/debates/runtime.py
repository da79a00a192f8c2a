"""What the debates commands get: the service and the chat ingestion."""

from __future__ import annotations

from dataclasses import dataclass

from cogs.debates.chat_ingest import ChatIngest
from cogs.debates.service import DebateService


@dataclass(frozen=True)
class Debates:
    service: DebateService
    ingest: ChatIngest
