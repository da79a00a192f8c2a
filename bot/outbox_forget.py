"""Forgetting a member in the outbox's records (/forget): no row keeps their id once the work
it stood for is done.

Done role changes (delivered or failed) name "a forgotten member" instead, under a key hashed
from the old one; their direct messages already delivered (or revisions skipped) are deleted
(delivered, a row only kept it from being sent twice). Role changes still pending when the
member asked are cancelled, except those enqueued by the forgetting itself (taking back what
rules gave): those carry `FORGET_AFTER` in their key, are delivered with the member's id, then
forgotten the same way (see `Outbox._role_done` and `Outbox._record_failure`).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.reply import Reply, reply_to_data
from bot.storage.models import OutboxMessage, RoleChangeRecord

FORGET_AFTER = "forget-after:"
FORGOTTEN = "forgotten"
PENDING, DELIVERED, SKIPPED = "pending", "delivered", "skipped"


def forgotten_key(key: str) -> str:
    return f"{FORGOTTEN}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


async def forget_member(
    session: AsyncSession, community_id: int, platform: str, user_id: str
) -> int:
    """In the caller's (/forget's) transaction; returns how many rows were changed or deleted."""
    changed = 0
    records = await session.exec(
        select(RoleChangeRecord).where(
            RoleChangeRecord.community_id == community_id,
            RoleChangeRecord.platform == platform,
            RoleChangeRecord.user_id == user_id,
        )
    )
    for record in records.all():
        row = await _row_of(session, record.key)
        if record.state != PENDING:
            await scrub_role_change(session, record, row)
        elif not record.key.startswith(FORGET_AFTER):
            # Not delivered yet: a role for someone who asked to be forgotten is not given.
            await session.delete(record)
            if row is not None:
                await session.delete(row)
        else:
            continue
        changed += 1
    delivered_dms = await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.platform) == platform,
            col(OutboxMessage.community_id) == community_id,
            col(OutboxMessage.destination) == f"dm:{user_id}",
            col(OutboxMessage.state).in_((DELIVERED, SKIPPED)),
        )
    )
    return changed + int(delivered_dms.rowcount or 0)


async def scrub_role_change(
    session: AsyncSession, record: RoleChangeRecord, row: OutboxMessage | None
) -> None:
    """The record and its outbox row, without the member: the change itself is kept."""
    key = forgotten_key(record.key)
    if row is not None:
        row.key = key
        row.destination = f"role:{record.space_id}/{FORGOTTEN}/{record.role_id}"[:100]
        verb = "Give" if record.action == "grant" else "Take"
        role = record.role_name or record.role_id
        row.reply = reply_to_data(Reply(title=f"{verb} role {role}: a forgotten member"))
        session.add(row)
    record.key, record.user_id = key, FORGOTTEN
    session.add(record)


async def _row_of(session: AsyncSession, key: str) -> OutboxMessage | None:
    found = await session.exec(select(OutboxMessage).where(OutboxMessage.key == key))
    return found.first()
