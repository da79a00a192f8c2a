"""Blocked terms found however they are disguised, and not inside innocent words."""

from __future__ import annotations

import pytest

from cogs.generation.gatekeeper_terms import TermMatcher, mask, skeleton

TERMS = TermMatcher.of(["scam", "rug pull", "ass", "nsfw", "詐欺", "мошенничество", "kill"])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("this is a scam", "scam"),
        ("SCAM", "scam"),
        ("sc\u200dam", "scam"),  # zero-width joiner inside the word
        ("s\u200bc\u200ba\u200bm", "scam"),  # zero-width spaces between letters
        ("sc\u00adam", "scam"),  # soft hyphen
        ("ＳＣＡＭ poster", "scam"),  # full-width letters
        ("ѕсаm", "scam"),  # Cyrillic look-alikes
        ("$c4m", "scam"),  # leetspeak-lite
        ("sc@m!", "scam"),
        ("s.c.a.m", "scam"),
        ("s c a m", "scam"),
        ("🔥scam🔥", "scam"),  # emoji around it
        ("scams everywhere", "scam"),  # plural
        ("a rug-pull poster", "rug pull"),
        ("RUG   PULL", "rug pull"),
        ("rug_pull", "rug pull"),
        ("n s f w art", "nsfw"),
        ("k!ll it", "kill"),
        ("k1ll", "kill"),
        ("詐欺です", "詐欺"),  # no spaces in Japanese: anywhere
        ("это мошенничество!", "мошенничество"),
        ("scäm", "scam"),  # an accent on a Latin letter
    ],
)
def test_disguised_terms_are_found(text: str, found: str) -> None:
    assert found in TERMS.find(text)


@pytest.mark.parametrize(
    "text",
    [
        "a class photo of the council",
        "massive turnout at the assembly",
        "passport-style avatar",
        "Scunthorpe meetup",  # no term of ours inside, whatever the old jokes say
        "skill tree for contributors",
        "scampi at the offsite",
        "drug pullover",  # both words, but neither at a boundary
        "",
        "\u200b\u200d",
    ],
)
def test_innocent_words_are_not_matched(text: str) -> None:
    assert TERMS.find(text) == ()


def test_the_listed_spelling_is_reported_once_in_list_order() -> None:
    assert TERMS.find("rug pull SCAM scam") == ("scam", "rug pull")
    assert TermMatcher.of(["", "  ", "scam", "scam"]).terms == ("scam",)


def test_skeleton_normalizes_compatibility_forms() -> None:
    assert skeleton("ﬁne ＤＡＯ") == "fine dao"


def test_masked_terms_do_not_repeat_the_word() -> None:
    assert mask("scam") == "s***"
    assert "rug pull" not in mask("rug pull")
