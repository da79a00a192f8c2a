"""The winner's provenance record gains the curation result: a pick hook that amends the record
through the provenance service (which signs it again) once the pick is stored."""

from __future__ import annotations

from cogs.generation.curation import CurationResult, PickHook
from cogs.generation.provenance_service import Provenance


def amend_provenance(provenance: Provenance) -> PickHook:
    async def amend(result: CurationResult) -> str:
        await provenance.amend_curation(result.winner_sha256, result.as_record())
        return (
            f"Output {result.winner_output_id}'s provenance record now carries the result, "
            "signed again."
        )

    return amend
