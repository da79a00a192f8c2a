"""/draft check, /draft publish and /draft signature: check a draft against a target's rules,
publish it to the forum or to Snapshot, and finish a Snapshot proposal with a pasted signature."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.options import Address
from bot.commands.reply import Attachment, Button, Field, Link, Reply, Tone
from bot.commands.spec import Opt, Role, command
from bot.errors import NotAllowed, UserError
from chain.snapshot import proposal_id, typed_data
from cogs.proposals.draft_service import Author, DraftService, DraftView
from cogs.proposals.publish_checks import Finding, Severity, blocking, check_draft
from cogs.proposals.publish_drafts import checked_draft, published_body, snapshot_content
from cogs.proposals.publish_limits import Limits, forum_limits, snapshot_limits
from cogs.proposals.publish_part import Publishing
from cogs.proposals.publish_service import Publisher
from cogs.proposals.publish_signing import signing_path, summary
from cogs.proposals.publish_snapshot import Signer
from cogs.proposals.runtime import Proposals

DraftId = Annotated[int | None, Opt("draft number (default: your latest draft)", min=1)]
MARKS = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.NOTE: "·"}


class Target(StrEnum):
    FORUM = "forum"
    SNAPSHOT = "snapshot"


def _parts(inv: Invocation[Proposals]) -> tuple[DraftService, Publishing]:
    drafts, publishing = inv.feature.drafts, inv.feature.publishing
    if not isinstance(drafts, DraftService) or not isinstance(publishing, Publishing):
        raise UserError("Drafting and publishing are not running on this bot.")
    return drafts, publishing


async def _draft(inv: Invocation[Proposals], number: int | None) -> DraftView:
    drafts, _ = _parts(inv)
    author = Author(inv.caller.platform, inv.caller.user_id, inv.caller.display_name)
    return await drafts.view(inv.community.id, author, number)


def _limits(inv: Invocation[Proposals], target: Target) -> Limits:
    if target is Target.SNAPSHOT:
        return snapshot_limits(turbo=inv.feature.config.publishing.turbo)
    forum = inv.feature.config.forum
    return forum_limits(forum.max_title_length, forum.max_body_length)


async def _findings(inv: Invocation[Proposals], view: DraftView, target: Target) -> list[Finding]:
    checked = checked_draft(view.doc, view.template)
    addresses = [a.recipient for a in checked.asks if a.recipient and a.recipient.startswith("0x")]
    known = await inv.feature.ctx.directory.listings(inv.community.id, addresses)
    names = {
        address: [f"{listing.handle} ({listing.platform})" for listing in listings]
        for address, listings in known.items()
    }
    return check_draft(checked, _limits(inv, target), names)


def _publisher(inv: Invocation[Proposals]) -> Publisher:
    return Publisher(inv.community.id, inv.community.slug, f"{inv.platform}:{inv.caller.user_id}")


def _refuse_if_blocked(findings: Sequence[Finding], target: Target) -> None:
    problems = blocking(findings)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UserError(
            f"Not published: {problems[0].message}{more} See /draft check target:{target}."
        )


@command(
    "draft check",
    help="Check a draft before publishing: sections, budget, recipients, link, limits, options",
    examples=("/draft check", "/draft check snapshot id=3"),
)
async def draft_check(
    inv: Invocation[Proposals], target: Target = Target.FORUM, id: DraftId = None
) -> Reply:
    view = await _draft(inv, id)
    findings = await _findings(inv, view, target)
    problems = blocking(findings)
    where = "the forum" if target is Target.FORUM else "Snapshot"
    lines = [f"{MARKS[f.severity]} {f.message}" for f in findings]
    if problems:
        verdict = f"{len(problems)} problem{'s' if len(problems) > 1 else ''} to fix first."
        tone = Tone.ERROR
    else:
        how = (
            "/draft publish snapshot <address>"
            if target is Target.SNAPSHOT
            else "/draft publish forum"
        )
        verdict = f"Ready to publish to {where}: {how}."
        tone = (
            Tone.WARNING if any(f.severity is Severity.WARNING for f in findings) else Tone.SUCCESS
        )
    return Reply(
        title=f"Draft #{view.draft.number} (version {view.version.number}) for {where}",
        body="\n".join([*lines, "", verdict]).strip(),
        tone=tone,
    )


@command(
    "draft publish",
    help="Publish a draft: as a forum topic, or to Snapshot signed by your address",
    slow=True,
    examples=(
        "/draft publish forum",
        "/draft publish snapshot 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed id=3",
    ),
)
async def draft_publish(
    inv: Invocation[Proposals],
    target: Target,
    address: Annotated[
        Address | None, Opt("Snapshot only: the address that signs (an account or a Safe)")
    ] = None,
    id: DraftId = None,
) -> Reply:
    _, publishing = _parts(inv)
    view = await _draft(inv, id)
    _refuse_if_blocked(await _findings(inv, view, target), target)
    draft_id = view.draft.id or 0
    if target is Target.FORUM:
        if inv.role < Role.STEWARD:
            raise NotAllowed("Publishing to the forum is for stewards (it posts as the bot).")
        published = await publishing.service.publish_forum(
            _publisher(inv), draft_id, view.version.number, view.doc.title, published_body(view.doc)
        )
        return Reply(
            title="Published on the forum",
            body=f"Draft #{view.draft.number} (version {view.version.number}) is a new topic: "
            f"{published.url}",
            links=(Link("Open the topic", published.url),),
            tone=Tone.SUCCESS,
        )
    if address is None:
        raise UserError(
            "Say which address signs the Snapshot proposal: /draft publish snapshot <address>."
        )
    signer = Signer(inv.platform, inv.caller.user_id, str(address))
    request, proposal = await publishing.snapshot.request(
        _publisher(inv), signer, draft_id, view.version.number, snapshot_content(view.doc)
    )
    data = json.dumps(typed_data(proposal), indent=2).encode()
    url = inv.feature.ctx.web.url(signing_path(request.nonce))
    return Reply(
        title=f"Sign draft #{view.draft.number} for Snapshot",
        body=f"```\n{summary(proposal)[:1500]}\n```\n"
        "Open the signing page to sign it with your browser's wallet, or sign the attached "
        "typed data (eth_signTypedData_v4) with any wallet and paste the signature with "
        "`/draft signature <signature>`. A Safe pastes its owners' signatures of the hash.",
        fields=(
            Field("EIP-712 hash", proposal_id(proposal)),
            Field("Signer", proposal.author),
        ),
        buttons=(Button("Open the signing page", url=url),),
        files=(Attachment("snapshot-proposal.json", data, "the typed data to sign"),),
    )


@command(
    "draft signature",
    help="Send the signature of your Snapshot proposal; it is checked, then sent to Snapshot",
    slow=True,
)
async def draft_signature(
    inv: Invocation[Proposals],
    signature: Annotated[str, Opt("the 0x… text your wallet gave", max_length=1400)],
) -> Reply:
    _, publishing = _parts(inv)
    request = await publishing.snapshot.latest(inv.community.id, inv.platform, inv.caller.user_id)
    published = await publishing.snapshot.complete(
        request, signature.strip(), f"{inv.platform}:{inv.caller.user_id}"
    )
    return Reply(
        title="Published on Snapshot",
        body=f"The proposal is on Snapshot: {published.url}",
        links=(Link("Open the proposal", published.url),),
        tone=Tone.SUCCESS,
    )


PUBLISH_COMMANDS = (draft_check, draft_publish, draft_signature)
