from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError, ConfigErrors
from bot.features import config_models
from bot.settings import load_settings
from tests.support.apps import available_features

EXAMPLE = Path(__file__).parents[2] / "config" / "steward.example.toml"


def models() -> dict[str, type]:
    return config_models(available_features())


def test_the_example_config_is_valid() -> None:
    settings = load_settings(EXAMPLE, models(), environ={})
    assert settings.communities, "the example should show a community"


def test_the_example_feature_tables_are_valid_when_uncommented(tmp_path: Path) -> None:
    lines = EXAMPLE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# [[debates.forums]]"))
    uncommented = [
        line[2:] if (line.startswith("# ") and "=" in line) or line.startswith("# [") else line
        for line in lines[start:]
    ]
    path = tmp_path / "steward.toml"
    path.write_text("\n".join(lines[:start] + uncommented) + "\n")
    environ = {"FORUM_API_KEY": "k", "SAFE_API_KEY": "jwt", "SNAPSHOT_API_KEY": "s"}
    environ |= {"DISCOURSE_WRITE_KEY": "w", "RPC_URL_MAINNET": "https://rpc.example"}
    settings = load_settings(path, models(), environ=environ)
    assert settings.feature_tables["debates"] and settings.feature_tables["treasury"]


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        None, models(), environ={"DISCORD_TOKEN": "abc.def.ghi", "DATABASE_URL": "x"}
    )
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
        load_settings(path, models(), environ={})
    assert key in error.value.key
    assert reason in error.value.reason


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "steward.toml"
    path.write_text(
        "[scheduler]\ntimezone = 'Mars/Olympus'\n"
        "[treasury.chains.mainnet]\nchain_id = 1\n"
        "[treasury.chains.gnosis]\nchain_id = 100\nrpc_url = 'not a url'\n"
    )
    with pytest.raises(ConfigErrors) as error:
        load_settings(path, models(), environ={})
    keys = " ".join(key for key, _ in error.value.problems)
    reasons = " ".join(reason for _, reason in error.value.problems)
    assert "scheduler.timezone" in keys and "treasury" in keys
    assert "not an IANA time zone" in reasons
    assert "chains.mainnet has no RPC URL: set rpc_url or RPC_URL_MAINNET" in reasons


def test_feature_secrets_come_from_the_environment_and_are_redacted(tmp_path: Path) -> None:
    path = tmp_path / "steward.toml"
    path.write_text(
        "[treasury.chains.mainnet]\nchain_id = 1\n"
        "[[debates.forums]]\nurl = 'https://forum.example'\napi_key_env = 'FORUM_KEY'\n"
    )
    environ = {"RPC_URL_MAINNET": "https://rpc.example/v2/secret-key", "FORUM_KEY": "forum-key"}
    settings = load_settings(path, models(), environ=environ)
    secrets = settings.secret_values()
    assert "https://rpc.example/v2/secret-key" in secrets and "forum-key" in secrets
    assert "secret-key" not in repr(settings)
