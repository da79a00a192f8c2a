"""The outbox: everything the bot posts on its own, stored first and delivered exactly once.

A feature adds a message with `enqueue` inside the transaction that changes its state, under an
idempotency key: the cause and the message commit together, and the same cause stored twice adds
nothing. A deliverer then posts it:

- one deliverer at a time per destination (a named lock that also holds across processes on
  PostgreSQL), and each message is read again under that lock, so no two deliverers post it;
- destinations are delivered side by side (a few at a time, as each holds database
  connections) and a round does not wait for them: a channel slow to answer delays only itself,
  unless several are slow at once;
- the "delivered" mark is retried until it is written: a database stall after posting never
  leads to a second post;
- on Discord the message carries a nonce derived from its key, so Discord itself returns the
  earlier message if a crash came between posting and recording;
- a delivery that keeps failing is retried with backoff, then reported once to the community's
  steward channel (or the log), never dropped silently.

A `ToThread` destination gives a topic (a proposal) a thread of its own in a forum channel: the
first message opens a post (through the front end's ThreadStarter), the thread is remembered in
`outbox_thread` with that message's "delivered" mark, and later messages of the topic are posted
in it; where the channel is no forum, they are posted in the channel.

A delivered post keeps the platform's ids of its messages, and `revise` edits it later, through
the same rows, order and failure reports (see outbox_edits).

Role changes (`enqueue_role`) go the same way, to the member's role on a platform: delivered once
through the front end's RoleManager, in order per member and role, and recorded in `role_change`
(who, what, why, when, whether done). A Telegram grant yields an invite link to a gated group:
it is sent to the member by direct message, through this outbox, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, event
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.options import ChannelRef
from bot.commands.reply import Link, Reply, Tone, reply_from_data, reply_to_data
from bot.errors import UpstreamError
from bot.frontend import FrontEnd, FrontEnds, MessageGone, MessageRef
from bot.locks import NamedLocks
from bot.outbox_edits import deliver_revision, store_revision
from bot.outbox_edits import row_key as make_row_key
from bot.outbox_forget import FORGET_AFTER, forget_member, scrub_role_change
from bot.storage.database import Database
from bot.storage.models import (
    Community,
    CommunitySetting,
    OutboxMessage,
    OutboxThread,
    RoleChangeRecord,
    as_utc,
)

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
# Tries before a message is reported as undeliverable: a refusal (deleted channel, closed DMs,
# missing permission) gets few, a fault that may pass (outage, timeout) more.
REFUSED_ATTEMPTS = 3
FAULT_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=1)
REPORT_PREFIX = "outbox-failure:"
CLOSE_WAIT_SECONDS = 30.0
# Destinations delivered at once by one process. On PostgreSQL each holds a connection for its
# lock and one for its reads and writes: together well within the pool (5 + 10 overflow).
PARALLEL_DESTINATIONS = 4
# How soon to look again when a message waits for a front end that is (re)connecting, or for a
# destination another process is delivering to.
RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class ToChannelSetting:
    """The community's channel named by a setting ("alert_channel"), on every platform where it
    is set; on the console, the local community's console."""

    setting: str


@dataclass(frozen=True)
class ToChannel:
    channel: ChannelRef


@dataclass(frozen=True)
class ToThread:
    """The thread of `topic` in a forum channel (opened by its first message, named `name`);
    in any other channel, the channel itself."""

    channel: ChannelRef
    topic: str
    name: str


@dataclass(frozen=True)
class ToMember:
    """A direct message."""

    platform: str
    user_id: str


Destination = ToChannelSetting | ToChannel | ToThread | ToMember
GRANT, REVOKE = "grant", "revoke"


@dataclass(frozen=True)
class RoleChange:
    """Give (`grant`) or take (`revoke`) a member's role in a space: a Discord guild's role, or
    a Telegram gated group (the role is that group's chat id). `reason` is told to the member
    and kept in the record (and Discord's audit log); `role_name` names the role in messages."""

    platform: str
    space_id: str
    user_id: str
    role_id: str
    action: str  # grant, revoke
    reason: str = ""
    role_name: str = ""

    def __post_init__(self) -> None:
        if self.action not in (GRANT, REVOKE):
            raise ValueError(f"a role change is {GRANT} or {REVOKE}, not {self.action!r}")


@dataclass(frozen=True)
class Backlog:
    waiting: int
    failed: int
    oldest: datetime | None


# Stores, with a delivery's "delivered" mark, what it led to (a role change's record).
Followup = Callable[[AsyncSession], Awaitable[None]]


def nonce_for(key: str, part: int = 0) -> str:
    """Discord accepts nonces of up to 25 characters; one per message part."""
    digest = hashlib.blake2b(f"{key}#{part}".encode(), digest_size=12).hexdigest()
    return digest[:25]


class Outbox:
    def __init__(
        self,
        db: Database,
        frontends: FrontEnds,
        clock: Clock,
        *,
        console_community: str,
        platforms: Iterable[str] = (),
        retry_base: timedelta = timedelta(seconds=30),
        poll_seconds: float = 5.0,
    ) -> None:
        self._db = db
        self._frontends = frontends
        self._clock = clock
        self._console_community = console_community
        # Platforms messages are stored for: those configured, and every front end registered.
        self.platforms: set[str] = set(platforms)
        self._retry_base = retry_base
        self._poll_seconds = poll_seconds
        self._locks = NamedLocks(db)
        self._wake = asyncio.Event()
        # Commits that stored messages, so `drain` knows when a round left new work behind.
        self._stored = 0
        self._inflight: set[asyncio.Task[int]] = set()
        # The deliverer of each destination in this process, and the destinations a round
        # found busy: when that deliverer ends, another round picks up what it could not see.
        self._busy: dict[tuple[str, str], asyncio.Task[int]] = {}
        self._missed: set[tuple[str, str]] = set()
        self._slots = asyncio.Semaphore(PARALLEL_DESTINATIONS)
        self._recheck: asyncio.TimerHandle | None = None
        self._closing = False

    # Storing -----------------------------------------------------------------------------

    async def enqueue(
        self,
        session: AsyncSession,
        *,
        key: str,
        community_id: int | None,
        reply: Reply,
        to: Destination,
    ) -> int:
        """Store a message in the caller's transaction; returns how many destinations it got
        (0 when the key is known already, or no platform has such a channel)."""
        targets = await self._targets(session, community_id, to)
        data = reply_to_data(reply)
        if isinstance(to, ToThread):
            data["thread_name"] = to.name[:100]
        purpose = to.setting if isinstance(to, ToChannelSetting) else type(to).__name__
        added = 0
        for platform, destination in targets:
            row_key = make_row_key(key, platform, destination)
            known = await session.exec(select(OutboxMessage.id).where(OutboxMessage.key == row_key))
            if known.first() is not None:
                continue
            session.add(
                OutboxMessage(
                    key=row_key,
                    community_id=community_id,
                    platform=platform,
                    destination=destination,
                    purpose=purpose[:64],
                    reply=data,
                    created_at=self._clock.now(),
                    next_attempt_at=self._clock.now(),
                )
            )
            added += 1
        if added:
            # Deliver as soon as the caller's transaction commits, not at the next poll.
            event.listen(session.sync_session, "after_commit", self._on_commit, once=True)
        return added

    async def enqueue_role(
        self,
        session: AsyncSession,
        *,
        key: str,
        community_id: int | None,
        change: RoleChange,
        forget_after: bool = False,
    ) -> int:
        """Store a role change in the caller's transaction, recorded; returns 1, or 0 when
        the key is known already. `forget_after`: the member asked to be forgotten; once
        done, the record keeps the change but not who it was for (see outbox_forget)."""
        if forget_after:
            key = FORGET_AFTER + key
        destination = f"role:{change.space_id}/{change.user_id}/{change.role_id}"
        row_key = make_row_key(key, change.platform, destination)
        known = await session.exec(select(OutboxMessage.id).where(OutboxMessage.key == row_key))
        if known.first() is not None:
            return 0
        verb = "Give" if change.action == GRANT else "Take"
        role = change.role_name or change.role_id
        summary = Reply(title=f"{verb} role {role} to member {change.user_id}"[:200])
        now = self._clock.now()
        session.add(
            OutboxMessage(
                key=row_key,
                community_id=community_id,
                platform=change.platform,
                destination=destination[:100],
                purpose="role change",
                reply=reply_to_data(summary),
                created_at=now,
                next_attempt_at=now,
            )
        )
        session.add(
            RoleChangeRecord(
                key=row_key,
                community_id=community_id,
                platform=change.platform,
                space_id=change.space_id,
                user_id=change.user_id,
                role_id=change.role_id,
                role_name=change.role_name[:100],
                action=change.action,
                reason=change.reason[:500],
                requested_at=now,
            )
        )
        event.listen(session.sync_session, "after_commit", self._on_commit, once=True)
        return 1

    async def revise(
        self, session: AsyncSession, key: str, reply: Reply, *, final: bool = False
    ) -> int:
        """Edit, in the caller's transaction, the message posted (or still to be posted) under
        `key`, so that it says `reply`: after the post, in order with what else goes there;
        the last of several revisions waiting wins; `final` drops any revision after it.
        Returns how many revisions were stored (0: no such post, it failed, it says this
        already, or a final revision came first). See outbox_edits."""
        added = await store_revision(session, self._clock, key=key, reply=reply, final=final)
        if added:
            event.listen(session.sync_session, "after_commit", self._on_commit, once=True)
        return added

    def _on_commit(self, _session: object) -> None:
        self._stored += 1
        self._wake.set()

    async def _targets(
        self, session: AsyncSession, community_id: int | None, to: Destination
    ) -> list[tuple[str, str]]:
        if isinstance(to, ToChannel):
            return [(to.channel.platform, f"channel:{to.channel.id}")]
        if isinstance(to, ToThread):
            topic = hashlib.blake2b(to.topic.encode(), digest_size=10).hexdigest()
            return [(to.channel.platform, f"thread:{to.channel.id}/{topic}")]
        if isinstance(to, ToMember):
            return [(to.platform, f"dm:{to.user_id}")]
        if community_id is None:
            return []
        targets = []
        keys = [f"{to.setting}@{platform}" for platform in sorted(self.platforms)]
        query = select(CommunitySetting).where(
            CommunitySetting.community_id == community_id, col(CommunitySetting.key).in_(keys)
        )
        for setting in (await session.exec(query)).all():
            platform = setting.key.partition("@")[2]
            targets.append((platform, f"channel:{setting.value}"))
        if "console" in self.platforms:
            community = await session.get(Community, community_id)
            if community is not None and community.slug == self._console_community:
                targets.append(("console", f"channel:{community.slug}"))
        return targets

    # Delivering --------------------------------------------------------------------------

    async def run(self) -> None:
        """Deliver whatever is due: at once, whenever something is stored, and every few
        seconds. Rounds do not wait for the deliverers they start, so a destination that is slow
        to answer never holds up messages to the others."""
        while not self._closing:
            self._wake.clear()
            try:
                await self._start_round()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("outbox: could not read pending messages", extra={"error": str(exc)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)

    async def deliver_due(self) -> int:
        """Deliver every message that is due now; returns how many were delivered."""
        tasks = await self._start_round()
        # Shielded: a deliverer stopped mid-post still records what it posted.
        results = await asyncio.shield(asyncio.gather(*tasks)) if tasks else []
        return sum(results)

    async def _start_round(self) -> list[asyncio.Task[int]]:
        """Start a deliverer for each destination with messages due and none running here."""
        now = self._clock.now()
        async with self._db.read() as session:
            query = (
                select(
                    OutboxMessage.id,
                    OutboxMessage.platform,
                    OutboxMessage.destination,
                    OutboxMessage.next_attempt_at,
                )
                .where(OutboxMessage.state == PENDING)
                .order_by(col(OutboxMessage.id))
            )
            rows = (await session.exec(query)).all()
        # Per destination, the leading run of due messages: one that waits for a retry holds
        # back the ones after it, so a channel gets its messages in order.
        by_destination: dict[tuple[str, str], list[int]] = {}
        blocked: set[tuple[str, str]] = set()
        for row_id, platform, destination, next_attempt_at in rows:
            destination_key = (platform, destination)
            if destination_key in blocked or row_id is None:
                continue
            due_at = as_utc(next_attempt_at)
            if due_at is not None and due_at > now:
                blocked.add(destination_key)
                continue
            by_destination.setdefault(destination_key, []).append(row_id)
        tasks = []
        for destination_key, ids in by_destination.items():
            if destination_key in self._busy:
                self._missed.add(destination_key)
                continue
            if not self._reachable(destination_key[0]):
                continue
            task = asyncio.create_task(self._deliver_destination(*destination_key, ids))
            self._busy[destination_key] = task
            self._inflight.add(task)
            task.add_done_callback(functools.partial(self._finished, destination_key))
            tasks.append(task)
        return tasks

    def _reachable(self, platform: str) -> bool:
        """Whether the platform's front end is up; if it is only (re)connecting, look again
        soon rather than at the next poll."""
        frontend = self._frontends.get(platform)
        if frontend is not None and frontend.health().ok:
            return True
        if platform in self.platforms:
            self._recheck_soon()
        return False

    def _recheck_soon(self) -> None:
        if self._recheck is None or self._recheck.cancelled():
            loop = asyncio.get_running_loop()
            self._recheck = loop.call_later(RECHECK_SECONDS, self._rechecked)

    def _rechecked(self) -> None:
        self._recheck = None
        self._wake.set()

    def _finished(self, destination_key: tuple[str, str], task: asyncio.Task[int]) -> None:
        self._inflight.discard(task)
        if self._busy.get(destination_key) is task:
            del self._busy[destination_key]
        if destination_key in self._missed:
            self._missed.discard(destination_key)
            self._wake.set()
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, SQLAlchemyError | OSError):
            log.warning("outbox: delivery interrupted", extra={"error": str(exc)})
        elif exc is not None:
            log.error("outbox: deliverer failed", exc_info=exc)

    async def _deliver_destination(self, platform: str, destination: str, ids: list[int]) -> int:
        async with self._slots:
            return await self._deliver_held(platform, destination, ids)

    async def _deliver_held(self, platform: str, destination: str, ids: list[int]) -> int:
        delivered = 0
        async with self._locks.try_hold(f"outbox:{platform}:{destination}") as held:
            if not held:
                # Another process delivers here now; what it did not see waits for us.
                self._recheck_soon()
                return 0
            for row_id in ids:
                frontend = self._frontends.get(platform)
                if frontend is None or not frontend.health().ok:
                    self._recheck_soon()
                    return delivered  # not reachable now: kept, in order, for later
                async with self._db.read() as session:
                    row = await session.get(OutboxMessage, row_id)
                if row is None or row.state != PENDING:
                    continue  # delivered meanwhile by someone who held the lock before us
                due_at = as_utc(row.next_attempt_at)
                if due_at is not None and due_at > self._clock.now():
                    # It failed for someone who held the lock before us, after this round read
                    # it: it waits for its retry, and the ones after it wait too.
                    return delivered
                try:
                    then = await self._post(frontend, row)
                except UpstreamError as exc:
                    await self._record_failure(
                        row,
                        str(exc),
                        permanent=not exc.retryable,
                        at_once=isinstance(exc, MessageGone),
                    )
                    return delivered  # later messages wait, so they arrive in order
                except Exception as exc:  # a bug in a front end must not stop the outbox
                    log.exception("outbox: posting failed", extra={"message_id": row_id})
                    await self._record_failure(row, f"{type(exc).__name__}: {exc}", permanent=False)
                    return delivered
                await self._mark_delivered(row_id, then)
                delivered += 1
        return delivered

    async def _post(self, frontend: FrontEnd, row: OutboxMessage) -> Followup | None:
        """Deliver one row; what must be stored with its "delivered" mark comes back."""
        if row.edit_of is not None:
            state, note, edited = await deliver_revision(
                self._db, self._frontends, row, reply_from_data(row.reply)
            )
            return _posted(row.id, edited, state, note)
        if row.destination.startswith("thread:"):
            return await self._post_in_thread(frontend, row)
        if not row.destination.startswith("role:"):
            posted = await _post(frontend, row)
            return _posted(row.id, posted)
        async with self._db.read() as session:
            found = await session.exec(
                select(RoleChangeRecord).where(RoleChangeRecord.key == row.key)
            )
            record = found.first()
        if record is None:
            raise UpstreamError("the outbox", "the role change's record is gone", retryable=False)
        manager = self._frontends.role_manager(row.platform)
        if manager is None:
            raise UpstreamError(row.platform, "this platform cannot change roles", retryable=False)
        if record.action == GRANT:
            link = await manager.grant_role(
                record.space_id, record.user_id, record.role_id, reason=record.reason
            )
        else:
            await manager.revoke_role(
                record.space_id, record.user_id, record.role_id, reason=record.reason
            )
            link = None
        return functools.partial(self._role_done, record.key, link)

    async def _post_in_thread(self, frontend: FrontEnd, row: OutboxMessage) -> Followup | None:
        """In the topic's thread once it is open; else open it (a forum channel), or post in
        the channel."""
        channel = ChannelRef(row.platform, row.destination.removeprefix("thread:").split("/")[0])
        reply, nonce = reply_from_data(row.reply), nonce_for(row.key)
        async with self._db.read() as session:
            found = await session.exec(
                select(OutboxThread.thread_id).where(
                    OutboxThread.platform == row.platform,
                    OutboxThread.destination == row.destination,
                )
            )
            thread_id = found.first()
        if thread_id is not None:
            posted = await frontend.post(ChannelRef(row.platform, thread_id), reply, nonce=nonce)
            return _posted(row.id, _as_ids(posted))
        starter = self._frontends.thread_starter(row.platform)
        name = str(row.reply.get("thread_name") or reply.title or "Announcements")
        thread = (
            await starter.start_thread(channel, name, reply, nonce=nonce)
            if starter is not None
            else None
        )
        if thread is None:
            posted = await frontend.post(channel, reply, nonce=nonce)
            return _posted(row.id, _as_ids(posted))
        return functools.partial(
            self._thread_opened, row.id, row.platform, row.destination, thread.id
        )

    async def _thread_opened(
        self,
        row_id: int | None,
        platform: str,
        destination: str,
        thread_id: str,
        session: AsyncSession,
    ) -> None:
        # A forum post's first message has the thread's id.
        await _record_posted(row_id, [[thread_id, thread_id]], DELIVERED, "", session)
        session.add(
            OutboxThread(
                platform=platform,
                destination=destination,
                thread_id=thread_id,
                created_at=self._clock.now(),
            )
        )

    async def _role_done(self, key: str, link: str | None, session: AsyncSession) -> None:
        """Record the change as done; an invite link goes to the member, with the reason."""
        found = await session.exec(select(RoleChangeRecord).where(RoleChangeRecord.key == key))
        record = found.first()
        if record is None:
            return
        record.state, record.delivered_at = DELIVERED, self._clock.now()
        if record.key.startswith(FORGET_AFTER):
            # Taken back from a member who asked to be forgotten: no invite, no name kept.
            row = (
                await session.exec(select(OutboxMessage).where(OutboxMessage.key == key))
            ).first()
            await scrub_role_change(session, record, row)
            return
        if link is None:
            return
        role = record.role_name or "the members' group"
        invite = Reply(
            title=f"You may join {role}",
            body=f"{record.reason}\n\nThis link lets you in once and expires in a day.".strip(),
            links=(Link(f"Join {role}"[:60], link),),
            tone=Tone.SUCCESS,
        )
        record.invite_sent = bool(
            await self.enqueue(
                session,
                key=f"{key}:invite",
                community_id=record.community_id,
                reply=invite,
                to=ToMember(record.platform, record.user_id),
            )
        )

    async def _mark_delivered(self, row_id: int, then: Followup | None = None) -> None:
        """Retried until written: the post went out, so it must never go out again. `then`
        stores what the delivery led to, in the same transaction."""
        delay = 0.1
        while True:
            try:
                async with self._db.transaction() as session:
                    row = await session.get(OutboxMessage, row_id)
                    if row is not None:
                        row.state, row.delivered_at = DELIVERED, self._clock.now()
                        if then is not None:
                            await then(session)
                return
            except (SQLAlchemyError, OSError) as exc:
                log.warning(
                    "outbox: could not record a delivery; retrying",
                    extra={"message_id": row_id, "error": str(exc), "wait": delay},
                )
                await self._clock.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _record_failure(
        self, row: OutboxMessage, error: str, *, permanent: bool, at_once: bool = False
    ) -> None:
        """Retry later, or give up and report; `at_once`: no try will ever succeed (the
        message to edit is gone)."""
        limit = 1 if at_once else REFUSED_ATTEMPTS if permanent else FAULT_ATTEMPTS
        try:
            async with self._db.transaction() as session:
                stored = await session.get(OutboxMessage, row.id)
                if stored is None:
                    return
                stored.attempts += 1
                stored.last_error = error[:500]
                if stored.attempts < limit:
                    stored.next_attempt_at = self._clock.now() + self._backoff(stored.attempts)
                    log.warning(
                        "outbox: delivery failed; will retry",
                        extra={"message_id": row.id, "attempt": stored.attempts, "error": error},
                    )
                    return
                stored.state = FAILED
                if stored.destination.startswith("role:"):
                    found = await session.exec(
                        select(RoleChangeRecord).where(RoleChangeRecord.key == stored.key)
                    )
                    record = found.first()
                    if record is not None:
                        record.state, record.last_error = FAILED, error[:500]
                        if record.key.startswith(FORGET_AFTER):
                            await scrub_role_change(session, record, stored)
                await self._report(session, stored)
        except (SQLAlchemyError, OSError) as exc:
            # The message stays pending and is tried again: nothing is lost.
            log.warning("outbox: could not record a failure", extra={"error": str(exc)})

    def _backoff(self, attempts: int) -> timedelta:
        wait: timedelta = min(MAX_BACKOFF, self._retry_base * 2 ** (attempts - 1))
        return wait * (0.8 + random.random() * 0.4)

    async def _report(self, session: AsyncSession, failed: OutboxMessage) -> None:
        """Tell the community's stewards once; a report that fails itself goes to the log."""
        where = f"{failed.platform} {failed.destination.replace(':', ' ')}"
        log.error(
            "outbox: giving up on a message",
            extra={"message_id": failed.id, "destination": where, "error": failed.last_error},
        )
        if failed.key.startswith(REPORT_PREFIX):
            return
        title = reply_from_data(failed.reply).title or "a message"
        what = "An edit of a post" if failed.edit_of is not None else "A post"
        hint = (
            f" Check the bot's access there, or choose another with /config set {failed.purpose}."
            if failed.destination.startswith("channel:")
            and failed.purpose.endswith("_channel")
            and failed.edit_of is None  # an edit fails for the message, not the channel
            else ""
        )
        report = Reply(
            title=f"{what} could not be delivered",
            body=f"“{title}” for {where} failed after {failed.attempts} tries: "
            f"{failed.last_error}.{hint}",
            tone=Tone.WARNING,
        )
        added = await self.enqueue(
            session,
            key=f"{REPORT_PREFIX}{failed.id}",
            community_id=failed.community_id,
            reply=report,
            to=ToChannelSetting("steward_channel"),
        )
        if not added:
            log.error("outbox: no steward channel to report to", extra={"message_id": failed.id})

    # Status ------------------------------------------------------------------------------

    async def forget_member(
        self, session: AsyncSession, community_id: int, platform: str, user_id: str
    ) -> int:
        """/forget, in its transaction: the outbox's records stop naming the member (see
        outbox_forget); returns how many rows changed."""
        return await forget_member(session, community_id, platform, user_id)

    async def posted_as(
        self, platform: str, message_id: str, channel_id: str | None = None
    ) -> list[Reply]:
        """The replies delivered as this message (a message link's target), newest first; the
        channel may be unknown (a Telegram link naming a public chat by its name)."""
        needle = f'"{message_id}"'
        async with self._db.read() as session:
            found = await session.exec(
                select(OutboxMessage)
                .where(
                    OutboxMessage.platform == platform,
                    OutboxMessage.state == DELIVERED,
                    cast(OutboxMessage.posted, String).contains(needle),
                )
                .order_by(col(OutboxMessage.id).desc())
            )
            rows = list(found.all())
        return [
            reply_from_data(row.reply)
            for row in rows
            if any(
                len(ids) == 2 and ids[1] == message_id and channel_id in (None, ids[0])
                for ids in row.posted
            )
        ]

    async def backlog(self) -> Backlog:
        async with self._db.read() as session:
            pending = select(func.count(), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.state == PENDING
            )
            waiting, oldest = (await session.exec(pending)).one()
            failed_query = select(func.count()).where(OutboxMessage.state == FAILED)
            failed = (await session.exec(failed_query)).one()
        return Backlog(int(waiting or 0), int(failed or 0), as_utc(oldest))

    async def drain(self) -> int:
        """Deliver until nothing more can be delivered now (tests and `/digest now`-style
        commands wait on this), including what delivering stored (a failure report); returns
        how many were delivered."""
        delivered = 0
        while True:
            if self._inflight:
                await asyncio.wait(list(self._inflight))
            stored = self._stored
            round_delivered = await self.deliver_due()
            delivered += round_delivered
            if not round_delivered and not self._inflight and stored == self._stored:
                return delivered

    async def close(self) -> None:
        """Stop delivering; let posts in flight finish and be recorded first (within a bound:
        a database that never answers again must not hold the process forever)."""
        self._closing = True
        self._wake.set()
        if self._recheck is not None:
            self._recheck.cancel()
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=CLOSE_WAIT_SECONDS)


async def _post(frontend: FrontEnd, row: OutboxMessage) -> list[list[str]]:
    reply = reply_from_data(row.reply)
    kind, _, target = row.destination.partition(":")
    nonce = nonce_for(row.key)
    if kind == "dm":
        posted = await frontend.post_direct(target, reply, nonce=nonce)
    else:
        posted = await frontend.post(ChannelRef(row.platform, target), reply, nonce=nonce)
    return _as_ids(posted)


def _as_ids(posted: Iterable[MessageRef] | None) -> list[list[str]]:
    return [[ref.channel_id, ref.message_id] for ref in posted or ()]


def _posted(
    row_id: int | None, posted: list[list[str]], state: str = DELIVERED, note: str = ""
) -> Followup:
    return functools.partial(_record_posted, row_id, posted, state, note)


async def _record_posted(
    row_id: int | None, posted: list[list[str]], state: str, note: str, session: AsyncSession
) -> None:
    """With the "delivered" mark: where the post landed; for a revision, what became of it
    (skipped, or failed for a post never delivered: reported with that post already)."""
    if row_id is None:
        return
    row = await session.get(OutboxMessage, row_id)
    if row is None:
        return
    row.posted, row.state, row.last_error = posted, state, note[:500]
    if state != DELIVERED:
        row.delivered_at = None
