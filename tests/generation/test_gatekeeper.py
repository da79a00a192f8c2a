"""The gatekeeper's local rules: prompts, images and copy, each with a failing case."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cogs.generation.contracts import Verdict
from cogs.generation.gatekeeper import Gatekeeper, GatekeeperConfig, check_output, check_prompt
from cogs.generation.gatekeeper_rules import Limits, count_words, split_thread
from summarizer.generation import GeneratedOutput
from tests.generation.gatekeeper_support import (
    ACME_COPY,
    ACME_IMAGE,
    copy_output,
    image_output,
    png,
    request,
)

GOOD_COPY = "Acme DAO opens its grants round on Monday. Bring your ideas and your friends."


def only_reason(verdict: Verdict) -> str:
    assert not verdict.passed
    assert len(verdict.reasons) == 1, verdict.reasons
    assert "\n" not in verdict.reasons[0]
    return verdict.reasons[0]


# --- prompts ---------------------------------------------------------------------------------


async def test_an_ordinary_prompt_passes() -> None:
    assert await check_prompt(request(prompt="a lighthouse at dawn, Acme colours")) == Verdict(
        passed=True
    )


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
async def test_an_empty_prompt_is_refused(prompt: str) -> None:
    assert "empty" in only_reason(await check_prompt(request(prompt=prompt)))


async def test_an_over_long_prompt_is_refused_with_the_limit() -> None:
    keeper = Gatekeeper(limits=Limits(max_prompt_chars=50))
    assert (await keeper.check_prompt(request(prompt="x" * 50))).passed
    reason = only_reason(await keeper.check_prompt(request(prompt="x" * 51)))
    assert "51 characters" in reason
    assert "limit is 50" in reason


async def test_a_blocked_term_is_refused_without_repeating_it() -> None:
    reason = only_reason(
        await check_prompt(request(prompt="poster: this r\u200dug-pull is a joke"))
    )
    assert reason.startswith("Your prompt was not accepted: ")
    assert "Acme style blocks" in reason
    assert "rug" not in reason.casefold()


async def test_community_terms_from_config_apply_to_every_style() -> None:
    keeper = Gatekeeper.from_config(GatekeeperConfig(blocked_terms=("ponzi",)))
    reason = only_reason(await keeper.check_prompt(request(prompt="A ＰＯＮＺＩ chart")))
    assert "a term this community blocks (p****)" in reason
    assert (await keeper.check_prompt(request(prompt="a pony chart"))).passed
    # The style's own terms still hold.
    assert not (await keeper.check_prompt(request(prompt="nsfw"))).passed


async def test_word_boundaries_let_innocent_words_through() -> None:
    assert (await check_prompt(request(prompt="a class photo, massive and classy"))).passed


async def test_moderation_asked_without_a_moderator_holds_the_prompt() -> None:
    style = replace(ACME_IMAGE, moderation=True)
    assert "moderation" in only_reason(await check_prompt(request(style)))


# --- images ----------------------------------------------------------------------------------


async def test_a_valid_image_of_the_size_asked_for_passes() -> None:
    verdict = await check_output(request(), image_output(png(64, 48)))
    assert verdict == Verdict(passed=True)


async def test_the_default_size_is_the_styles_first() -> None:
    assert (await check_output(request(size=""), image_output(png(64, 48)))).passed
    assert not (await check_output(request(size=""), image_output(png(32, 32)))).passed


async def test_a_wrong_size_is_refused() -> None:
    reason = only_reason(
        await check_output(request(size="32x32"), image_output(png(64, 48)), number=2)
    )
    assert reason == "Output 2 was not posted: it is 64x48, not the 32x32 asked for"


async def test_a_blank_image_is_refused() -> None:
    reason = only_reason(await check_output(request(), image_output(png(mark=False))))
    assert "blank" in reason


async def test_a_fully_transparent_image_is_refused() -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (64, 48), (255, 0, 0, 0)).save(buffer, format="PNG")
    assert "blank" in only_reason(await check_output(request(), image_output(buffer.getvalue())))


async def test_a_jpeg_is_not_a_png() -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, format="JPEG")
    assert "not a PNG" in only_reason(
        await check_output(request(), image_output(buffer.getvalue()))
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html>502 Bad Gateway</html>",
        png()[:60],  # truncated after the signature
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a signature and garbage
    ],
)
async def test_garbage_is_refused(data: bytes) -> None:
    reason = only_reason(await check_output(request(), image_output(data)))
    assert reason.startswith("Output 1 was not posted: it is ")


async def test_an_image_over_the_byte_cap_is_refused() -> None:
    data = png()
    keeper = Gatekeeper(limits=Limits(max_image_bytes=len(data) - 1))
    reason = only_reason(await keeper.check_output(request(), image_output(data)))
    assert "byte limit" in reason


@pytest.mark.parametrize("side", [5_000, 100_000])  # over our limit; over Pillow's too
async def test_a_png_claiming_huge_dimensions_is_refused_before_decoding(side: int) -> None:
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    data = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    reason = only_reason(await check_output(request(), image_output(data)))
    assert "too many pixels to check" in reason


async def test_an_unknown_media_type_is_refused() -> None:
    output = GeneratedOutput(media_type="image/gif", data=b"GIF89a", model="m")
    assert "image/gif" in only_reason(await check_output(request(), output))


# --- copy ------------------------------------------------------------------------------------


async def test_copy_in_the_voice_passes() -> None:
    assert (await check_output(request(ACME_COPY), copy_output(GOOD_COPY))).passed


async def test_copy_using_an_avoided_phrase_is_refused_naming_it() -> None:
    text = GOOD_COPY + " Guaranteed   returns for all!"
    reason = only_reason(await check_output(request(ACME_COPY), copy_output(text), number=2))
    assert reason == (
        "Output 2 was not posted: it uses 'guaranteed returns', which the Acme voice avoids"
    )


async def test_copy_missing_a_required_term_is_refused() -> None:
    text = "Our grants round opens on Monday. Bring your ideas and your friends."
    assert "'Acme DAO'" in only_reason(await check_output(request(ACME_COPY), copy_output(text)))


async def test_copy_too_short_or_too_long_is_refused() -> None:
    short = only_reason(await check_output(request(ACME_COPY), copy_output("Acme DAO rocks")))
    assert "3 words, under the 5" in short
    long_text = "Acme DAO " + "builds " * 90
    assert "over the 80 allowed" in only_reason(
        await check_output(request(ACME_COPY), copy_output(long_text))
    )


async def test_blocked_terms_in_copy_are_refused() -> None:
    text = GOOD_COPY + " Not a $c4m."
    assert "blocks" in only_reason(await check_output(request(ACME_COPY), copy_output(text)))


async def test_every_problem_is_its_own_line() -> None:
    text = "wagmi, to the moon"
    verdict = await check_output(request(ACME_COPY), copy_output(text))
    assert not verdict.passed
    assert len(verdict.reasons) == 4  # wagmi, moon, no "Acme DAO", too short
    assert all(reason.startswith("Output 1 was not posted: ") for reason in verdict.reasons)


async def test_a_tweet_over_280_characters_is_refused() -> None:
    ok = "Acme DAO grants open Monday 1/2\n\n---\n\nBring your ideas 2/2"
    thread = request(ACME_COPY, format="tweet thread")
    assert (await check_output(thread, copy_output(ok))).passed
    long_tweet = "Acme DAO " + "grants " * 40  # 289 characters
    text = f"First tweet about Acme DAO 1/2\n\n{long_tweet.strip()} 2/2"
    reason = only_reason(
        await check_output(replace(thread, style=replace(ACME_COPY, voice=None)), copy_output(text))
    )
    assert "tweet 2 has" in reason
    assert "280" in reason


async def test_copy_that_is_not_utf8_or_empty_is_refused() -> None:
    bad = GeneratedOutput(media_type="text/markdown", data=b"\xff\xfe\x00A", model="m")
    assert "UTF-8" in only_reason(await check_output(request(ACME_COPY), bad))
    assert "empty" in only_reason(
        await check_output(request(replace(ACME_COPY, voice=None)), copy_output("  \n"))
    )


def test_threads_split_on_rules_or_blank_lines() -> None:
    assert split_thread("a\n---\nb\n\nc") == ["a", "b\n\nc"]
    assert split_thread("a\n\n b \n\n\nc") == ["a", "b", "c"]


def test_words_are_counted_in_spaced_and_unspaced_scripts() -> None:
    assert count_words("Acme DAO's grants-round, 2026!") == 4
    assert count_words("詐欺です") == 4
