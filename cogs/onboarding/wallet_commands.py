"""/verify: prove a wallet with Sign-In with Ethereum, unlink one, and see which roles the rules
give you and why."""

from __future__ import annotations

from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.options import Address
from bot.commands.reply import Button, Field, Reply, Tone
from bot.commands.spec import Opt, command
from cogs.onboarding.roles import explain
from cogs.onboarding.runtime import Onboarding
from cogs.onboarding.wallets import Member, clean_signature


def _member(inv: Invocation[Onboarding]) -> Member:
    return Member(inv.community.id, inv.platform, inv.caller.user_id)


@command(
    "verify wallet",
    help="Prove a wallet is yours: sign a Sign-In with Ethereum message",
    private=True,
    examples=("/verify wallet 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",),
)
async def verify_wallet(inv: Invocation[Onboarding], address: Address) -> Reply:
    wallets = inv.feature.wallets
    challenge = await wallets.issue(_member(inv), str(address), inv.community.name)
    minutes = round((challenge.expires_at - wallets.now()).total_seconds() / 60)
    return Reply(
        title="Sign this message with your wallet",
        body=f"```\n{challenge.message}\n```\n"
        f"Open the signing page to sign it in your browser's wallet, or sign it with any "
        f"wallet (personal_sign) and paste the signature here with "
        f"`/verify signature <signature>`. It expires in {minutes} minutes.",
        buttons=(Button("Open the signing page", url=challenge.url),),
        private=True,
    )


@command(
    "verify signature",
    help="Send the signature of your sign-in message to link the wallet",
    private=True,
    slow=True,
)
async def verify_signature(
    inv: Invocation[Onboarding],
    signature: Annotated[str, Opt("the 0x… text your wallet gave", max_length=1400)],
) -> Reply:
    proved = await inv.feature.wallets.prove_latest(_member(inv), clean_signature(signature))
    kind = "contract wallet" if proved.kind == "contract" else "account"
    body = f"{proved.address} ({kind}) is now linked to you."
    if inv.feature.roles.rules:
        review = await inv.feature.roles.check(inv.community.id, _member(inv))
        lines = explain(review.verdicts.get(_member(inv), []))
        body += "\n\n**Your roles**\n" + "\n".join(lines)
    return Reply(title="Wallet verified", body=body, tone=Tone.SUCCESS, private=True)


@command("verify unlink", help="Unlink a wallet you proved", private=True)
async def verify_unlink(inv: Invocation[Onboarding], address: Address) -> Reply:
    removed = await inv.feature.wallets.unlink(_member(inv), str(address))
    if not removed:
        return Reply(body=f"{address} is not linked to you.", tone=Tone.WARNING, private=True)
    return Reply(
        body=f"{address} is unlinked. Roles it gave you are checked at the next /verify refresh.",
        tone=Tone.SUCCESS,
        private=True,
    )


@command(
    "verify refresh",
    help="Check your roles now: which rule gives or withholds each, and why",
    private=True,
    slow=True,
)
async def verify_refresh(inv: Invocation[Onboarding]) -> Reply:
    member = _member(inv)
    roles = inv.feature.roles
    wallets = await inv.feature.wallets.wallets_of(member)
    linked = ", ".join(w.address for w in wallets) or "none yet (/verify wallet <address>)"
    if not roles.rules:
        return Reply(
            title="Your roles",
            body=f"This community has no role rules.\nWallets: {linked}",
            private=True,
        )
    review = await roles.check(inv.community.id, member)
    lines = explain(review.verdicts.get(member, []))
    changes = [
        f"{'Granted' if c.action == 'grant' else 'Removed'}: {c.rule}"
        for c in review.changes
        if c.member == member
    ]
    fields = [Field("Wallets", linked)]
    if changes:
        fields.append(Field("Changed now", "\n".join(changes)))
    return Reply(title="Your roles", body="\n".join(lines), fields=tuple(fields), private=True)


COMMANDS = (verify_wallet, verify_signature, verify_unlink, verify_refresh)
