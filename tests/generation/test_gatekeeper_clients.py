"""The gatekeeper's clients built from [generation], against the back ends' fake (images and
moderations on one port) through the real openai client."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cogs.generation.config import GenerationConfig
from cogs.generation.gatekeeper import Gatekeeper, check_output, check_prompt
from cogs.generation.gatekeeper_clients import GatekeeperClients
from summarizer.generation import GenerationError
from summarizer.images import ImageGenerator
from tests.fakes.images_server import FakeImages
from tests.generation.gatekeeper_support import ACME_IMAGE, request


def generation_config(base_url: str, **gatekeeper: object) -> GenerationConfig:
    return GenerationConfig.model_validate(
        {
            "backends": {
                "openai": {"type": "openai", "base_url": base_url},
                "sd": {"type": "sd_webui", "base_url": "http://127.0.0.1:9"},
            },
            "gatekeeper": gatekeeper,
        }
    )


class Addresses:
    def __init__(self, refuse: bool = False) -> None:
        self.checked: list[str] = []
        self.refuse = refuse

    async def __call__(self, url: str) -> None:
        self.checked.append(url)
        if self.refuse:
            raise GenerationError("10.0.0.5 is a private address", transient=False)


async def test_a_style_is_moderated_by_its_own_openai_back_end() -> None:
    async with FakeImages() as fake:
        fake.flagged = {"bloodbath": "violence"}
        addresses = Addresses()
        clients = GatekeeperClients(generation_config(fake.base_url), addresses)
        style = replace(ACME_IMAGE, backend="openai", moderation=True)
        try:
            moderator = await clients.moderator(style)
            assert moderator is not None
            assert await clients.moderator(style) is moderator  # one per back end
            flagged = await check_prompt(
                request(style, prompt="A BLOODBATH at the vote"), moderator=moderator
            )
            assert flagged.reasons == (
                "Your prompt was not accepted: moderation flagged it (violence)",
            )
            assert (await check_prompt(request(style), moderator=moderator)).passed
        finally:
            await clients.close()
        assert addresses.checked == [fake.base_url]


async def test_a_sd_webui_style_needs_a_named_moderation_back_end() -> None:
    async with FakeImages() as fake:
        style = replace(ACME_IMAGE, backend="sd", moderation=True)
        alone = GatekeeperClients(generation_config(fake.base_url), Addresses())
        assert await alone.moderator(style) is None
        verdict = await check_prompt(request(style), moderator=None)
        assert "asks for moderation" in verdict.reasons[0]
        named = GatekeeperClients(
            generation_config(fake.base_url, moderation_backend="openai"), Addresses()
        )
        try:
            moderator = await named.moderator(style)
            assert moderator is not None
            assert (await check_prompt(request(style), moderator=moderator)).passed
        finally:
            await named.close()


async def test_no_client_when_the_style_asks_for_nothing() -> None:
    clients = GatekeeperClients(generation_config("http://127.0.0.1:9/v1"), Addresses())
    style = replace(ACME_IMAGE, backend="openai")
    assert await clients.moderator(style) is None
    assert await clients.critic(style) is None


def test_naming_a_back_end_that_cannot_moderate_is_refused_at_start() -> None:
    with pytest.raises(GenerationError, match="'sd'"):
        GatekeeperClients(
            generation_config("http://127.0.0.1:9/v1", moderation_backend="sd"), Addresses()
        )


async def test_the_operators_address_rules_apply_before_the_first_call() -> None:
    clients = GatekeeperClients(generation_config("http://127.0.0.1:9/v1"), Addresses(True))
    with pytest.raises(GenerationError, match="private"):
        await clients.moderator(replace(ACME_IMAGE, backend="openai", moderation=True))


async def test_images_the_back_end_draws_pass_and_a_flagged_one_is_held_back() -> None:
    async with FakeImages() as fake:
        generator = ImageGenerator(api_key="unused", base_url=fake.base_url, timeout=10)
        clients = GatekeeperClients(generation_config(fake.base_url), Addresses())
        style = replace(
            ACME_IMAGE,
            backend="openai",
            model="gpt-image-1",
            sizes=("1024x1536",),
            moderation=True,
        )
        keeper = Gatekeeper()
        try:
            outputs = await generator.generate(
                model="gpt-image-1", prompt="a teal fox", count=2, size="1024x1536"
            )
            moderator = await clients.moderator(style)
            for number, output in enumerate(outputs, start=1):
                verdict = await keeper.check_output(
                    request(style), output, number=number, moderator=moderator
                )
                assert verdict.passed, verdict.reasons
            fake.flag_images = True
            flagged = await check_output(request(style), outputs[0], moderator=moderator)
            assert flagged.reasons == ("Output 1 was not posted: moderation flagged it (violence)",)
            wrong = await check_output(request(style, size="1024x1024"), outputs[0])
            assert "not the 1024x1024 asked for" in wrong.reasons[0]
        finally:
            await generator.close()
            await clients.close()
