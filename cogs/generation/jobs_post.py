"""What a job posts, through the outbox, where its command was run: status lines, each result
with its files and buttons, and why outputs were rejected.

Each message is keyed by the job (and the output, or the step): a job resumed after a restart
never posts the same thing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.options import ChannelRef
from bot.commands.reply import Attachment, Button, Reply, Tone
from bot.commands.sanitize import neutralize_all_mentions
from bot.outbox import Destination, Outbox, ToChannel, ToMember
from cogs.generation.jobs_pipeline import Sealed
from cogs.generation.models import GenerationJob, GenerationOutput
from summarizer.generation import IMAGE_PNG

CHANNEL, DM = "channel", "dm"


def destination(job: GenerationJob) -> Destination:
    if job.reply_kind == CHANNEL and job.reply_to:
        return ToChannel(ChannelRef(job.platform, job.reply_to, job.reply_name))
    return ToMember(job.platform, job.user_id)


def quoted(prompt: str, limit: int = 300) -> str:
    text = neutralize_all_mentions(" ".join(prompt.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_key(job: GenerationJob) -> str:
    return f"generation:{job.id}:status"


def status_reply(job: GenerationJob, text: str, *, final: bool) -> Reply:
    noun = "image" if job.kind == "image" else (job.format or "text")
    title = f"Job #{job.id}: {job.count} × {noun} · style {job.style}"
    tone = Tone.INFO
    if final:
        tone = Tone.WARNING
        if text.startswith("posted") and "rejected" not in text:
            tone = Tone.SUCCESS
        if text.startswith("failed"):
            tone = Tone.ERROR
    buttons = () if final else (Button("Cancel", command=f"/jobs cancel {job.id}"),)
    body = f"{text[:1].upper()}{text[1:]}\n> {quoted(job.prompt, 200)}"
    return Reply(title=title, body=body, buttons=buttons, tone=tone)


def output_filename(job: GenerationJob, index: int, media_type: str) -> str:
    extension = "png" if media_type == IMAGE_PNG else "md"
    return f"job{job.id}-{index + 1}.{extension}"


class Poster:
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def open_status(self, session: AsyncSession, job: GenerationJob) -> None:
        """The job's status message, stored with the job: edited as the job goes."""
        await self._outbox.enqueue(
            session,
            key=status_key(job),
            community_id=job.community_id,
            reply=status_reply(job, "queued", final=False),
            to=destination(job),
        )

    async def status(
        self, session: AsyncSession, job: GenerationJob, text: str, *, final: bool = False
    ) -> None:
        """Edit the status message to say `text`; after a final word, nothing changes it."""
        await self._outbox.revise(
            session, status_key(job), status_reply(job, text, final=final), final=final
        )

    async def result(
        self,
        session: AsyncSession,
        job: GenerationJob,
        output: GenerationOutput,
        sealed: Sealed,
        buttons: Sequence[Button],
    ) -> None:
        name = output_filename(job, output.index, output.media_type)
        what = "Image" if output.media_type == IMAGE_PNG else "Copy"
        body = (
            f"{what} {output.index + 1} of {job.count} · style {job.style}\n> {quoted(job.prompt)}"
        )
        if output.media_type != IMAGE_PNG:
            body += "\n\n" + neutralize_all_mentions(sealed.data.decode("utf-8", "replace"))
        footer = f"sha256 {hashlib.sha256(sealed.data).hexdigest()[:16]}…"
        if sealed.note:
            footer += f" · {sealed.note}"
        reply = Reply(
            title=f"Job #{job.id} · {what.lower()} {output.index + 1}",
            body=body,
            files=(Attachment(name, sealed.data, f"{what} {output.index + 1}"), *sealed.files),
            buttons=tuple(buttons),
            footer=footer,
        )
        await self._outbox.enqueue(
            session,
            key=f"generation:{job.id}:output:{output.index}",
            community_id=job.community_id,
            reply=reply,
            to=destination(job),
        )

    async def rejected(
        self, session: AsyncSession, job: GenerationJob, outputs: Sequence[GenerationOutput]
    ) -> None:
        lines = []
        for output in outputs:
            reasons = [r for r in output.reasons.splitlines() if r] or [
                f"Output {output.index + 1} was not posted (no reason given)"
            ]
            lines += [f"- {neutralize_all_mentions(reason)}" for reason in reasons]
        reply = Reply(
            title=f"Job #{job.id}: {len(outputs)} output(s) not posted",
            body="\n".join(lines),
            tone=Tone.WARNING,
        )
        await self._outbox.enqueue(
            session,
            key=f"generation:{job.id}:rejected",
            community_id=job.community_id,
            reply=reply,
            to=destination(job),
        )
