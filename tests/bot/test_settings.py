from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings

EXAMPLE = Path(__file__).parents[2] / "config" / "steward.example.toml"


def test_the_example_config_is_valid() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.communities, "the example should show a community"


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(None, environ={"DISCORD_TOKEN": "abc.def.ghi", "DATABASE_URL": "x"})
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == "abc.def.ghi"
    assert "abc.def.ghi" not in repr(settings)


@pytest.mark.parametrize(
    ("toml", "key", "reason"),
    [
        ("[discrod]\ntoken_x = 1\n", "discrod", "Extra inputs"),
        ("[telegram]\npoll_timeout = 500\n", "telegram.poll_timeout", "less than or equal"),
        ("[[communities]]\nslug = 'Bad Slug'\nname = 'x'\n", "communities.0.slug", "pattern"),
        (
            "[[communities]]\nslug='a'\nname='x'\nadmins=['alice']\n",
            "communities.0.admins",
            "user_id",
        ),
        ("[discord]\ntoken = 'nope'\n", "discord.token", "environment"),
        ("not toml at all [", "", "not valid TOML"),
    ],
)
def test_a_bad_value_names_the_key_and_the_reason(
    tmp_path: Path, toml: str, key: str, reason: str
) -> None:
    path = tmp_path / "steward.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert key in error.value.key
    assert reason in error.value.reason
