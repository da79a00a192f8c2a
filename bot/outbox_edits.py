"""Revisions: the outbox edits a message it posted (a job's status as it progresses).

A revision is an outbox row like any other, to the destination of the row it edits
(`edit_of`), stored in the caller's transaction and delivered by the same deliverer, in order:
it waits until the original is posted, and a revision waiting for a retry holds back what
follows it there. Delivering it edits the message through the front end's MessageEditor:

- latest wins: a revision that a later one (still to be sent) replaces is skipped, so several
  revisions stored before the deliverer comes send one edit, the last;
- a revision that says what the message says already (the original, or the last revision
  sent or waiting) stores nothing; an edit repeated after a crash between editing and
  recording changes nothing either (edits set the text, and Telegram's "not modified" counts
  as done);
- `final`: the last word (a job done, failed or cancelled); any revision stored after it is
  dropped, so a slow worker's late progress never overwrites the result;
- a post split into several messages (a long reply) is revised by editing its first message;
  the others stay as they were, and an edit is one message (longer text is cut);
- a message deleted, or no longer editable, fails the revision at once (no retries) and the
  stewards are told, as for any post; a revision of a post that was never delivered fails
  quietly (that post's own failure was reported).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.reply import Reply, reply_to_data
from bot.errors import UpstreamError
from bot.frontend import FrontEnds, MessageGone, MessageRef
from bot.storage.database import Database
from bot.storage.models import OutboxMessage

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED, SKIPPED = "pending", "delivered", "failed", "skipped"
# Row keys end "|<platform>:<destination>", or are cut at 190 characters and hashed.
_KEY_PREFIX_LIMIT = 190


async def store_revision(
    session: AsyncSession,
    clock: Clock,
    *,
    key: str,
    reply: Reply,
    final: bool,
) -> int:
    """Add a revision of every message stored under `key` (one per platform for a community
    channel setting); returns how many were added."""
    prefix = f"{key}|"[:_KEY_PREFIX_LIMIT]
    found = await session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.key).startswith(prefix, autoescape=True),
            col(OutboxMessage.edit_of).is_(None),
        )
        .order_by(col(OutboxMessage.id))
    )
    originals = [
        row
        for row in found.all()
        if not row.destination.startswith("role:")
        and row_key(key, row.platform, row.destination) == row.key  # not a longer key's
    ]
    data = reply_to_data(reply)
    added = 0
    for original in originals:
        if original.id is None or original.state == FAILED:
            continue  # never posted: nothing to edit
        revisions = await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.edit_of == original.id)
            .order_by(col(OutboxMessage.id))
        )
        earlier = [r for r in revisions.all() if r.state not in (SKIPPED, FAILED)]
        if any(r.final_edit for r in earlier):
            continue  # the last word was said
        says = earlier[-1].reply if earlier else original.reply
        if _text_of(says) == _text_of(data):
            continue  # it says this already (or will)
        now = clock.now()
        session.add(
            OutboxMessage(
                key=f"edit:{original.id}:{secrets.token_hex(8)}",
                community_id=original.community_id,
                platform=original.platform,
                destination=original.destination,
                purpose=original.purpose,
                reply=data,
                created_at=now,
                next_attempt_at=now,
                edit_of=original.id,
                final_edit=final,
            )
        )
        added += 1
    return added


def row_key(key: str, platform: str, destination: str) -> str:
    """A row's key: the feature's key and the destination, cut and hashed past 255."""
    full = f"{key}|{platform}:{destination}"
    if len(full) <= 255:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()
    return f"{full[:_KEY_PREFIX_LIMIT]}…{digest}"


def _text_of(data: dict[str, Any]) -> Any:
    """A stored reply as JSON reads it back, without what the outbox adds for delivery (a
    thread's name)."""
    return json.loads(json.dumps({k: v for k, v in data.items() if k != "thread_name"}))


async def deliver_revision(
    db: Database, frontends: FrontEnds, row: OutboxMessage, reply: Reply
) -> tuple[str, str, list[list[str]]]:
    """Edit the message `row` revises, or decide not to; returns the state to record
    (delivered or skipped, or failed for a post never delivered), a note for `last_error`,
    and the message edited. Raises MessageGone or UpstreamError as posting does."""
    async with db.read() as session:
        original = await session.get(OutboxMessage, row.edit_of)
        others = await session.exec(
            select(OutboxMessage.id, OutboxMessage.state, OutboxMessage.final_edit).where(
                OutboxMessage.edit_of == row.edit_of, OutboxMessage.id != row.id
            )
        )
        siblings = [(i or 0, state, final) for i, state, final in others.all()]
    row_id = row.id or 0
    if any(final and i < row_id for i, _, final in siblings):
        return SKIPPED, "stored after the final revision", []
    if not row.final_edit and any(i > row_id and state == PENDING for i, state, _ in siblings):
        return SKIPPED, "replaced by a later revision", []
    if original is None or original.state == FAILED:
        return FAILED, "the message it revises was never posted (or was forgotten)", []
    if original.state != DELIVERED:
        raise UpstreamError("the outbox", "the message it revises is not posted yet")
    if not original.posted:
        raise MessageGone("the outbox", "there is no record of where the message was posted")
    editor = frontends.message_editor(row.platform)
    if editor is None:
        raise MessageGone(row.platform, "this platform cannot edit messages")
    first = original.posted[0]
    if len(original.posted) > 1:
        log.info(
            "outbox: a revision edits the first of the post's messages",
            extra={"message_id": row.id, "parts": len(original.posted)},
        )
    await editor.edit_message(MessageRef(first[0], first[1]), reply)
    return DELIVERED, "", [list(first)]
