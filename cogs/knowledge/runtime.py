"""What the knowledge feature's commands see as `inv.feature`."""

from __future__ import annotations

from dataclasses import dataclass

from cogs.knowledge.ask import AskService
from cogs.knowledge.config import KnowledgeConfig
from cogs.knowledge.contracts import VectorSearch
from cogs.knowledge.docs_service import DocsService


@dataclass(frozen=True)
class Knowledge:
    config: KnowledgeConfig
    # Folders and pages /ask reads (/docs).
    docs: DocsService
    asks: AskService
    # Passages nearest a question by embedding; None without an embeddings model.
    vectors: VectorSearch | None = None
