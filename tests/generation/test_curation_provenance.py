"""The winner's provenance record gains the curation result when a steward picks: the record
(sealed by the real provenance service) carries the tally, and its signature verifies, made
again over the record with it."""

from __future__ import annotations

from sqlmodel import select

from cogs.generation.curation_provenance import amend_provenance
from cogs.generation.models import GenerationOutput
from cogs.generation.provenance_service import Provenance
from tests.generation.provenance_support import copy_output, copy_request, provenance_config
from tests.generation.test_curation import (
    discord_results,
    finished_job,
    post_results,
    press_on_discord,
)
from tests.support.world import World, discord_text


async def test_the_winners_record_carries_the_result_and_still_verifies(world: World) -> None:
    app = world.app
    provenance = Provenance(app.db, provenance_config(), None, app.clock, "test")
    app.runtimes["generation"].curation.on_pick(amend_provenance(provenance))
    job_id, outputs = await finished_job(app, 2)
    texts = ["The grants round opens Monday.", "Grants open Monday: apply now."]
    sealed = []
    for output, text in zip(outputs, texts, strict=True):
        made = await provenance.seal(
            copy_request(), copy_output(text), job_id=str(job_id), index=output.index
        )
        sealed.append(made.sha256)
        async with app.db.transaction() as session:
            row = (
                await session.exec(select(GenerationOutput).where(GenerationOutput.id == output.id))
            ).one()
            row.sha256 = made.sha256  # the jobs pipeline stores the hash of what it made
            session.add(row)
    first, second = (o.id for o in outputs)
    await post_results(world, job_id, outputs)
    message = discord_results(world, job_id)
    for user in ("alice", "bob"):
        said = await press_on_discord(world, message, f"👍 Vote for output {second}", user)
        assert "Vote counted" in said

    picked = await world.on_discord("generate pick", {"job": job_id}, user="carol")
    assert f"Output {second}'s provenance record now carries the result" in discord_text(picked)

    winner = await provenance.find(sealed[1])
    assert winner is not None
    curation = winner.record["curation"]
    assert (curation["job"], curation["output"], curation["voters"]) == (job_id, second, 2)
    assert curation["weighted_by"] == "one vote each"
    assert [(e["output"], e["voters"]) for e in curation["tally"]] == [(second, 2), (first, 0)]
    verification = await provenance.verify(winner)
    signature = verification.check("signature")
    assert signature is not None and signature.ok, signature
    loser = await provenance.find(sealed[0])
    assert loser is not None and loser.record.get("curation") is None
