"""The back ends through the real openai client and the bot's HTTP client, against the fakes."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError

from bot.http import HttpClient, HttpPolicy
from cogs.generation.backends import Backends
from cogs.generation.config import BackendConfig, GenerationConfig
from cogs.generation.contracts import GenerationRequest, Requester, Style
from summarizer.generation import IMAGE_PNG, GeneratedOutput, GenerationError
from tests.fakes.images_server import FakeImages
from tests.fakes.sd_webui_server import FakeSDWebUI

LOOPBACK = HttpPolicy(allow_private=("127.0.0.1",), attempts=1)
MEMBER = Requester(platform="console", user_id="alice", name="Alice")
SD_STYLE = Style(
    name="brand",
    kind="image",
    description="Flat brand illustrations",
    backend="sd",
    model="sd_xl_base_1.0",
    licence="CC0-1.0",
    prompt_prefix="flat vector illustration",
    negative_prompt="text, watermark",
    parameters={"steps": 20, "cfg_scale": 6.5, "sampler_name": "Euler a"},
    sizes=("768x512", "512x512"),
)
PHOTO_STYLE = Style(
    name="photo",
    kind="image",
    description="Documentary photos",
    backend="openai",
    model="gpt-image-1",
    licence="CC-BY-4.0",
    prompt_prefix="documentary photograph",
    parameters={"quality": "low"},
    sizes=("1536x1024",),
)


def config(**backends: Mapping[str, Any]) -> GenerationConfig:
    return GenerationConfig.model_validate(
        {"backends": dict(backends)}, context={"environ": {"GEN_KEY": "test", "SD_PASS": "s3cret"}}
    )


def request(style: Style, count: int = 1, **changes: Any) -> GenerationRequest:
    return GenerationRequest(
        kind=style.kind, prompt="a fox reading a proposal", style=style, count=count,
        requester=MEMBER, **changes,
    )  # fmt: skip


def pictures(outputs: list[GeneratedOutput]) -> list[Image.Image]:
    images = []
    for output in outputs:
        assert output.media_type == IMAGE_PNG
        image = Image.open(io.BytesIO(output.data))
        image.load()
        assert image.format == "PNG"
        images.append(image)
    return images


@asynccontextmanager
async def backends(
    settings: GenerationConfig, policy: HttpPolicy = LOOPBACK
) -> AsyncIterator[Backends]:
    async with HttpClient(policy) as http:
        built = Backends(settings, http)
        try:
            yield built
        finally:
            await built.close()


def timeout(fault: tuple[str, Any]) -> float:
    """Short only where the server hangs: drawing a PNG on a busy machine can take a while."""
    return 1.5 if fault[0] == "hang" else 60.0


# ----- AUTOMATIC1111 / Forge ----------------------------------------------------------------------
async def test_sd_webui_gives_each_image_its_own_seed_from_the_info_string() -> None:
    async with (
        FakeSDWebUI() as fake,
        backends(config(sd={"type": "sd_webui", "base_url": fake.base_url})) as b,
    ):
        outputs = await b.generate(request(SD_STYLE, count=3))
    sent = fake.requests[0].body
    assert sent["prompt"] == "flat vector illustration, a fox reading a proposal"
    assert sent["negative_prompt"] == "text, watermark"
    assert (sent["width"], sent["height"], sent["batch_size"], sent["seed"]) == (768, 512, 3, -1)
    assert (
        sent["steps"] == 20 and sent["override_settings"]["sd_model_checkpoint"] == "sd_xl_base_1.0"
    )
    seeds = [output.seed for output in outputs]
    assert len(set(seeds)) == 3 and seeds == [seeds[0], seeds[0] + 1, seeds[0] + 2]  # type: ignore[operator]
    assert [image.size for image in pictures(outputs)] == [(768, 512)] * 3
    assert all(o.parameters["seed"] == o.seed and o.parameters["steps"] == 20 for o in outputs)
    assert {o.model for o in outputs} == {"sd_xl_base_1.0"}


async def test_the_grid_a_saving_server_puts_first_is_skipped() -> None:
    saving = dataclasses.replace(SD_STYLE, parameters={"save_images": True})
    async with (
        FakeSDWebUI() as fake,
        backends(config(sd={"type": "sd_webui", "base_url": fake.base_url})) as b,
    ):
        outputs = await b.generate(request(saving, count=2, seed=5))
    assert [o.seed for o in outputs] == [5, 6]
    assert [image.size for image in pictures(outputs)] == [(768, 512)] * 2


async def test_seed_policy_the_members_seed_then_the_styles_fixed_one() -> None:
    fixed = dataclasses.replace(SD_STYLE, seed_policy="fixed", seed=42)
    async with (
        FakeSDWebUI() as fake,
        backends(config(sd={"type": "sd_webui", "base_url": fake.base_url})) as b,
    ):
        by_style = await b.generate(request(fixed, count=2, size="512x512"))
        again = await b.generate(request(fixed, count=2, size="512x512"))
        by_member = await b.generate(request(fixed, seed=7))
    assert [o.seed for o in by_style] == [42, 43]
    assert [o.data for o in by_style] == [o.data for o in again]  # same seed, same picture
    assert [o.seed for o in by_member] == [7]
    assert [image.size for image in pictures(by_style)] == [(512, 512)] * 2


async def test_sd_webui_with_api_auth_sends_the_password_from_the_environment() -> None:
    settings = {"type": "sd_webui", "username": "steward", "api_key_env": "SD_PASS"}
    async with (
        FakeSDWebUI(auth=("steward", "s3cret")) as fake,
        backends(config(sd={**settings, "base_url": fake.base_url})) as b,
    ):
        outputs = await b.generate(request(SD_STYLE))
    assert len(pictures(outputs)) == 1


@pytest.mark.parametrize(
    ("fault", "transient", "words"),
    [
        (("fail", 500), True, "500"),
        (("fail", 503), True, "503"),
        (("fail", 400), False, "400"),
        (("garbage", "not_png"), False, "not a PNG"),
        (("garbage", "not_json"), False, "invalid JSON"),
        (("garbage", "info_not_json"), False, "info is not JSON"),
        (("hang", 10), True, "did not answer"),
    ],
)
async def test_sd_webui_failures_are_transient_or_final(
    fault: tuple[str, Any], transient: bool, words: str
) -> None:
    async with (
        FakeSDWebUI() as fake,
        backends(
            config(sd={"type": "sd_webui", "base_url": fake.base_url, "timeout": timeout(fault)})
        ) as b,
    ):
        getattr(fake, f"{fault[0]}_next")(fault[1])
        with pytest.raises(GenerationError) as failed:
            await b.generate(request(SD_STYLE))
        recovered = await b.generate(request(SD_STYLE))  # one fault, then service as usual
    assert failed.value.transient is transient
    assert words in str(failed.value)
    assert len(pictures(recovered)) == 1


async def test_sd_webui_refusals_say_why() -> None:
    unknown = dataclasses.replace(SD_STYLE, model="no-such-checkpoint")
    async with (
        FakeSDWebUI() as fake,
        backends(
            config(sd={"type": "sd_webui", "base_url": fake.base_url + "/nothing"})
        ) as wrong_path,
        backends(config(sd={"type": "sd_webui", "base_url": fake.base_url})) as b,
    ):
        with pytest.raises(GenerationError, match="--api") as no_api:
            await wrong_path.generate(request(SD_STYLE))
        with pytest.raises(GenerationError, match="no-such-checkpoint") as refused:
            await b.generate(request(unknown))
    assert not no_api.value.transient and not refused.value.transient


async def test_a_server_that_is_down_is_a_transient_failure() -> None:
    async with FakeSDWebUI() as fake:
        url = fake.base_url
    async with backends(config(sd={"type": "sd_webui", "base_url": url})) as b:
        with pytest.raises(GenerationError, match="could not reach") as failed:
            await b.generate(request(SD_STYLE))
    assert failed.value.transient


# ----- the operator's allow list ------------------------------------------------------------------
async def test_a_private_address_is_refused_unless_the_operator_allows_it() -> None:
    closed = HttpPolicy(attempts=1)  # no allow list: 127.0.0.1 is this machine
    async with FakeSDWebUI() as sd, FakeImages() as images:
        settings = config(
            sd={"type": "sd_webui", "base_url": sd.base_url},
            openai={"type": "openai", "base_url": images.base_url},
        )
        async with backends(settings, closed) as b:
            with pytest.raises(GenerationError, match="allow_private") as sd_refused:
                await b.generate(request(SD_STYLE))
            with pytest.raises(GenerationError, match="allow_private") as openai_refused:
                await b.generate(request(PHOTO_STYLE))
        async with backends(settings, HttpPolicy(allow_private=("127.0.0.0/8",))) as b:
            allowed = await b.generate(request(SD_STYLE)) + await b.generate(request(PHOTO_STYLE))
    assert not sd_refused.value.transient and not openai_refused.value.transient
    assert sd.requests == [] or all(r.status for r in sd.requests)
    assert len(sd.requests) == 1 and len(images.requests) == 1  # only the allowed calls arrived
    assert len(pictures(allowed)) == 2


async def test_a_host_name_on_the_allow_list_is_allowed() -> None:
    async with (
        FakeSDWebUI() as sd,
        backends(
            config(sd={"type": "sd_webui", "base_url": f"http://localhost:{sd.port}"}),
            HttpPolicy(allow_private=("localhost",), attempts=1),
        ) as b,
    ):
        outputs = await b.generate(request(SD_STYLE))
    assert len(pictures(outputs)) == 1


# ----- OpenAI-compatible images -------------------------------------------------------------------
async def test_openai_images_are_pngs_of_the_size_asked_with_the_key_from_the_environment() -> None:
    async with (
        FakeImages(api_key="test") as fake,
        backends(
            config(openai={"type": "openai", "base_url": fake.base_url, "api_key_env": "GEN_KEY"})
        ) as b,
    ):
        outputs = await b.generate(request(PHOTO_STYLE, count=2))
    sent = fake.requests[0].body
    assert sent["prompt"] == "documentary photograph, a fox reading a proposal"
    assert sent["n"] == 2 and sent["quality"] == "low" and "response_format" not in sent
    assert [image.size for image in pictures(outputs)] == [(1536, 1024)] * 2
    assert outputs[0].data != outputs[1].data
    assert outputs[0].prompt_tokens > 0 and outputs[0].completion_tokens > 0
    assert {o.model for o in outputs} == {"gpt-image-1"}


async def test_dall_e_3_makes_one_image_per_call_and_keeps_its_revised_prompt() -> None:
    style = dataclasses.replace(PHOTO_STYLE, model="dall-e-3", parameters={}, sizes=("1024x1024",))
    async with (
        FakeImages() as fake,
        backends(config(openai={"type": "openai", "base_url": fake.base_url})) as b,
    ):
        outputs = await b.generate(request(style, count=2))
    assert [r.body["n"] for r in fake.requests] == [1, 1]
    assert all(r.body["response_format"] == "b64_json" for r in fake.requests)
    assert all("a fox reading a proposal" in o.parameters["revised_prompt"] for o in outputs)
    assert len(pictures(outputs)) == 2


@pytest.mark.parametrize(
    ("fault", "transient", "words"),
    [
        (("fail", 429), True, "429"),
        (("fail", 500), True, "500"),
        (("fail", 400), False, "400"),
        (("garbage", "not_png"), False, "not a PNG"),
        (("garbage", "wrong_size"), False, "768x512"),
        (("garbage", "not_json"), False, "unexpected"),
        (("hang", 10), True, "in time"),
    ],
)
async def test_openai_image_failures_are_transient_or_final(
    fault: tuple[str, Any], transient: bool, words: str
) -> None:
    async with (
        FakeImages() as fake,
        backends(
            config(openai={"type": "openai", "base_url": fake.base_url, "timeout": timeout(fault)})
        ) as b,
    ):
        getattr(fake, f"{fault[0]}_next")(fault[1])
        with pytest.raises(GenerationError) as failed:
            await b.generate(request(PHOTO_STYLE))
        recovered = await b.generate(request(PHOTO_STYLE))
    assert failed.value.transient is transient
    assert words in str(failed.value)
    assert len(pictures(recovered)) == 1


async def test_a_prompt_the_endpoint_refuses_is_final_and_says_so() -> None:
    async with (
        FakeImages(flagged={"gore": "violence"}) as fake,
        backends(config(openai={"type": "openai", "base_url": fake.base_url})) as b,
    ):
        with pytest.raises(GenerationError, match="safety system") as refused:
            await b.generate(dataclasses.replace(request(PHOTO_STYLE), prompt="gore everywhere"))
    assert not refused.value.transient


# ----- what to configure --------------------------------------------------------------------------
async def test_a_missing_back_end_says_what_to_configure_and_never_pretends() -> None:
    copy = Style(
        name="announce", kind="copy", description="Copy", backend="sd", model="gpt-4.1-mini",
        licence="CC0-1.0",
    )  # fmt: skip
    async with (
        backends(config()) as none,
        FakeSDWebUI() as fake,
        backends(config(sd={"type": "sd_webui", "base_url": fake.base_url})) as sd_only,
    ):
        message = none.missing(SD_STYLE)
        with pytest.raises(GenerationError) as failed:
            await none.generate(request(SD_STYLE))
        assert sd_only.missing(SD_STYLE) is None
        wrong_kind = sd_only.missing(copy)
    assert message is not None and "[generation.backends.sd]" in message
    assert message.startswith("/generate needs a back end")
    assert str(failed.value) == message and not failed.value.transient
    assert wrong_kind is not None and "openai" in wrong_kind
    assert fake.requests == []


def test_backend_configuration_reads_secrets_from_the_environment_only() -> None:
    good = config(o={"type": "openai", "api_key_env": "GEN_KEY"}).backends["o"]
    assert good.api_key is not None and good.api_key.get_secret_value() == "test"
    assert "test" not in repr(good) and good.url == "https://api.openai.com/v1"
    problems = {
        "in the file": {"type": "openai", "api_key": "sk-secret"},
        "not set": {"type": "openai", "api_key_env": "NOT_SET_ANYWHERE"},
        "no key": {"type": "openai"},
        "no url": {"type": "sd_webui"},
        "bad url": {"type": "sd_webui", "base_url": "ftp://x"},
        "bad type": {"type": "comfyui", "base_url": "http://x"},
    }
    for name, table in problems.items():
        with pytest.raises(ValidationError) as refused:
            BackendConfig.model_validate(table, context={"environ": {}})
        reason = refused.value.errors()[0]["msg"]  # what the configuration check prints
        assert "sk-secret" not in reason, name
    assert "belongs in the environment" in str(refused_secret())


def refused_secret() -> ValidationError:
    try:
        BackendConfig.model_validate({"type": "openai", "api_key": "sk-secret"})
    except ValidationError as exc:
        return exc
    raise AssertionError("a secret in the file was accepted")


def test_the_generation_table_holds_back_ends_gatekeeper_and_provenance() -> None:
    table = {
        "styles_dir": "config/styles",
        "backends": {"sd": {"type": "sd_webui", "base_url": "http://10.0.0.5:7860"}},
        "gatekeeper": {"blocked_terms": ["ponzi"]},
        "provenance": {"signing_key_env": "GEN_KEY"},
    }
    settings = GenerationConfig.model_validate(table, context={"environ": {"GEN_KEY": "0x01"}})
    assert settings.backends["sd"].url == "http://10.0.0.5:7860"
    assert settings.gatekeeper.blocked_terms == ("ponzi",)
    assert settings.provenance.signing_key is not None
    with pytest.raises(ValidationError, match="queue"):
        GenerationConfig.model_validate({"queue": {}})  # unknown tables are refused
