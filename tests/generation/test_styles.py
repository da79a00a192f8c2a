"""Style presets: the shipped ones load; a broken one is one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.commands.spec import CommandSpec
from bot.errors import ConfigError
from bot.http import HttpClient
from cogs.generation.backends import Backends
from cogs.generation.config import GenerationConfig
from cogs.generation.styles import PROJECT_DIR, load_styles, parse_style
from cogs.generation.styles_commands import STYLES_COMMANDS, render_styles

GOOD = """
kind = "image"
description = "Flat brand illustrations"
backend = "sd"
model = "sd_xl_base_1.0"
licence = "CC0-1.0"
sizes = ["1024x1024", "1216x832"]
seed_policy = "fixed"
seed = 1234

[parameters]
steps = 28
"""


def test_the_shipped_presets_load_and_cover_each_kind_and_back_end() -> None:
    styles = load_styles(Path("config/styles"))
    assert len(styles) >= 3
    assert {s.kind for s in styles.values()} == {"image", "copy"}
    assert {s.backend for s in styles.values()} >= {"sd", "openai"}
    assert {s.licence for s in styles.values()} >= {"CC0-1.0", "CC-BY-4.0"}
    copy = next(s for s in styles.values() if s.kind == "copy")
    assert copy.voice is not None and copy.voice.avoid and copy.voice.max_words
    for style in styles.values():
        assert style.description and style.sizes and 1 <= style.max_count <= 10


def test_a_good_file_becomes_a_style() -> None:
    style = parse_style("brand", GOOD, "config/styles/brand.toml")
    assert (style.name, style.kind, style.backend, style.seed_policy, style.seed) == (
        "brand", "image", "sd", "fixed", 1234,
    )  # fmt: skip
    assert style.sizes == ("1024x1024", "1216x832") and style.parameters == {"steps": 28}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (('licence = "CC0-1.0"', 'licence = "free"'), "licence", "SPDX"),
        (('sizes = ["1024x1024", "1216x832"]', 'sizes = ["1024"]'), "sizes", "WIDTHxHEIGHT"),
        (('sizes = ["1024x1024", "1216x832"]', 'sizes = ["9000x9000"]'), "sizes", "4096"),
        (("seed = 1234", ""), "(file)", "needs a seed"),
        (('kind = "image"', 'kind = "video"'), "kind", "'image' or 'copy'"),
        (('model = "sd_xl_base_1.0"', 'modle = "x"'), "modle", "Extra inputs"),
        (('backend = "sd"', ""), "backend", "Field required"),
        (('kind = "image"', 'kind = "copy"\nmax_count = 50'), "max_count", "less than or equal"),
        (("[parameters]", "[parameters"), "(toml)", "not valid TOML"),
    ],
)
def test_a_broken_file_is_one_line_naming_file_and_field(
    change: tuple[str, str], field: str, words: str
) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(ConfigError) as failed:
        parse_style("brand", text, "config/styles/brand.toml")
    reason = failed.value.reason
    assert "\n" not in reason and reason.startswith("config/styles/brand.toml: ")
    if field != "(toml)":
        assert f": {field}: " in reason
    assert words in reason


def test_copy_styles_need_a_model_and_image_styles_no_voice() -> None:
    copy = 'kind = "copy"\ndescription = "x"\nbackend = "openai"\nlicence = "CC0-1.0"\n'
    with pytest.raises(ConfigError, match="names its chat model"):
        parse_style("c", copy, "c.toml")
    image = GOOD + '\n[voice]\ntone = "warm"\n'
    with pytest.raises(ConfigError, match="no voice guide"):
        parse_style("i", image, "i.toml")
    with pytest.raises(ConfigError, match="file name"):
        parse_style("Bad Name", GOOD, "Bad Name.toml")


def test_a_folder_of_styles_loads_sorted_and_a_missing_folder_is_no_styles(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text(GOOD)
    (tmp_path / "a.toml").write_text(GOOD.replace('backend = "sd"', 'backend = "openai"'))
    (tmp_path / "notes.md").write_text("not a style")
    assert list(load_styles(tmp_path)) == ["a", "b"]
    assert load_styles(tmp_path / "nothing") == {}
    assert PROJECT_DIR.joinpath("config", "styles").is_dir()


async def test_styles_lists_name_kind_back_end_licence_and_what_is_missing() -> None:
    styles = load_styles(Path("config/styles"))
    settings = GenerationConfig.model_validate(
        {"backends": {"sd": {"type": "sd_webui", "base_url": "http://10.0.0.5:7860"}}}
    )
    async with HttpClient() as http:
        reply = render_styles(styles, Backends(settings, http))
    by_name = {field.name.split(" · ")[0]: field for field in reply.fields}
    assert set(by_name) == set(styles)
    brand = by_name["brand-illustration"]
    assert brand.name == "brand-illustration · image"
    assert "Back end: sd (sd_xl_base_1.0)" in brand.value and "Licence: CC0-1.0" in brand.value
    assert "Not available" not in brand.value
    photo = by_name["community-photo"].value
    assert "Licence: CC-BY-4.0" in photo and "[generation.backends.openai]" in photo
    assert isinstance(STYLES_COMMANDS[0], CommandSpec) and STYLES_COMMANDS[0].name == "styles"
    empty = render_styles({}, Backends(settings, http))
    assert "No styles yet" in empty.body
