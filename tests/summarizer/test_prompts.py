"""What the model is sent: a compact transcript inside delimiters that no post can close."""

from __future__ import annotations

from summarizer.prompts import (
    author_name,
    chunk_messages,
    post_body,
    post_line,
    render_posts,
    render_so_far,
)
from summarizer.schema import Citation, DebateSummary, Point, Position
from tests.fakes.openai_server import parse_prompt


def test_a_post_is_one_header_and_indented_lines_with_links_by_reference() -> None:
    text = "I agree with [the audit](https://a.example/r).\n\n> bob wrote:\n> 2 < 3 & 4\nSee https://b.example"
    line = post_line(12, "Tom (OP): <x>", post_body(text))
    assert line == (
        "12 Tom OP x: I agree with the audit.\n  > bob wrote:\n  > 2 &lt; 3 &amp; 4\n  See [link]"
    )


def test_author_names_cannot_end_a_header_or_split_holders() -> None:
    assert author_name("eve: 7 bob") == "eve 7 bob"
    assert author_name("a, b") == "a b"
    assert author_name("  ") == "unknown"


def test_the_summary_so_far_is_compact_and_read_back_by_the_fake() -> None:
    so_far = DebateSummary(
        tldr="Split\non the <cap>.",
        positions=[
            Position(
                stance="for",
                summary="Runway.",
                holders=["alice", "bob"],
                citations=[
                    Citation(post_id="1", quote="long quote"),
                    Citation(post_id="7", quote="q"),
                ],
            )
        ],
        arguments=[
            Point(
                point="62% of spend is in USD [link].", citations=[Citation(post_id="3", quote="x")]
            )
        ],
        open_questions=[],
        agreements=[],
        next_steps=[],
    )
    rendered = render_so_far(so_far)
    assert "long quote" not in rendered
    assert "TL;DR: Split on the &lt;cap>.\nFor (alice, bob): Runway. [1, 7]\n" in rendered
    messages = chunk_messages(render_posts(["9 carol: More."]), "RFC", so_far=rendered)
    prompt = parse_prompt({"messages": messages})
    assert prompt.problems == [] and prompt.kind == "update"
    data = prompt.partials[0].data
    assert data is not None
    assert data["tldr"] == "Split on the <cap>."
    assert data["positions"][0]["holders"] == ["alice", "bob"]
    assert [c["post_id"] for c in data["positions"][0]["citations"]] == ["1", "7"]
    assert data["arguments"][0]["point"] == "62% of spend is in USD [link]."
