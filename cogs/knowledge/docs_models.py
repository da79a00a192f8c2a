"""Tables of /ask's documents: files of the configured folders, pages added with /docs add, and
their passages (full-text indexed by migration 0026_knowledge_docs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp
from retrieval.fulltext import FullTextIndex

FOLDER = "folder"
PAGE = "page"


class Document(SQLModel, table=True):
    """A file of a docs folder (`folder` is the folder's configured path, `path` the file's path
    inside it) or a web page (`folder` is "", `path` its URL)."""

    __table_args__ = (UniqueConstraint("community_id", "origin", "folder", "path"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    origin: str = Field(max_length=16)
    folder: str = Field(default="", max_length=500)
    path: str = Field(max_length=1000)
    title: str = Field(default="", max_length=500)
    # What the passages were split from: a file or page that hashes the same is left alone.
    content_hash: str = Field(default="", max_length=64)
    fetched_at: datetime | None = timestamp(default=None, nullable=True)
    # Why the last read failed (the passages of the read before stay); None when it worked.
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp()


class DocPassage(SQLModel, table=True):
    __tablename__ = "doc_passage"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    position: int
    heading: str = Field(default="", max_length=1000)
    anchor: str = Field(default="", max_length=300)
    url: str = Field(default="", max_length=2000)
    text: str = Field(sa_type=Text)


PASSAGE_INDEX = FullTextIndex("doc_passage", "text")
