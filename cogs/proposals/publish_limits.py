"""What a publishing target accepts: the lengths of a title, a body and a discussion link."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What a publishing target accepts, in characters."""

    target: str
    title: int
    body: int
    discussion: int | None = None


# Discourse site settings `max_topic_title_length` (default 255) and `max_post_length`
# (default 32000); an admin may change both, so they come from the configuration.
FORUM_TITLE = 255
FORUM_BODY = 32_000
# Snapshot: the sequencer validates a proposal against snapshot.js `src/schemas/proposal.json`
# with `spaceType` "turbo" or "default" (snapshot-sequencer `src/writer/proposal.ts`):
# `name` maxLength 256, `discussion` maxLength 256, and `body` `maxLengthWithSpaceType`
# {default: 10000, turbo: 40000} (the same numbers as sx-monorepo `apps/ui/src/helpers/turbo.ts`
# `MAX_BODY_LENGTH`).
SNAPSHOT_TITLE = 256
SNAPSHOT_DISCUSSION = 256
SNAPSHOT_BODY = 10_000
SNAPSHOT_BODY_TURBO = 40_000


def forum_limits(title: int = FORUM_TITLE, body: int = FORUM_BODY) -> Limits:
    return Limits("the forum", title, body)


def snapshot_limits(turbo: bool = False) -> Limits:
    body = SNAPSHOT_BODY_TURBO if turbo else SNAPSHOT_BODY
    return Limits("Snapshot", SNAPSHOT_TITLE, body, SNAPSHOT_DISCUSSION)
