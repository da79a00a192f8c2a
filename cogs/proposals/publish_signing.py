"""The proposal signing page: GET /proposal/sign/<nonce> shows the Snapshot proposal and asks
the browser's wallet for `eth_signTypedData_v4`; the signature posted back is verified and the
proposal sent to the sequencer (the framework's page, bot/signing_page.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from bot.errors import UpstreamError, UserError
from bot.signing_page import SigningPage, SigningRefused, State, signing_routes
from chain.snapshot import SnapshotProposal, typed_data
from cogs.proposals.publish_snapshot import SnapshotPublishing, proposal_of

PATH = "/proposal/sign/{token}"
UNKNOWN = (
    "No such proposal to sign: this bot did not issue this link. Ask for one with "
    "/draft publish snapshot."
)


def signing_path(nonce: str) -> str:
    return PATH.replace("{token}", nonce)


def summary(proposal: SnapshotProposal) -> str:
    """The proposal as its author reads it before signing."""
    return "\n".join(
        [
            f"Space: {proposal.space}",
            f"Author: {proposal.author}",
            f"Title: {proposal.title}",
            f"Choices ({proposal.type}): {' · '.join(proposal.choices)}",
            f"Voting: {_when(proposal.start)} to {_when(proposal.end)}",
            f"Snapshot block: {proposal.snapshot}",
            f"Discussion: {proposal.discussion or '(none)'}",
            "",
            proposal.body,
        ]
    )


def _when(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


class ProposalSigner:
    def __init__(self, snapshot: SnapshotPublishing) -> None:
        self.snapshot = snapshot

    async def page(self, token: str) -> SigningPage | None:
        request = await self.snapshot.find(token)
        if request is None:
            return None
        proposal = proposal_of(request)
        state: State = "open"
        found = self.snapshot.state(request)
        if found in ("used", "expired"):
            state = "used" if found == "used" else "expired"
        return SigningPage(
            title="Sign a Snapshot proposal",
            heading="Sign the proposal",
            intro=f"Your wallet will ask {proposal.author} to sign this proposal for "
            f"{proposal.space} (EIP-712 typed data). Signing sends no transaction and costs "
            "nothing; Steward then sends it to Snapshot.",
            shown=summary(proposal),
            address=proposal.author,
            request={"method": "eth_signTypedData_v4", "typedData": typed_data(proposal)},
            state=state,
            hint="Sign the typed data with any wallet and paste the signature in chat with "
            "/draft signature. A Safe signs with its owners' signatures, pasted the same way.",
            used="This proposal was signed and sent already.",
            expired="This signing link has expired. Ask for a new one with /draft publish "
            "snapshot.",
        )

    async def receive(self, token: str, signature: str) -> str:
        request = await self.snapshot.find(token)
        if request is None:
            raise SigningRefused(404, UNKNOWN)
        try:
            published = await self.snapshot.complete(
                request, signature, f"{request.platform}:{request.user_id}", tell=True
            )
        except UserError as exc:
            raise SigningRefused(400, str(exc)) from exc
        except UpstreamError as exc:
            message = f"Could not finish now ({exc.service}: {exc}); try again."
            raise SigningRefused(503, message) from exc
        return f"Published on Snapshot: {published.url}"


def routes(snapshot: SnapshotPublishing) -> list[web.RouteDef]:
    return signing_routes(PATH, ProposalSigner(snapshot), UNKNOWN)
