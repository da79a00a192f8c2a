"""The digests feature's table of the configuration file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DigestsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # How often the leader looks for digests that are due (a digest goes out within this much
    # of its time).
    check_seconds: float = Field(default=60.0, gt=0, le=3600)
