"""Curation commands: `/generate vote` (what a result's vote button runs), `/generate pick`
(stewards close voting and mark the winner) and `/generate results` (the tally).

The jobs pipeline attaches `vote_buttons(outputs)` to each posted result: on Discord each is a
button whose custom_id carries the command line, on Telegram an inline keyboard button; a press
runs `/generate vote <output id>` as the member who pressed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Protocol

from bot.commands.invocation import Invocation
from bot.commands.reply import Button, Field, Reply, Tone
from bot.commands.spec import CommandSpec, Opt, Role, command
from bot.context import FeatureContext
from chain.node import ChainNode
from cogs.generation.curation import CastVote, CurationService, Standing
from cogs.generation.curation_config import CurationConfig
from cogs.generation.curation_tally import amount, tally_line
from cogs.generation.curation_weights import Weights


class CurationRuntime(Protocol):
    """What the generation feature's commands see (`inv.feature`): its curation service."""

    @property
    def curation(self) -> CurationService: ...


class HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def start_curation(ctx: FeatureContext[Any], config: CurationConfig) -> CurationService:
    """The curation service for the feature's lifespan; /forget reaches its votes."""
    token = config.token
    node = ChainNode(token.rpc, ctx.http) if token is not None else None
    service = CurationService(ctx.db, Weights(token, node, ctx.directory), ctx.clock)
    ctx.directory.forget_with(service.forget)
    return service


def vote_line(output_id: int) -> str:
    return f"/generate vote {output_id}"


def vote_button(output_id: int | None) -> tuple[Button, ...]:
    """The vote button of one stored output (none for an output not stored yet)."""
    if output_id is None:
        return ()
    return (Button(f"👍 Vote for output {output_id}", command=vote_line(output_id)),)


def vote_buttons(outputs: Sequence[HasId]) -> tuple[Button, ...]:
    """One vote button per stored output, for the message that posts the results."""
    return tuple(button for o in outputs for button in vote_button(o.id))


OutputId = Annotated[int, Opt("the output's number, shown on its vote button", min=1)]
JobId = Annotated[int, Opt("the job's number, as /jobs shows it", min=1)]


@command(
    "generate vote",
    help="Vote for a generated output (what its vote button runs)",
    private=True,
    examples=("/generate vote 3",),
)
async def generate_vote(inv: Invocation[CurationRuntime], output: OutputId) -> Reply:
    cast = await inv.feature.curation.vote(
        inv.community.id, inv.platform, inv.caller.user_id, output
    )
    return Reply(
        title=f"Vote counted for output {cast.output_id}",
        body=_weight_words(cast),
        footer=f"/generate results {cast.job_id} shows the tally",
        tone=Tone.SUCCESS,
        private=True,
    )


def _weight_words(cast: CastVote) -> str:
    if not cast.unit and cast.weight is not None:
        return "Every vote counts one."
    if cast.weight is None:
        return (
            "Your holdings could not be read just now; they are read for every voter when "
            "voting closes."
        )
    if cast.wallets == 0:
        return (
            "It weighs 0: votes weigh the voter's verified holdings, and you have no verified "
            "wallet (`/verify wallet <address>` links one). It still counts among the voters."
        )
    held = (
        "your verified wallet holds"
        if cast.wallets == 1
        else f"your {cast.wallets} verified wallets hold"
    )
    return (
        f"It weighs {amount(cast.weight)} {cast.unit}, what {held} now; holdings are read "
        "again for every voter when voting closes."
    )


@command(
    "generate pick",
    help="Close a job's voting and mark the winner",
    requires=Role.STEWARD,
    slow=True,
    examples=("/generate pick 12",),
)
async def generate_pick(inv: Invocation[CurationRuntime], job: JobId) -> Reply:
    standing = await inv.feature.curation.pick(inv.community.id, job, inv.caller.key)
    return render_standing(standing, picked=True)


@command("generate results", help="The votes on a job's outputs, and the winner once picked")
async def generate_results(inv: Invocation[CurationRuntime], job: JobId) -> Reply:
    return render_standing(await inv.feature.curation.standing(inv.community.id, job))


def tally_fields(standing: Standing) -> tuple[Field, ...]:
    """The tally as fields, for any reply that shows a job (its summary in /jobs)."""
    lines = [
        tally_line(e, standing.weighted_by, standing.winner_id, standing.positions.get(e.output_id))
        for e in standing.ranked
    ]
    state = "open" if standing.open else "closed"
    fields = [Field("Voting", state, inline=True)]
    if standing.winner_id is not None:
        fields.append(Field("Winner", f"output {standing.winner_id}", inline=True))
    fields.append(Field("Tally", "\n".join(lines) or "no outputs posted"))
    return tuple(fields)


def render_standing(standing: Standing, *, picked: bool = False) -> Reply:
    job = standing.job_id
    weighting = (
        f"Votes weigh the voters' verified {standing.weighted_by} holdings."
        if standing.weighted_by
        else "Every vote counts one."
    )
    if picked:
        title = (
            f"Job {job}: output {standing.winner_id} wins"
            if standing.winner_id is not None
            else f"Job {job}: voting closed without votes"
        )
    else:
        title = f"Votes on job {job}"
    body = weighting
    if standing.open:
        body += f" Voting is open; a steward closes it with `/generate pick {job}`."
    if standing.notes:
        body += "\n\n" + "\n".join(standing.notes)
    return Reply(
        title=title,
        body=body,
        fields=tally_fields(standing),
        tone=Tone.SUCCESS if picked else Tone.INFO,
    )


COMMANDS: tuple[CommandSpec, ...] = (generate_vote, generate_pick, generate_results)
