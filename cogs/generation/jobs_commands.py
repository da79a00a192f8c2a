"""/generate image, /generate copy, /jobs list and /jobs cancel.

Each /generate checks what it can at once (prompt, style, count, size, format, the back end, the
prompt check, the quota), stores the job, and only then answers with its number; the job's
progress and results are posted where the command was run.
"""

from __future__ import annotations

from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.reply import Reply, Tone
from bot.commands.spec import Opt, Role, command
from bot.errors import InvalidOption, UserError
from cogs.generation import jobs_store as store
from cogs.generation.contracts import COPY_FORMATS, GenerationRequest, Kind, Requester, Style
from cogs.generation.jobs_post import Poster, quoted
from cogs.generation.jobs_runtime import Generation
from cogs.generation.models import FAILED, GenerationJob

PROMPT_LIMIT = 4000


def _prompt(gen: Generation, name: str, text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidOption(name, "must not be empty; say what to make")
    limit = gen.config.jobs.max_prompt_chars
    if len(text) > limit:
        raise InvalidOption(name, f"must be at most {limit} characters (got {len(text)})")
    return text


def _count(style: Style, count: int | None) -> int:
    chosen = 1 if count is None else count
    if not 1 <= chosen <= style.max_count:
        raise InvalidOption(
            "count", f"must be 1 to {style.max_count} for style {style.name} (got {chosen})"
        )
    return chosen


async def _start(inv: Invocation[Generation], request: GenerationRequest) -> Reply:
    gen = inv.feature
    missing = gen.pipeline.generator.missing(request.style)
    if missing:
        raise UserError(missing)
    verdict = await gen.pipeline.check_prompt(request)
    if not verdict.passed:
        raise UserError("That prompt can't be used: " + "; ".join(verdict.reasons))
    try:
        job_id = await gen.store_job(inv, request)
    except store.QuotaExhausted as exc:
        use = exc.use
        left = max(0, use.limit - use.used)
        more = f"; {left} left, you asked for {request.count}" if left else ""
        raise UserError(
            f"You have used {use.used} of {use.limit} generations today{more}; resets at 00:00 UTC."
        ) from exc
    await gen.queue.submit(job_id)
    noun = "image" if request.kind == "image" else request.format
    plural = "s" if request.count > 1 else ""
    what = f"{request.count} {noun}{plural} in style {request.style.name}"
    if request.size:
        what += f", {request.size}"
    return Reply(
        body=f"Job #{job_id} queued: {what}.\n> {quoted(request.prompt)}\n"
        f"Progress and results are posted here; `/jobs cancel {job_id}` stops it.",
        tone=Tone.SUCCESS,
    )


@command(
    "generate image",
    help="Images from a prompt in one of the community's styles (see /styles)",
    examples=("/generate image a lighthouse at dawn", "/generate image a fox style=poster count=2"),
)
async def generate_image(
    inv: Invocation[Generation],
    prompt: Annotated[str, Opt("what to draw", max_length=PROMPT_LIMIT, rest=True)],
    style: Annotated[str | None, Opt("a style preset (see /styles)", max_length=64)] = None,
    count: Annotated[int | None, Opt("how many images", min=1, max=10)] = None,
    size: Annotated[
        str | None, Opt("WIDTHxHEIGHT, one of the style's sizes", max_length=16)
    ] = None,
) -> Reply:
    gen = inv.feature
    text = _prompt(gen, "prompt", prompt)
    chosen = gen.style_for("image", style)
    sizes = chosen.sizes or ("1024x1024",)
    picked = size or sizes[0]
    if picked not in sizes:
        raise InvalidOption(
            "size", f"{picked!r} is not a size of style {chosen.name}; use {', '.join(sizes)}"
        )
    request = _request(inv, "image", text, chosen, _count(chosen, count), size=picked)
    return await _start(inv, request)


@command(
    "generate copy",
    help="Announcements, threads, posts or blurbs from a brief, in the community's voice",
    examples=('/generate copy "our grants round opens" format=tweet-thread',),
)
async def generate_copy(
    inv: Invocation[Generation],
    brief: Annotated[str, Opt("what to write about", max_length=PROMPT_LIMIT, rest=True)],
    format: Annotated[
        str,
        Opt("announcement, tweet thread, forum post or newsletter blurb", max_length=32),
    ] = "announcement",
    style: Annotated[str | None, Opt("a copy style (see /styles)", max_length=64)] = None,
    count: Annotated[int | None, Opt("how many versions", min=1, max=10)] = None,
) -> Reply:
    gen = inv.feature
    text = _prompt(gen, "brief", brief)
    wanted = " ".join(format.replace("-", " ").replace("_", " ").lower().split())
    if wanted not in COPY_FORMATS:
        raise InvalidOption("format", f"must be one of {', '.join(COPY_FORMATS)} (got {format!r})")
    chosen = gen.style_for("copy", style)
    request = _request(inv, "copy", text, chosen, _count(chosen, count), format=wanted)
    return await _start(inv, request)


def _request(
    inv: Invocation[Generation],
    kind: Kind,
    prompt: str,
    style: Style,
    count: int,
    *,
    size: str = "",
    format: str = "",
) -> GenerationRequest:
    requester = Requester(inv.platform, inv.caller.user_id, inv.caller.display_name)
    seed = inv.feature.seed_for(style) if kind == "image" else None
    return GenerationRequest(kind, prompt, style, count, requester, size, format, seed)


def _line(job: GenerationJob, steward: bool) -> str:
    what = f"{job.count} × {job.kind}" + (f" ({job.format})" if job.format else "")
    state = job.state
    if job.progress and job.progress != job.state:
        state += f", {job.progress}"
    if job.state == FAILED and job.last_error:
        state += f": {quoted(job.last_error, 200)}"
    elif job.attempts > 1:
        state += f" ({job.attempts} attempts)"
    who = f" · {job.user_name or job.user_id} ({job.platform})" if steward else ""
    return f"- #{job.id} {what}, style {job.style}: **{state}**{who}\n  > {quoted(job.prompt, 80)}"


@command(
    "jobs list", help="Your generation jobs and their state (stewards: everyone's)", private=True
)
async def jobs_list(inv: Invocation[Generation]) -> Reply:
    gen = inv.feature
    steward = inv.role >= Role.STEWARD
    member = None if steward else inv.caller.key
    jobs = await store.list_jobs(gen.ctx.db, inv.community.id, member)
    now = gen.ctx.clock.now()
    used = await store.quota_used(gen.ctx.db, inv.community.id, inv.caller.key, store.day_of(now))
    quota = f"You have used {used} of {gen.config.jobs.daily_quota} generations today."
    if not jobs:
        return Reply(body=f"No generation jobs yet. {quota}")
    title = "Generation jobs" if steward else "Your generation jobs"
    return Reply(title=title, body="\n".join(_line(j, steward) for j in jobs), footer=quota)


@command("jobs cancel", help="Cancel a generation job that has not finished")
async def jobs_cancel(
    inv: Invocation[Generation], job: Annotated[int, Opt("the job's number", min=1)]
) -> Reply:
    gen = inv.feature
    async with gen.ctx.db.read() as session:
        found = await store.get_job(session, job)
    if found is None or found.community_id != inv.community.id:
        raise UserError(f"There is no job #{job} here.")
    own = found.platform == inv.platform and found.user_id == inv.caller.user_id
    if not own and inv.role < Role.STEWARD:
        raise UserError(f"Job #{job} is not yours; only stewards cancel others' jobs.")
    before = await store.cancel(gen.ctx.db, job, inv.community.id)
    if before in ("done", "failed", "cancelled"):
        return Reply(body=f"Job #{job} is {before} already; nothing to cancel.", tone=Tone.WARNING)
    who = "" if own else f" by {inv.caller.display_name}"
    async with gen.ctx.db.transaction() as session:
        await Poster(gen.ctx.outbox).status(session, found, f"cancelled{who}", final=True)
    canceller = getattr(gen.queue, "cancel_local", None)
    if canceller is not None:
        await canceller(job)
    said = "it will not start" if before == "queued" else "its results will not be posted"
    return Reply(body=f"Job #{job} cancelled: {said}.", tone=Tone.SUCCESS)


COMMANDS = (generate_image, generate_copy, jobs_list, jobs_cancel)
