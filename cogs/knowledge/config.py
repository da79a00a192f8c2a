"""The knowledge feature's table of the configuration file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DocsFolder(BaseModel):
    """A folder of Markdown and plain-text files (a git checkout's docs, a handbook) indexed for
    /ask; each passage links to `base_url` + its file's path + `#` its heading's anchor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    # Where the files are published ("https://github.com/org/handbook/blob/main/"); "" links
    # nowhere and cites the file's path instead.
    base_url: str = ""
    # What answers call the folder ("the handbook"); default: the folder's name.
    name: str = ""
    # The community's slug; default: the first community.
    community: str | None = None


class KnowledgeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    docs: list[DocsFolder] = Field(default_factory=list)
    # How often the leader re-reads the docs folders and the pages added with /docs add.
    refresh_minutes: float = Field(default=60.0, gt=0)
    # Passages an answer is built from (and quoted offline).
    passages: int = Field(default=5, ge=1, le=10)
    # The share of the question's content words (weighed by how rare they are) the best passage
    # must hold for an answer; below it the record has nothing about the question.
    min_relevance: float = Field(default=0.3, gt=0, le=1)
    # A follow-up: /ask in the same thread as an earlier /ask within this many minutes keeps
    # that question as context.
    follow_up_minutes: float = Field(default=120.0, gt=0)
    # Hybrid retrieval: an OpenAI-compatible embeddings model (at [llm]'s endpoint, or at
    # embeddings_url); "" searches full text alone.
    embeddings_model: str = ""
    embeddings_url: str = ""
