"""Commands of the treasury feature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.options import Address
from bot.commands.reply import Field, Link, Reply, Tone
from bot.commands.spec import Opt, Role, command
from chain.safe_info import read_state
from chain.words import native_amount
from cogs.treasury.alerts import links
from cogs.treasury.naming import OwnerNames
from cogs.treasury.service import TreasuryService


async def _chains(inv: Invocation[TreasuryService], typed: str) -> Sequence[str]:
    return [name for name in inv.feature.chains if typed.lower() in name]


ChainName = Annotated[
    str, Opt("chain from the config; default: the only one", autocomplete=_chains)
]


@command(
    "safe watch",
    help="Watch a Safe: alerts for its transactions, funds and settings changes",
    requires=Role.STEWARD,
    slow=True,
    examples=("/safe watch 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed mainnet Treasury",),
)
async def safe_watch(
    inv: Invocation[TreasuryService],
    address: Address,
    chain: ChainName = "",
    name: Annotated[str, Opt("a name for alerts, e.g. Treasury", max_length=60)] = "",
) -> Reply:
    safe = await inv.feature.watch(
        inv.community.id, chain or None, address, name, by=inv.caller.key
    )
    alert_channel = inv.community.get("alert_channel", inv.platform)
    where = "" if alert_channel else " Set an alert channel with /config set alert_channel."
    return Reply(
        body=f"Watching {safe.name or safe.address} (Safe {safe.version}) on {safe.chain}.{where}",
        tone=Tone.SUCCESS,
    )


@command("safe unwatch", help="Stop watching a Safe", requires=Role.STEWARD)
async def safe_unwatch(
    inv: Invocation[TreasuryService], address: Address, chain: ChainName = ""
) -> Reply:
    removed = await inv.feature.unwatch(inv.community.id, chain or None, address)
    if not removed:
        return Reply(body=f"{address} was not watched here.", tone=Tone.WARNING)
    return Reply(body=f"No longer watching {address}.", tone=Tone.SUCCESS)


@command("safe list", help="The Safes this community watches")
async def safe_list(inv: Invocation[TreasuryService]) -> Reply:
    safes = await inv.feature.watched(inv.community.id)
    if not safes:
        return Reply(body="No Safe is watched yet. Stewards: /safe watch <address>.")
    lines = [f"- {s.name or 'Safe'} `{s.address}` on {s.chain} (v{s.version})" for s in safes]
    return Reply(title="Watched Safes", body="\n".join(lines))


@command("safe status", help="Owners, threshold, nonce, balances and queue of a Safe", slow=True)
async def safe_status(
    inv: Invocation[TreasuryService], address: Address, chain: ChainName = ""
) -> Reply:
    service = inv.feature
    runtime = service.chain(chain or None)
    await service.require_safe(runtime, address)
    state = await read_state(runtime.node, address, runtime.name)
    balance = await runtime.node.balance(address)
    balances = [native_amount(balance, runtime.config.native_symbol)]
    for token_address in runtime.config.tokens:
        token = await runtime.tokens.get(token_address)
        raw = await runtime.tokens.balance(token_address, address)
        balances.append(f"{token.amount(raw)} {token.symbol}")
    names = await OwnerNames.load(service.directory, inv.community.id, state.owners)
    fields = [
        Field("Owners", "\n".join(names.name(owner) for owner in state.owners)),
        Field("Threshold", f"{state.threshold} of {len(state.owners)}", inline=True),
        Field("Nonce", str(state.nonce), inline=True),
        Field("Version", state.version, inline=True),
        Field("Modules", "\n".join(state.modules) or "none"),
        Field("Guard", state.guard or "none", inline=True),
        Field("Fallback handler", state.fallback_handler or "none", inline=True),
        Field("Balances", "\n".join(balances)),
    ]
    queue = await service.queue_lines(runtime.name, address, state)
    if queue is not None:
        fields.append(Field("Queue", "\n".join(names.text(q) for q in queue) or "nothing pending"))
    safe_links = links(runtime.config, address, None)
    return Reply(
        title=f"Safe {address} on {runtime.name}",
        fields=tuple(fields),
        links=tuple(Link(label, url) for label, url in safe_links.items()),
    )
