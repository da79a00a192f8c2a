"""Make docs/treasury-alerts.png: real alerts as Steward posts them to Discord, drawn like
Discord draws embeds.

The messages are the exact JSON the bot sent to the fake Discord while a Safe on anvil moved
funds and changed its owners; only the drawing is ours. Needs anvil (npm) and Chromium.

    PYTHONPATH=. .venv/bin/python docs/screenshot.py
"""

from __future__ import annotations

import asyncio
import html
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.fakes.discord_server import FakeDiscord
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.frontends import discord_frontend
from tests.support.safes import SafeDriver, create_safe, deploy_safe_contracts

OUT = Path(__file__).parent / "treasury-alerts.png"


def inline(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return text.replace("\n", "<br>")


def embed_html(embed: dict[str, Any], buttons: list[str]) -> str:
    colour = f"#{embed.get('color', 0x5865F2):06x}"
    parts = [f'<div class="embed" style="border-left-color:{colour}">']
    if embed.get("title"):
        parts.append(f'<div class="title">{inline(embed["title"])}</div>')
    if embed.get("description"):
        parts.append(f'<div class="desc">{inline(embed["description"])}</div>')
    for field in embed.get("fields", []):
        parts.append(
            f'<div class="field"><div class="fname">{inline(field["name"])}</div>'
            f'<div class="fvalue">{inline(field["value"])}</div></div>'
        )
    if embed.get("footer"):
        parts.append(f'<div class="footer">{inline(embed["footer"]["text"])}</div>')
    parts.append("</div>")
    if buttons:
        parts.append(
            '<div class="buttons">'
            + "".join(f'<span class="button">{html.escape(b)} ↗</span>' for b in buttons)
            + "</div>"
        )
    return "".join(parts)


def page(messages: list[dict[str, Any]]) -> str:
    body = []
    for message in messages:
        buttons = [
            c.get("label", "")
            for row in message.get("components", [])
            for c in row.get("components", [])
        ]
        embeds = "".join(embed_html(e, buttons) for e in message.get("embeds", []))
        body.append(
            '<div class="msg"><div class="avatar">S</div><div><div class="name">Steward '
            f'<span class="bot">APP</span></div>{embeds}</div></div>'
        )
    style = """
    body{background:#313338;color:#dbdee1;font:15px/1.35 'DejaVu Sans',sans-serif;margin:0;
         padding:18px;width:860px}
    .msg{display:flex;gap:14px;margin-bottom:18px}
    .avatar{width:40px;height:40px;border-radius:50%;background:#5865f2;color:#fff;display:flex;
            align-items:center;justify-content:center;font-weight:bold;flex:none}
    .name{color:#f2f3f5;font-weight:600;margin-bottom:4px}
    .bot{background:#5865f2;color:#fff;font-size:10px;padding:1px 4px;border-radius:3px}
    .embed{background:#2b2d31;border-left:4px solid;border-radius:4px;padding:10px 14px;
           max-width:760px}
    .title{color:#f2f3f5;font-weight:700;margin-bottom:6px}
    .desc{white-space:normal}
    code{background:#1e1f22;padding:0 3px;border-radius:3px;font-size:13px}
    .field{margin-top:8px}.fname{font-weight:700;color:#f2f3f5}
    .footer{font-size:12px;color:#b5bac1;margin-top:8px;word-break:break-all}
    .buttons{margin-top:6px}
    .button{display:inline-block;background:#4e5058;color:#fff;padding:5px 12px;
            border-radius:3px;margin-right:8px;font-size:14px}"""
    return f"<html><head><style>{style}</style></head><body>{''.join(body)}</body></html>"


async def collect() -> list[dict[str, Any]]:
    with Anvil() as anvil, tempfile.TemporaryDirectory() as tmp:
        contracts = deploy_safe_contracts(anvil)
        owners = anvil.accounts[1:4]
        safe = SafeDriver(anvil, contracts, create_safe(anvil, contracts, owners, 2), owners)
        settings = make_settings(
            Path(tmp),
            f"sqlite:///{tmp}/s.db",
            treasury={
                "chains": {
                    "mainnet": {
                        "chain_id": 31337,
                        "rpc_url": anvil.url,
                        "confirmations": 1,
                        "poll_seconds": 3600,
                        "explorer_url": "https://etherscan.io",
                        "short_name": "eth",
                        "multisend": [contracts.multi_send_v141],
                    }
                }
            },
        )
        async with (
            FakeDiscord() as fake,
            running_app(settings, extra=()) as app,
            discord_frontend(app, fake),
        ):
            alerts = fake.channel("#alerts")
            await (
                await fake.invoke(
                    "config set", {"key": "alert_channel", "value": f"<#{alerts.id}>"}, user="carol"
                )
            ).wait_done(timeout=10)
            await (
                await fake.invoke(
                    "safe watch",
                    {"address": safe.address, "chain": "mainnet", "name": "Treasury"},
                    user="carol",
                )
            ).wait_done(timeout=10)
            service = app.runtimes["treasury"]
            await service.run_chain("mainnet")
            safe.fund_eth(120 * 10**18)
            payee = anvil.accounts[6].address
            safe.multisend([(payee, 3 * 10**18, b""), (anvil.accounts[7].address, 10**18, b"")])
            safe.add_owner(anvil.accounts[5].address, 2)
            safe.delegatecall(contracts.permissive)
            anvil.mine(1)
            await service.run_chain("mainnet")
            return fake.channel_messages(alerts)


def main() -> None:
    messages = asyncio.run(collect())
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "alerts.html"
        page_path.write_text(page(messages), encoding="utf-8")
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp}/profile",
                "--hide-scrollbars",
                f"--screenshot={OUT}",
                "--window-size=900,830",
                page_path.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
