"""Turning Safe activity into stored alerts, and stored alerts into posts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.reply import Link, Reply, Tone
from chain.events import SECURITY_EVENTS, DecodedLog
from chain.tokens import TokenBook
from chain.watch import SafeActivity
from chain.words import describe, native_amount
from cogs.treasury.config import ChainConfig
from cogs.treasury.models import TreasuryAlert
from cogs.treasury.naming import decode_pings

HIGH, MEDIUM, INFO = "high", "medium", "info"
_TONES = {HIGH: Tone.ALERT, MEDIUM: Tone.WARNING, INFO: Tone.INFO}


@dataclass(frozen=True)
class Watcher:
    community_id: int
    name: str


def links(chain: ChainConfig, safe: str, tx_hash: str | None) -> dict[str, str]:
    found = {}
    if chain.explorer_url and tx_hash:
        found["explorer"] = f"{chain.explorer_url.rstrip('/')}/tx/{tx_hash}"
    prefix = f"{chain.short_name}:" if chain.short_name else ""
    found["Safe app"] = f"{chain.safe_app_url.rstrip('/')}/transactions/history?safe={prefix}{safe}"
    return found


async def alert_for(
    activity: SafeActivity,
    chain_name: str,
    chain: ChainConfig,
    tokens: TokenBook,
    watcher: Watcher,
) -> TreasuryAlert:
    lines: list[str] = []
    for action in activity.actions:
        lines += await describe(action, tokens, chain.native_symbol)
    kind, title, severity = await _classify(activity, chain, tokens, lines)
    for log in activity.logs:
        if log.name in SECURITY_EVENTS:
            value = next(iter(log.args.values()))
            lines.append(f"Security change: {log.name} {value}")
    if activity.executed and activity.call is None:
        lines.append("The executed call could not be read from the transaction.")
    return TreasuryAlert(
        key=f"{watcher.community_id}:{chain_name}:{activity.tx_hash}:{activity.first_log_index}"
        f":{activity.safe.lower()}",
        community_id=watcher.community_id,
        chain=chain_name,
        safe=activity.safe,
        kind=kind,
        severity=severity,
        title=f"{watcher.name or _short(activity.safe)} on {chain_name}: {title}",
        lines=lines,
        links=links(chain, activity.safe, activity.tx_hash),
        tx_hash=activity.tx_hash,
        block=activity.block_number,
    )


async def _classify(
    activity: SafeActivity, chain: ChainConfig, tokens: TokenBook, lines: list[str]
) -> tuple[str, str, str]:
    names = activity.names
    severity = HIGH if activity.high_risk else MEDIUM
    if activity.executed:
        if activity.failed:
            return "execution_failure", "transaction FAILED", HIGH if activity.high_risk else MEDIUM
        if activity.security:
            title = "security settings changed"
        elif activity.high_risk:
            title = "HIGH-RISK transaction executed"
        else:
            title = "transaction executed"
        return "execution", title, severity
    if names & {"ExecutionFromModuleSuccess", "ExecutionFromModuleFailure"}:
        return "module_execution", "a module executed a transaction", HIGH
    if activity.security:
        return "security", "security settings changed", HIGH
    incoming = []
    for log in activity.logs:
        if log.name == "SafeReceived":
            incoming.append(
                f"Received {native_amount(int(log.args['value']), chain.native_symbol)}"
                f" from {log.args['sender']}"
            )
        elif log.is_transfer:
            what = await _transferred(log, tokens)
            if str(log.args["to"]).lower() == activity.safe.lower():
                incoming.append(f"Received {what} from {log.args['from']}")
            else:
                # Not a Safe transaction: someone the Safe approved moved its tokens.
                incoming.append(f"Sent {what} to {log.args['to']} (by an approved spender)")
                severity = HIGH
    lines.extend(incoming)
    outgoing = any(line.startswith("Sent ") for line in incoming)
    if outgoing:
        return "funds_out", "funds left the Safe", severity
    return "funds_in", "funds received", INFO


async def _transferred(log: DecodedLog, tokens: TokenBook) -> str:
    """What a token transfer moved, in words: an amount, an NFT, or several."""
    token = await tokens.get(log.address)
    if log.standard == "erc721":
        return f"{token.label} #{log.args['tokenId']}"
    if log.name == "TransferSingle":
        return f"{token.label} #{log.args['id']} ×{log.args['value']}"
    if log.name == "TransferBatch":
        pairs = zip(log.args["ids"], log.args["values"], strict=False)
        return f"{token.label} " + ", ".join(f"#{i} ×{n}" for i, n in pairs)
    raw = int(log.args["value"])
    return f"{token.amount(raw)} {token.symbol} ({raw} raw)"


def render_alert(alert: TreasuryAlert) -> Reply:
    severity = alert.severity.upper()
    pings, bare = decode_pings(alert.mention_user_ids)
    return Reply(
        title=alert.title,
        # Batch items come indented under their heading; they keep their own numbering.
        body="\n".join(line if line.startswith(" ") else f"- {line}" for line in alert.lines),
        links=tuple(Link(label, url) for label, url in alert.links.items()),
        footer=f"Severity {severity} · {alert.chain} · block {alert.block} · {alert.tx_hash}"
        if alert.tx_hash
        else f"Severity {severity} · {alert.chain}",
        tone=_TONES.get(alert.severity, Tone.INFO),
        mention_user_ids=tuple(bare),
        ping=tuple(pings),
    )


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"
