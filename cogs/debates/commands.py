"""Commands of the debates feature."""

from __future__ import annotations

from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.options import ChannelRef, Url, When
from bot.commands.reply import Field, Reply, Tone
from bot.commands.spec import Opt, Role, command
from bot.errors import InvalidOption, UpstreamError, UserError
from cogs.debates import channels
from cogs.debates.chat_render import render_chat_summary
from cogs.debates.models import Source, Thread
from cogs.debates.period import period_of
from cogs.debates.render import render_summary
from cogs.debates.resolve import resolve_target
from cogs.debates.runtime import Debates
from cogs.debates.service import DebateService
from cogs.debates.sources_render import render_sources
from cogs.debates.targets import same_forum


@command(
    "forum add",
    help="Ingest a Discourse forum into this community's store",
    requires=Role.STEWARD,
    slow=True,
    examples=("/forum add https://forum.example.org",),
)
async def forum_add(inv: Invocation[Debates], url: Url) -> Reply:
    service = inv.feature.service
    source = await service.add_forum(inv.community.id, url)
    try:
        report = await service.sync(source)
    except UpstreamError as exc:
        return Reply(
            title="Forum added, first sync failed",
            body=f"{exc}. It will be retried on the schedule; /sync tries now.",
            tone=Tone.WARNING,
        )
    return Reply(
        title="Forum added",
        body=f"{source.name} ({source.key}): {report.describe()}.",
        tone=Tone.SUCCESS,
    )


@command(
    "forum remove",
    help="Stop ingesting a forum; keep=no also deletes what was stored from it",
    requires=Role.STEWARD,
    examples=("/forum remove https://forum.example.org keep=no",),
)
async def forum_remove(
    inv: Invocation[Debates],
    url: Url,
    keep: Annotated[bool, Opt("keep the posts already stored (default yes)")] = True,
) -> Reply:
    source = await inv.feature.service.remove_forum(inv.community.id, url, keep=keep)
    kept = "Its stored posts stay searchable." if keep else "Its posts and summaries are deleted."
    return Reply(body=f"No longer syncing {source.key}. {kept}", tone=Tone.SUCCESS)


@command("sync", help="Sync this community's forums now", requires=Role.STEWARD, slow=True)
async def sync(
    inv: Invocation[Debates],
    forum: Url | None = None,
    full: Annotated[bool, Opt("fetch every post again, to catch old edits")] = False,
) -> Reply:
    service = inv.feature.service
    forums = await service.forum_sources(inv.community.id)
    if forum is not None:
        forums = [f for f in forums if same_forum(f.key, forum)]
        if not forums:
            raise InvalidOption("forum", f"{forum} is not a forum of this community; /sources")
    if not forums:
        raise UserError("This community has no forum yet; add one with /forum add <url>.")
    fields = []
    for source in forums:
        try:
            fields.append(Field(source.key, (await service.sync(source, full=full)).describe()))
        except UpstreamError as exc:
            fields.append(Field(source.key, f"failed: {exc}"))
    return Reply(title="Forum sync", fields=tuple(fields))


@command("sources", help="What this community's store holds, per forum and per chat channel")
async def sources(inv: Invocation[Debates]) -> Reply:
    service = inv.feature.service
    rows = await service.sources(inv.community.id)
    return render_sources(rows, await service.chat_channels(inv.community.id))


@command(
    "summarize",
    help="Summarize a debate or a chat window: topics, positions, decisions, with citations",
    slow=True,
    examples=(
        "/summarize https://forum.example.org/t/rfc/42",
        "/summarize #governance 7d",
        "/summarize #governance since=2025-04-29 until=2025-04-29",
    ),
)
async def summarize(
    inv: Invocation[Debates],
    target: Annotated[str, Opt("forum topic URL or #channel; default: this channel")] = "",
    since: Annotated[When | None, Opt("from: 7d, 2025-04-29 or 2025-04-29 14:00")] = None,
    until: Annotated[When | None, Opt("to (a date: its end); default now")] = None,
    threads: Annotated[bool, Opt("with the channel's threads and topics (default yes)")] = True,
) -> Reply:
    service = inv.feature.service
    zone = inv.community.zone
    period = period_of(since, until, service.now(), zone)
    thread, source = await _thread(inv, service, target)
    if source.kind == "discourse":
        result = await service.summarize(inv.community, thread, period=period, command="summarize")
        return render_summary(
            thread.title,
            thread.url,
            result.summary,
            result.provenance,
            result.posts,
            result.previous,
        )
    chat = await service.summarize_chat(
        inv.community, thread, period=period, with_threads=threads, command="summarize"
    )
    return render_chat_summary(
        channels.label(thread.title, source.kind),
        chat.summary,
        chat.provenance,
        chat.posts,
        chat.previous,
        period,
        zone,
        chat.files,
    )


async def _thread(
    inv: Invocation[Debates], service: DebateService, target: str
) -> tuple[Thread, Source]:
    return await resolve_target(service, inv.community.id, inv.platform, inv.channel, target)


@command("usage", help="Language model use and cost, per command", requires=Role.STEWARD)
async def usage(inv: Invocation[Debates]) -> Reply:
    rows = await inv.feature.service.usage(inv.community.id)
    model = inv.feature.service.model_name
    if not rows:
        status = f"model {model}" if model else "no model configured (offline summarizer)"
        return Reply(body=f"No model calls recorded yet; {status}.")
    fields = [
        Field(
            f"/{command} · {model_name}",
            f"{calls} calls · {prompt:,} prompt + {completion:,} completion tokens · ${cost:.4f}",
        )
        for command, model_name, calls, prompt, completion, cost in rows
    ]
    total = sum(r[5] for r in rows)
    return Reply(title="Model usage", fields=tuple(fields), footer=f"Total ${total:.4f}")


@command(
    "ingest channel",
    help="Store a channel's discussion: backfill its history, then follow it live",
    requires=Role.STEWARD,
    slow=True,
)
async def ingest_channel(inv: Invocation[Debates], channel: ChannelRef) -> Reply:
    channel = await inv.feature.ingest.named_channel(channel, inv.channel)
    new, read = await inv.feature.ingest.backfill(inv.community, channel)
    return Reply(
        title="Channel ingested",
        body=f"{channel.display or channel.id}: read {read} messages, {new} new. "
        "New messages there are stored as they arrive.",
        tone=Tone.SUCCESS,
    )
