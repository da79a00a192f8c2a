from __future__ import annotations

from cogs.debates.render import clean


def test_quoted_text_cannot_ping_or_invite() -> None:
    text = "@everyone @here <@&42> <@123> <@!456> join https://discord.gg/abc and t.me/+xyz"
    cleaned = clean(text)
    for ping in ("@everyone", "@here", "<@&42>", "<@123>", "<@!456>", "discord.gg/abc", "t.me/+"):
        assert ping not in cleaned
    assert "[invite link removed]" in cleaned
