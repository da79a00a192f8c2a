"""Documents split into passages at their headings, each linking to its very place."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.documents import (
    PASSAGE_CHARS,
    Chunk,
    Slugger,
    slugify,
    split_html,
    split_markdown,
    split_text,
)

HANDBOOK = """---
title: Meridian Handbook
layout: page
---
# Handbook

Welcome to the Meridian DAO handbook. See [the forum](https://forum.meridian.example) too.

## Treasury 💰

The treasury is a 3-of-5 Safe on mainnet.

### Signers

| Signer | Since |
|---|---|
| alice.eth | 2024-01 |
| bob.eth | 2024-06 |

Signers rotate every **six months**.

### FAQ

Ask in #treasury.

## Grants

### FAQ

Apply through the grants form.

## Gouvernance — règles de vote

Le quorum est de 4 %.

```toml
quorum = 0.04
# a comment that looks like a heading:
# Not a heading
```
"""


def by_anchor(chunks: Sequence[Chunk], anchor: str) -> list[Chunk]:
    return [c for c in chunks if c.anchor == anchor]


def test_a_handbook_is_split_at_its_headings_with_github_anchors() -> None:
    doc = split_markdown(HANDBOOK, title="handbook.md")
    assert doc.title == "Meridian Handbook", "front matter's title wins"
    assert not any("layout: page" in c.text for c in doc.chunks), "front matter is skipped"
    anchors = [c.anchor for c in doc.chunks]
    assert anchors == [
        "handbook",
        "treasury-",
        "signers",
        "faq",
        "faq-1",
        "gouvernance--règles-de-vote",
    ], anchors
    (signers,) = by_anchor(doc.chunks, "signers")
    assert signers.heading == "Handbook › Treasury 💰 › Signers"
    assert "| bob.eth | 2024-06 |" in signers.text, "the table is kept whole, as written"
    assert signers.text.startswith("Handbook › Treasury 💰 › Signers\n\n|"), "the path leads"
    (grants_faq,) = by_anchor(doc.chunks, "faq-1")
    assert grants_faq.heading == "Handbook › Grants › FAQ"
    (vote,) = by_anchor(doc.chunks, "gouvernance--règles-de-vote")
    assert "# Not a heading" in vote.text, "a comment in a code block is no heading"
    assert vote.text.rstrip().endswith("```"), "the code block is whole"
    assert "[the forum](https://forum.meridian.example)" in doc.chunks[0].text


def test_a_heading_with_nothing_under_it_makes_no_passage() -> None:
    doc = split_markdown("# Guide\n\n## Empty\n\n## Full\n\nSome words.\n")
    assert [c.anchor for c in doc.chunks] == ["full"]
    assert doc.chunks[0].heading == "Guide › Full"


def test_without_a_level_one_heading_the_given_title_leads_the_path() -> None:
    doc = split_markdown("Intro line.\n\n## Setup\n\nRun it.\n", title="install.md")
    assert [(c.heading, c.anchor) for c in doc.chunks] == [
        ("install.md", ""),
        ("install.md › Setup", "setup"),
    ]


def test_a_long_section_is_split_at_paragraphs_and_a_long_list_stays_whole() -> None:
    paragraphs = [f"Paragraph {n} " + "word " * 60 for n in range(10)]
    long_list = "\n".join(f"- item {n} " + "x" * 40 for n in range(40))
    text = "# Policy\n\n" + "\n\n".join(paragraphs) + "\n\n" + long_list + "\n"
    chunks = split_markdown(text).chunks
    assert len(chunks) > 3
    assert all(c.anchor == "policy" and c.text.startswith("Policy\n\n") for c in chunks)
    assert all(len(c.text) <= PASSAGE_CHARS + 400 for c in chunks if "- item" not in c.text)
    holding_list = [c for c in chunks if "- item 0 " in c.text]
    assert len(holding_list) == 1 and "- item 39 " in holding_list[0].text
    joined = "\n".join(c.text for c in chunks)
    assert all(p.strip() in joined for p in paragraphs), "no words lost"


def test_slugs_follow_github() -> None:
    assert slugify("What's new in v2.0?") == "whats-new-in-v20"
    assert slugify("🚀 Launch") == "-launch"
    assert slugify("Über uns") == "über-uns"
    assert slugify("snake_case and-dash") == "snake_case-and-dash"
    slugger = Slugger()
    assert [slugger.slug(h) for h in ("FAQ", "FAQ", "FAQ-1", "FAQ")] == [
        "faq",
        "faq-1",
        "faq-1-1",
        "faq-2",
    ]


def test_plain_text_is_split_at_blank_lines() -> None:
    text = "Meeting notes\r\n\r\nWe agreed on the budget.\n  \nNext call: Friday.\n"
    doc = split_text(text, title="notes.txt")
    assert [c.text for c in doc.chunks] == [
        "Meeting notes\n\nWe agreed on the budget.\n\nNext call: Friday."
    ]
    assert doc.chunks[0].heading == "notes.txt" and doc.chunks[0].anchor == ""
    small = split_text(text, title="notes.txt", limit=20)
    assert len(small.chunks) == 3


PAGE = """<!doctype html>
<html><head><title>Brand guide · Meridian</title>
<script>var tracking = "secret";</script><style>h1 {color: red}</style></head>
<body>
<nav><a href="/">Home</a> <a href="/brand">Brand</a></nav>
<main>
<h1 id="brand-guide">Brand guide</h1>
<p>Use the <strong>logo</strong> as given. <!-- an editor's note --></p>
<section id="colours">
<h2>Colours</h2>
<ul><li>Primary: #1a2b3c</li><li>Accent: <em>coral</em></li></ul>
<table><tr><th>Name</th><th>Hex</th></tr><tr><td>Night</td><td>#000</td></tr></table>
</section>
<h2><a id="fonts-anchor"></a>Fonts</h2>
<p>Inter for text.</p>
<pre>font-family: Inter;
  fallback: sans-serif;</pre>
<h3>Licences</h3>
<p>Fonts are open.</p>
</main>
<footer>© Meridian</footer>
</body></html>"""


def test_a_page_is_split_at_its_headings_anchored_by_ids() -> None:
    doc = split_html(PAGE)
    assert doc.title == "Brand guide · Meridian"
    assert [(c.heading, c.anchor) for c in doc.chunks] == [
        ("Brand guide", "brand-guide"),
        ("Brand guide › Colours", "colours"),
        ("Brand guide › Fonts", "fonts-anchor"),
        ("Brand guide › Fonts › Licences", "fonts-anchor"),
    ]
    everything = "\n".join(c.text for c in doc.chunks)
    for absent in ("tracking", "color: red", "Home", "©", "editor's note"):
        assert absent not in everything, absent
    colours = doc.chunks[1].text
    assert "- Primary: #1a2b3c\n- Accent: coral" in colours
    assert "Night | #000" in colours
    assert "font-family: Inter;\n  fallback: sans-serif;" in doc.chunks[2].text
    assert doc.chunks[0].text == "Brand guide\n\nUse the logo as given."
    assert doc.chunks[3].text == "Brand guide › Fonts › Licences\n\nFonts are open."


def test_a_page_without_title_or_main_uses_its_body_and_first_heading() -> None:
    doc = split_html("<body><h1>Notes</h1><div>One</div><div>Two</div></body>", "fallback")
    assert doc.title == "Notes"
    assert doc.chunks[0].text == "Notes\n\nOne\n\nTwo"
    assert split_html("<p>Just text</p>", "page").chunks[0].heading == "page"
