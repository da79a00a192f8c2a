"""The images and moderations fake, driven by the real openai client; the A1111 fake, driven by
the bot's HTTP client. Both must answer what the real servers answer, with real PNGs."""

from __future__ import annotations

import base64
import io
import json

import openai
import pytest
from openai import AsyncOpenAI
from PIL import Image

from bot.http import HttpClient, HttpPolicy, HttpStatusError
from tests.fakes.images_server import FakeImages, draw_png
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sd_webui_server import FakeSDWebUI

LOOPBACK = HttpPolicy(allow_private=("127.0.0.1",), attempts=1)


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()  # decodes every pixel: a truncated or fake PNG fails here
    return image


def client(base_url: str) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=base_url, api_key="test", max_retries=0)


async def test_gpt_image_answers_base64_pngs_of_the_size_asked() -> None:
    async with FakeImages(api_key="test") as fake:
        answer = await client(fake.base_url).images.generate(
            model="gpt-image-1", prompt="a teal fox in a coral forest", n=2, size="1024x1536"
        )
    assert answer.data is not None and len(answer.data) == 2
    images = [picture(base64.b64decode(item.b64_json or "")) for item in answer.data]
    assert all(image.format == "PNG" and image.size == (1024, 1536) for image in images)
    assert images[0].tobytes() != images[1].tobytes()  # each image of a request differs
    assert answer.usage is not None and answer.usage.output_tokens > 0
    assert answer.size == "1024x1536" and answer.output_format == "png"


async def test_the_same_prompt_draws_the_same_picture_and_another_prompt_another() -> None:
    async with FakeImages() as fake:
        api = client(fake.base_url)
        first = await api.images.generate(model="gpt-image-1", prompt="a fox", size="1024x1024")
        again = await api.images.generate(model="gpt-image-1", prompt="a fox", size="1024x1024")
        other = await api.images.generate(model="gpt-image-1", prompt="an owl", size="1024x1024")
    assert first.data and again.data and other.data
    assert first.data[0].b64_json == again.data[0].b64_json != other.data[0].b64_json


async def test_models_keep_their_own_rules() -> None:
    async with FakeImages() as fake:
        api = client(fake.base_url)
        with pytest.raises(openai.BadRequestError, match="response_format"):
            await api.images.generate(model="gpt-image-1", prompt="x", response_format="b64_json")
        with pytest.raises(openai.BadRequestError, match="n=1"):
            await api.images.generate(model="dall-e-3", prompt="x", n=2)
        with pytest.raises(openai.BadRequestError, match="Supported values"):
            await api.images.generate(model="dall-e-3", prompt="x", size="512x512")
        three = await api.images.generate(
            model="dall-e-3", prompt="a fox", response_format="b64_json", size="1792x1024"
        )
        by_url = await api.images.generate(model="dall-e-2", prompt="a fox", size="256x256")
        assert by_url.data and by_url.data[0].url
        async with HttpClient(LOOPBACK) as http:
            fetched = await http.request("GET", by_url.data[0].url)
    assert three.data and three.data[0].revised_prompt
    assert picture(base64.b64decode(three.data[0].b64_json or "")).size == (1792, 1024)
    assert picture(fetched.body).size == (256, 256)


async def test_flagged_words_are_refused_and_moderated() -> None:
    async with FakeImages(flagged={"gore": "violence/graphic"}) as fake:
        api = client(fake.base_url)
        with pytest.raises(openai.BadRequestError) as refused:
            await api.images.generate(model="gpt-image-1", prompt="lots of GORE")
        flagged = await api.moderations.create(
            model="omni-moderation-latest", input=["a fox", "lots of gore"]
        )
        image = await api.moderations.create(
            model="omni-moderation-latest",
            input=[{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}],
        )
    assert refused.value.code == "moderation_blocked"
    assert [result.flagged for result in flagged.results] == [False, True]
    assert flagged.results[1].categories.violence_graphic is True
    assert flagged.results[1].category_scores.violence_graphic == pytest.approx(0.9)
    assert image.results[0].flagged is False
    assert "image" in image.results[0].category_applied_input_types.violence


async def test_faults_come_back_as_the_real_errors() -> None:
    async with FakeImages() as fake:
        api = client(fake.base_url)
        fake.fail_next(429)
        with pytest.raises(openai.RateLimitError):
            await api.images.generate(model="gpt-image-1", prompt="x")
        fake.fail_next(500)
        with pytest.raises(openai.InternalServerError):
            await api.images.generate(model="gpt-image-1", prompt="x")
        fake.hang_next(2)
        with pytest.raises(openai.APITimeoutError):
            await api.with_options(timeout=0.2).images.generate(model="gpt-image-1", prompt="x")
        fake.garbage_next("not_png")
        junk = await api.images.generate(model="gpt-image-1", prompt="x")
        assert junk.data is not None
        with pytest.raises(OSError, match="cannot identify image"):
            picture(base64.b64decode(junk.data[0].b64_json or ""))
        ok = await api.images.generate(model="gpt-image-1", prompt="x")  # the queue is empty
    assert ok.data and picture(base64.b64decode(ok.data[0].b64_json or "")).format == "PNG"


async def test_images_chat_and_moderations_share_one_base_url() -> None:
    images = FakeImages()
    async with FakeOpenAI(extensions=[images]) as fake:
        api = client(fake.base_url)
        answer = await api.images.generate(
            model="dall-e-2", prompt="a fox", size="256x256", response_format="url"
        )
        models = await api.models.list()
    assert answer.data and answer.data[0].url
    assert answer.data[0].url.startswith(fake.base_url)  # served on the chat fake's own port
    assert [m.id async for m in models]


async def test_sd_webui_answers_pngs_echoed_parameters_and_seeds_in_its_info_string() -> None:
    async with FakeSDWebUI() as fake, HttpClient(LOOPBACK) as http:
        unsaved = await http.post_json(
            fake.base_url + "/sdapi/v1/txt2img", {"prompt": "a fox", "batch_size": 2}
        )
        answer = await http.post_json(
            fake.base_url + "/sdapi/v1/txt2img",
            {
                "prompt": "a fox",
                "seed": 1234,
                "batch_size": 3,
                "width": 640,
                "height": 384,
                "save_images": True,  # with a grid, as the web UI makes one when it saves
            },
        )
    assert len(unsaved["images"]) == 2 and json.loads(unsaved["info"])["index_of_first_image"] == 0
    info = json.loads(answer["info"])  # a JSON string, as A1111 sends it
    assert info["all_seeds"] == [1234, 1235, 1236] and info["index_of_first_image"] == 1
    assert answer["parameters"]["steps"] == 50 and answer["parameters"]["seed"] == 1234
    images = [picture(base64.b64decode(item)) for item in answer["images"]]
    assert images[0].size == (1280, 768)  # the grid of the batch comes first
    assert [image.size for image in images[1:]] == [(640, 384)] * 3


async def test_sd_webui_refuses_wrong_types_unknown_models_and_missing_credentials() -> None:
    async with FakeSDWebUI(auth=("steward", "s3cret")) as fake, HttpClient(LOOPBACK) as http:
        url = fake.base_url + "/sdapi/v1/txt2img"
        with pytest.raises(HttpStatusError, match="401"):
            await http.post_json(url, {"prompt": "x"})
        login = {"Authorization": "Basic c3Rld2FyZDpzM2NyZXQ="}  # steward:s3cret
        wrong = await http.request(
            "POST", url, json={"steps": "many"}, credentials=login, accept=(422,)
        )
        unknown = await http.request(
            "POST",
            url,
            json={"override_settings": {"sd_model_checkpoint": "nope"}},
            credentials=login,
            accept=(422,),
        )
        models = await http.get_json(fake.base_url + "/sdapi/v1/sd-models", credentials=login)
    assert wrong.status == 422 and wrong.json()["detail"][0]["loc"] == ["body", "steps"]
    assert unknown.status == 422
    assert [m["model_name"] for m in models] == list(fake.models)


def test_a_drawn_picture_is_never_one_flat_colour() -> None:
    for seed in range(200):
        image = picture(draw_png("a fox", seed, 64, 48))
        assert image.size == (64, 48)
        assert len(image.getcolors(maxcolors=64) or ()) > 1, seed
