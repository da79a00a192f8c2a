"""The provenance table: one row per sealed output, keyed by the SHA-256 of its bytes.

`record` is the record as signed (its canonical JSON is what the signature covers), `data` the
output's bytes as generated, and for an image with a C2PA manifest `file` the bytes as posted
(with `file_sha256` their hash, so a hash taken of the downloaded image finds the row too).
Where the output was posted (`platform`, `channel_id`, `message_id`) is filled when known, so a
message link finds it; the anchor's transaction once `/provenance anchor` has written it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class GenerationProvenance(SQLModel, table=True):
    __tablename__ = "generation_provenance"

    sha256: str = Field(primary_key=True, max_length=64)
    file_sha256: str = Field(max_length=64, index=True)
    job_id: str = Field(max_length=64, index=True)
    output_index: int = 0
    media_type: str = Field(max_length=64)
    record: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    signature: str | None = Field(default=None, max_length=132)
    signer: str | None = Field(default=None, max_length=42)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    file: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    c2pa: bool = False
    platform: str | None = Field(default=None, max_length=16)
    channel_id: str | None = Field(default=None, max_length=64)
    message_id: str | None = Field(default=None, max_length=64, index=True)
    anchor_tx: str | None = Field(default=None, max_length=66)
    anchor_chain_id: int | None = None
    anchor_to: str | None = Field(default=None, max_length=42)
    anchored_at: datetime | None = timestamp(default=None, nullable=True)
    created_at: datetime = timestamp()
