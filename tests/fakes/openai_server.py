"""A local fake of the OpenAI Chat Completions API that also enforces Steward's prompt contract.

Usage::

    async with FakeOpenAI(count_tokens=enc_len, api_key="test") as fake:
        fake.untrusted = {post.text for post in posts}     # canaries; escaped form is fine
        client = AsyncOpenAI(base_url=fake.base_url, api_key="test", max_retries=2)
        completion = await client.chat.completions.create(model=..., messages=...,
                                                          response_format=JSON_SCHEMA_FORMAT)
        assert not fake.violations

Wire behaviour (non-streaming only):
    ``POST /v1/chat/completions`` answers a full ``chat.completion`` object whose ``usage`` is
    counted with ``count_tokens`` (prompt = the contents of all messages, nothing per message;
    completion = the content). ``max_completion_tokens``/``max_tokens`` cut the content and set
    ``finish_reason: "length"``, as OpenAI does. ``GET /v1/models`` lists ``fake.models``.
    ``POST /v1/embeddings`` is ``fake.embeddings`` (tests/fakes/embeddings_server.py).
    Errors have OpenAI's shape ``{"error": {"message", "type", "param", "code"}}``: 401 when the
    fake has an ``api_key`` and the request's differs, 400 ``invalid_request_error``, 404 for
    unknown routes, and whatever ``fail_next`` schedules (429 ``rate_limit_exceeded``, 500
    ``server_error``, ...).

The contract (checked on every chat request; each breach is appended to ``fake.violations``
and answered with a 400 carrying every breach of that request, so the client sees it):
    * budget: tokens of all message contents <= ``fake.max_prompt_tokens`` (code
      ``context_length_exceeded``, OpenAI's wording);
    * ``response_format`` is a strict ``json_schema`` whose schema follows OpenAI's strict-mode
      rules (every object has ``additionalProperties: false`` and requires all its properties),
      because production rejects what a lenient fake would let through;
    * untrusted text is delimited: user messages hold posts inside ``<posts>...</posts>``,
      either as blocks ``<post id= author= likes=>TEXT</post>`` (``& < >`` escaped in bodies,
      ``& < > "`` in attribute values) or as a transcript, one post per line ``ID AUTHOR: TEXT``
      with the post's further lines indented by two spaces (``&`` and ``<`` escaped: nothing in
      it can close the block, and no line of a post can pass for another post's header); and
      earlier summaries inside ``<partials><partial index=>BODY</partial>...</partials>`` (``&``
      and ``<`` escaped), BODY being JSON or the compact summary (lines ``TL;DR: ...``,
      ``For (a, b): ... [1, 2]``, ``Argument: ... [3]``, ``Question:``, ``Agreement:``,
      ``Next step:``). Every occurrence
      of a string in ``fake.untrusted`` (raw or escaped) must lie inside such a block of a user
      message; blocks must be balanced and well-formed.

Default "model" (``default_responder``): for Steward's chat schema (``chat_summary``), one
entry per topic the request names ("topic N: messages A-B"), from the same rules; otherwise it
keyword-classifies posts into for/against/alternative
positions, takes arguments (numbers/links), open questions ("?"), next steps
(should/next/let's) from sentences (map calls: posts only), merges partials (reduce calls:
partials only), and merges the summary of the posts into the partials (update calls: both);
citations it carries over from a compact partial have an empty quote, as asked. Citation quotes are
verbatim substrings of the unescaped post text, so they may contain anything a post contains,
``@everyone`` included; every other string is written by the fake and has ``@`` mentions
defanged, so instructions in posts are never obeyed. Steward sanitizes the output before it
posts it anyway. Replace it with ``fake.responder = fn`` (``fn(body) -> dict | str``, may be
async; a ``str`` is sent as the raw content).

For the ``generated_copy`` schema (summarizer/copywriting.py) it writes copy from the brief in the
format the request names (``write_copy``). For the ``ask_answer`` schema (summarizer/answer.py:
passages as posts ``P1``, ``P2``... and the question as the post ``question``, a follow-up's
previous question as ``previous_question``) it answers from the passage sharing most content words
with the question (``answer_ask``): that passage's best matching sentence, cited with a verbatim
quote, or ``unanswerable`` when no passage shares a content word with the question or the
previous one. ``FakeOpenAI(extensions=[FakeImages()])`` also serves
the images and moderations fake (tests/fakes/images_server.py) on the same port.

Faults (one FIFO queue, each entry applies to one chat request; the ``/v1/models`` route never
consumes them): ``fail_next(status, count, retry_after_ms, code)``, ``hang_next(seconds, count)``
(answers normally after the delay unless the fake stops first), ``malformed_next(count)``
(truncated content; a request rejected by the contract still consumes it).
Scripted answers: ``answer_next(content, count)`` queues a content (a dict sent as JSON, or a raw
``str``) that the next answered chat requests get instead of the responder's, e.g. a citation with
a fabricated quote or an unknown passage; a faulted or rejected request does not consume it.

Records: ``fake.requests`` (:class:`RecordedRequest`, every chat request including failed
ones), ``fake.violations``, ``fake.responder_errors``, ``fake.calls_by_kind()`` and
``fake.total_prompt_tokens`` (both count only answered, i.e. billed, calls).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import math
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from aiohttp import web

from retrieval.query import STOPWORDS, stem, words
from tests.fakes.embeddings_server import FakeEmbeddings

JSON = dict[str, Any]
Responder = Callable[[JSON], JSON | str | Awaitable[JSON | str]]


class Extension(Protocol):
    """Another fake's routes, served by FakeOpenAI on its port."""

    port_of: Callable[[], int] | None

    def add_routes(self, app: web.Application) -> None: ...


Kind = Literal["map", "update", "reduce", "ask", "other"]

DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-5-mini")
MAX_ITEMS = 6
MAX_CITATIONS = 3
MAX_QUOTE_CHARS = 160
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_SCHEMA_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    408: "timeout",
    409: "invalid_request_error",
    429: "requests",
    500: "server_error",
    502: "server_error",
    503: "server_error",
}
_ERROR_MESSAGES = {
    408: "Request timed out.",
    409: "The request conflicted with another request. Please try again.",
    429: "Rate limit reached for requests. Please try again later.",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
}


def approximate_tokens(text: str) -> int:
    """Words and punctuation marks: near enough to BPE counts for English, and needs no data."""
    return len(re.findall(r"\w+|[^\w\s]", text))


# ----- the prompt format ----------------------------------------------------------------------
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'"}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))
# A bare '&' means the text was not escaped, and then unescaping would change it.
_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|#39|#x27);)")
_DELIMITER = re.compile(r"<(/?)(posts|post|partials|partial)\b")
_OPEN_TAG = re.compile(r'<(post|partial)((?:\s+[a-z_][a-z0-9_-]*="[^"<>]*")*)\s*>')
_ATTRIBUTE = re.compile(r'([a-z_][a-z0-9_-]*)="([^"<>]*)"')


def unescape(text: str) -> str:
    # One pass, so "&amp;lt;" becomes "&lt;" and not "<".
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text)


def escape(text: str, *, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attribute else text


@dataclass
class Post:
    id: str
    author: str
    text: str
    """Unescaped, i.e. the post as its author wrote it; citation quotes are substrings of it."""
    likes: int | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Partial:
    index: int | None
    data: JSON | None
    """The earlier summary with its strings unescaped, or None if the body was not a JSON object."""


@dataclass
class Prompt:
    posts: list[Post] = field(default_factory=list)
    partials: list[Partial] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # (message index, start, end) of every well-formed block: the only places untrusted text
    # may appear.
    blocks: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def kind(self) -> Kind:
        if self.posts:
            return "update" if self.partials else "map"
        return "reduce" if self.partials else "other"


def message_text(message: object) -> str:
    """The text of a message: a string content, or the text parts of a list content."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def parse_prompt(body: JSON) -> Prompt:
    """Find the post and partial blocks in the user messages, and what is wrong with them."""
    prompt = Prompt()
    messages = body.get("messages")
    for number, message in enumerate(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            _scan_user_message(number, message_text(message), prompt)
    ids = Counter(post.id for post in prompt.posts)
    prompt.problems += [f"duplicate post id {i!r}" for i, n in ids.items() if n > 1]
    return prompt


def _scan_user_message(number: int, text: str, prompt: Prompt) -> None:
    where = f"messages[{number}]"
    pos = 0
    while match := _DELIMITER.search(text, pos):
        closing, name = match.group(1), match.group(2)
        container = f"<{name}>"
        if (
            closing
            or name not in ("posts", "partials")
            or not text.startswith(container, match.start())
        ):
            prompt.problems.append(f"{where}: stray {match.group(0)!r} outside <posts>/<partials>")
            pos = match.end()
            continue
        child = name[:-1]
        pos = match.start() + len(container)
        if name == "posts" and not text[pos:].lstrip().startswith("<post"):
            end = _scan_transcript(where, text, pos, prompt)
            if end is None:
                return
            prompt.blocks.append((number, match.start(), end))
            pos = end
            continue
        # Inside a container the next '<' must open a child block or close the container; post
        # bodies hold no '<' at all, so the first '<' after an open tag must be its close tag.
        while True:
            at = text.find("<", pos)
            if at < 0:
                prompt.problems.append(f"{where}: unclosed {container}")
                return
            if text.startswith(f"</{name}>", at):
                pos = at + len(name) + 3
                break
            tag = _OPEN_TAG.match(text, at)
            if tag is None or tag.group(1) != child:
                snippet = text[at : at + 30]
                prompt.problems.append(f"{where}: malformed markup in {container}: {snippet!r}")
                return
            end = text.find("<", tag.end())
            close = f"</{child}>"
            attributes = dict(_ATTRIBUTE.findall(tag.group(2)))
            label = f"<{child} {tag.group(2).strip()}>"
            if end < 0 or not text.startswith(close, end):
                prompt.problems.append(
                    f"{where}: {label} is not closed by {close} (unescaped '<' or missing tag)"
                )
                return
            inner = text[tag.end() : end]
            pos = end + len(close)
            if _block_is_well_formed(where, label, attributes, inner, prompt):
                prompt.blocks.append((number, at, pos))
                _add_block(child, attributes, inner, prompt)


_HEADER = re.compile(r"(?P<id>[^\s:]+) (?P<author>[^:\n]+): ?(?P<text>.*)")


def _scan_transcript(where: str, text: str, start: int, prompt: Prompt) -> int | None:
    """Posts as a transcript, from `start` (just after ``<posts>``); returns where the block ends,
    or None when it is malformed."""
    close = text.find("</posts>", start)
    if close < 0:
        prompt.problems.append(f"{where}: unclosed <posts>")
        return None
    body = text[start:close]
    if "<" in body:
        snippet = body[body.index("<") : body.index("<") + 30]
        prompt.problems.append(f"{where}: unescaped '<' in <posts> transcript: {snippet!r}")
        return None
    if _BARE_AMP.search(body):
        prompt.problems.append(f"{where}: unescaped '&' in <posts> transcript")
        return None
    posts: list[Post] = []
    for line in body.split("\n"):
        if not line.strip():
            continue
        if line.startswith("  ") and posts:
            posts[-1].text += "\n" + unescape(line[2:])
            continue
        header = _HEADER.fullmatch(line)
        if header is None:
            prompt.problems.append(f"{where}: line in <posts> is no post header: {line[:40]!r}")
            return None
        posts.append(
            Post(
                id=header["id"],
                author=unescape(header["author"]),
                text=unescape(header["text"]),
                attributes={"id": header["id"], "author": header["author"]},
            )
        )
    prompt.posts += posts
    return close + len("</posts>")


def _block_is_well_formed(
    where: str, label: str, attributes: dict[str, str], inner: str, prompt: Prompt
) -> bool:
    problems = []
    # A post block is HTML-escaped; a partial needs only '&' and '<' escaped: '>' closes nothing.
    if ">" in inner and label.startswith("<post "):
        problems.append(f"{where}: unescaped '>' in {label}")
    if any(_BARE_AMP.search(value) for value in (inner, *attributes.values())):
        problems.append(f"{where}: unescaped '&' in {label}")
    required = ("id", "author") if label.startswith("<post ") else ("index",)
    missing = [name for name in required if name not in attributes]
    if missing:
        problems.append(f"{where}: {label} lacks {', '.join(missing)}")
    prompt.problems += problems
    return not problems


def _add_block(child: str, attributes: dict[str, str], inner: str, prompt: Prompt) -> None:
    values = {name: unescape(value) for name, value in attributes.items()}
    if child == "post":
        likes = values.get("likes", "")
        prompt.posts.append(
            Post(
                id=values["id"],
                author=values["author"],
                text=unescape(inner),
                likes=int(likes) if likes.isdigit() else None,
                attributes=values,
            )
        )
        return
    index = values["index"]
    data = _load_partial(inner)
    if data is None:
        prompt.problems.append(f"partial {index}: body is not a JSON object")
    prompt.partials.append(Partial(int(index) if index.isdigit() else None, data))


def _load_partial(inner: str) -> JSON | None:
    # Escaping the strings before json.dumps and escaping the whole JSON text are equivalent
    # unless '"' was escaped too; accept both ways.
    for attempt in (inner, unescape(inner)):
        try:
            data = json.loads(attempt)
        except ValueError:
            continue
        if isinstance(data, dict):
            result = _unescape_strings(data) if attempt is inner else data
            return result if isinstance(result, dict) else None
    return _load_compact(inner)


_COMPACT_LINE = re.compile(
    r"(?P<label>TL;DR|For|Against|Alternative|Argument|Question|Agreement|Next step)"
    r"(?: \((?P<holders>[^)]*)\))?: (?P<text>.*?)(?: \[(?P<cites>[^\]]*)\])?"
)
_COMPACT_SECTIONS = {
    "Argument": ("arguments", "point"),
    "Question": ("open_questions", "question"),
    "Agreement": ("agreements", "point"),
    "Next step": ("next_steps", "step"),
}


def _load_compact(inner: str) -> JSON | None:
    """A summary written one item a line, citations as post ids only (their quotes empty)."""
    data: JSON = {"tldr": "", "positions": [], **{s: [] for s, _ in _COMPACT_SECTIONS.values()}}
    lines = [line for line in inner.split("\n") if line.strip()]
    if not lines:
        return None
    for line in lines:
        match = _COMPACT_LINE.fullmatch(line.strip())
        if match is None:
            return None
        label, text = match["label"], unescape(match["text"])
        citations = [
            {"post_id": cite.strip(), "quote": ""}
            for cite in (match["cites"] or "").split(",")
            if cite.strip()
        ]
        if label == "TL;DR":
            data["tldr"] = text
        elif label in _COMPACT_SECTIONS:
            section, key = _COMPACT_SECTIONS[label]
            data[section].append({key: text, "citations": citations})
        else:
            holders = [unescape(h.strip()) for h in (match["holders"] or "").split(",")]
            data["positions"].append(
                {
                    "stance": label.lower(),
                    "summary": text,
                    "holders": [h for h in holders if h],
                    "citations": citations,
                }
            )
    return data


def _unescape_strings(value: Any) -> Any:
    if isinstance(value, str):
        return unescape(value)
    if isinstance(value, list):
        return [_unescape_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: _unescape_strings(item) for key, item in value.items()}
    return value


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))


def canary_leaks(body: JSON, prompt: Prompt, canaries: Iterable[str]) -> list[str]:
    """Occurrences of untrusted strings outside the post/partial blocks of user messages."""
    needles = {
        form: canary
        for canary in canaries
        if canary
        for form in (
            canary,
            escape(canary),
            escape(canary, attribute=True),
            canary.replace("&", "&amp;").replace("<", "&lt;"),
        )
    }
    blocks: dict[int, list[tuple[int, int]]] = {}
    for number, start, end in prompt.blocks:
        blocks.setdefault(number, []).append((start, end))
    texts: list[tuple[str, str, list[tuple[int, int]]]] = []
    messages = body.get("messages")
    for number, message in enumerate(messages if isinstance(messages, list) else []):
        role = message.get("role") if isinstance(message, dict) else None
        texts.append(
            (f"messages[{number}] ({role})", message_text(message), blocks.get(number, []))
        )
    # Everything else (other message fields, the schema, the model name...) has no blocks.
    rest = {key: value for key, value in body.items() if key != "messages"}
    for number, message in enumerate(messages if isinstance(messages, list) else []):
        if isinstance(message, dict):
            rest[f"messages[{number}]"] = {k: v for k, v in message.items() if k != "content"}
    texts += [(path, text, []) for path, text in _strings(rest, "")]

    leaks = []
    for where, text, allowed in texts:
        for needle, canary in needles.items():
            at = text.find(needle)
            while at >= 0:
                if not any(start <= at and at + len(needle) <= end for start, end in allowed):
                    shown = canary if len(canary) <= 40 else canary[:37] + "..."
                    leaks.append(f"untrusted text {shown!r} outside <post>/<partial> in {where}")
                    break
                at = text.find(needle, at + 1)
    return sorted(set(leaks))


def strict_schema_problems(schema: object, path: str = "") -> list[str]:
    """OpenAI's strict-mode rules for objects, which a lenient fake would silently accept."""
    if not isinstance(schema, dict):
        return []
    problems = []
    types = schema.get("type")
    if (
        types == "object"
        or (isinstance(types, list) and "object" in types)
        or "properties" in schema
    ):
        context = f"In context=({path})"
        if schema.get("additionalProperties") is not False:
            problems.append(
                f"{context}, 'additionalProperties' is required to be supplied and to be false"
            )
        properties = schema.get("properties")
        keys = list(properties) if isinstance(properties, dict) else []
        required = schema.get("required")
        missing = [k for k in keys if not isinstance(required, list) or k not in required]
        if missing:
            problems.append(
                f"{context}, 'required' is required to be supplied and to be an array including "
                f"every key in properties. Missing {missing[0]!r}"
            )
    for key in ("properties", "$defs", "definitions"):
        children = schema.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                problems += strict_schema_problems(child, f"{path}, {key!r}, {name!r}".lstrip(", "))
    if "items" in schema:
        problems += strict_schema_problems(schema["items"], f"{path}, 'items'".lstrip(", "))
    for key in ("anyOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list):
            for i, option in enumerate(options):
                problems += strict_schema_problems(option, f"{path}, {key!r}, {i}".lstrip(", "))
    return problems


def response_format_problems(response_format: object) -> list[str]:
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        return [f"no json_schema requested (response_format type {kind!r})"]
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict):
        return ["no json_schema requested (response_format.json_schema missing)"]
    problems = []
    name = spec.get("name")
    if not isinstance(name, str) or not _SCHEMA_NAME.fullmatch(name):
        problems.append(f"json_schema.name {name!r} must match ^[a-zA-Z0-9_-]{{1,64}}$")
    if spec.get("strict") is not True:
        problems.append("json_schema is not strict (strict must be true)")
    schema = spec.get("schema")
    if not isinstance(schema, dict) or schema.get("type") != "object":
        problems.append("json_schema.schema must be an object schema")
    else:
        problems += [
            f"Invalid schema for response_format {name!r}: {p}"
            for p in strict_schema_problems(schema)
        ]
    return problems


# ----- the default "model" --------------------------------------------------------------------
_STANCES: dict[str, re.Pattern[str]] = {
    "for": re.compile(
        r"\b(?:support(?:s|ed|ing)?|favou?r(?:s|ed)?|agree[sd]?)\b|(?<!\w)\+1\b", re.I
    ),
    "against": re.compile(
        r"\b(?:against|oppose[sd]?|opposing|risks?|risky|disagree[sd]?)\b|(?<![\w+])-1\b", re.I
    ),
    "alternative": re.compile(
        r"\b(?:instead|alternatives?|what about|propose[sd]?|proposing)\b", re.I
    ),
}
_STANCE_VERBS = {
    "for": ("supports the proposal", "support the proposal"),
    "against": ("opposes it or raises risks", "oppose it or raise risks"),
    "alternative": ("proposes an alternative", "propose an alternative"),
}
_NEXT_STEP = re.compile(r"\b(?:should|next|let[’']?s)\b", re.I)
_EVIDENCE = re.compile(r"\d|https?://|www\.", re.I)
# A sentence ends at . ! ? followed by whitespace, or at a line end; dots inside numbers and
# links do not end it.
_SENTENCE = re.compile(r"\S[^\n]*?(?:[.!?]+(?=\s|\Z)|(?=\n)|\Z)")
_MENTION = re.compile(r"@(?=\w)")


def sentences(text: str) -> list[str]:
    """Sentences of a post, each an exact substring of it."""
    return [m.group(0).rstrip() for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def _quote(sentence: str) -> str:
    # Shortened at a word boundary, so the quote stays a verbatim substring of the post.
    if len(sentence) <= MAX_QUOTE_CHARS:
        return sentence
    cut = sentence[:MAX_QUOTE_CHARS]
    return cut[: cut.rfind(" ")].rstrip() if " " in cut else cut


def _own_words(sentence: str) -> str:
    # Free text the "model" writes; defanged so a post cannot make it ping anybody.
    return _MENTION.sub("", _quote(sentence))


def classify(text: str) -> str | None:
    """The stance with the most keyword hits; a tie goes to the one mentioned first."""
    scores = []
    for stance, pattern in _STANCES.items():
        hits = list(pattern.finditer(text))
        if hits:
            scores.append((-len(hits), hits[0].start(), stance))
    return min(scores)[2] if scores else None


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _position_summary(stance: str, holders: int) -> str:
    singular, plural = _STANCE_VERBS[stance]
    return f"{_plural(holders, 'participant')} {singular if holders == 1 else plural}."


def _stance_sentence(positions: list[JSON]) -> str:
    counts = [f"{len(p['holders'])} {p['stance']}" for p in positions]
    return f"Stances: {', '.join(counts)}." if counts else "No clear stances were taken."


def _tldr(opening: str, positions: list[JSON], questions: int) -> str:
    parts = [opening, _stance_sentence(positions)]
    if questions:
        parts.append(f"{_plural(questions, 'open question')} remain.")
    return " ".join(parts)


def _cite(post: Post, sentence: str) -> JSON:
    return {"post_id": post.id, "quote": _quote(sentence)}


def summarize_posts(posts: list[Post]) -> JSON:
    """A map step: one chunk of posts into a debate summary."""
    by_stance: dict[str, list[tuple[Post, str]]] = {stance: [] for stance in _STANCES}
    lists: dict[str, list[JSON]] = {"arguments": [], "open_questions": [], "next_steps": []}
    for post in posts:
        stance = classify(post.text)
        if stance is not None:
            pattern = _STANCES[stance]
            quote = next((s for s in sentences(post.text) if pattern.search(s)), post.text)
            by_stance[stance].append((post, quote))
        for sentence in sentences(post.text):
            citation = [_cite(post, sentence)]
            if sentence.endswith("?"):
                item = {"question": _own_words(sentence), "citations": citation}
                lists["open_questions"].append(item)
            elif _NEXT_STEP.search(sentence):
                lists["next_steps"].append({"step": _own_words(sentence), "citations": citation})
            elif _EVIDENCE.search(sentence):
                lists["arguments"].append({"point": _own_words(sentence), "citations": citation})

    positions, agreements = [], []
    for stance, members in by_stance.items():
        if not members:
            continue
        holders = list(dict.fromkeys(post.author for post, _ in members))
        citations = [_cite(post, quote) for post, quote in members[:MAX_CITATIONS]]
        positions.append(
            {
                "stance": stance,
                "summary": _position_summary(stance, len(holders)),
                "holders": holders,
                "citations": citations,
            }
        )
        if len(holders) > 1:
            names = ", ".join(_MENTION.sub("", name) for name in holders)
            point = f"{names} agree: they {_STANCE_VERBS[stance][1]}."
            agreements.append({"point": point, "citations": citations})

    authors = len({post.author for post in posts})
    opening = f"{_plural(len(posts), 'post')} by {_plural(authors, 'participant')} were read."
    questions = _dedupe(lists["open_questions"], "question")
    return {
        "tldr": _tldr(opening, positions, len(questions)),
        "positions": positions,
        "arguments": _dedupe(lists["arguments"], "point"),
        "open_questions": questions,
        "agreements": agreements[:MAX_ITEMS],
        "next_steps": _dedupe(lists["next_steps"], "step"),
    }


def _dedupe(items: Iterable[object], key: str) -> list[JSON]:
    seen: dict[str, JSON] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get(key), str) and item[key] not in seen:
            citations = item.get("citations")
            seen[item[key]] = {
                key: item[key],
                "citations": _citations(citations if isinstance(citations, list) else []),
            }
    return list(seen.values())[:MAX_ITEMS]


def _citations(citations: Iterable[object]) -> list[JSON]:
    unique: dict[tuple[str, str], JSON] = {}
    for c in citations:
        if isinstance(c, dict) and isinstance(c.get("post_id"), str):
            post_id: str = c["post_id"]
            quote = c["quote"] if isinstance(c.get("quote"), str) else ""
            unique.setdefault((post_id, quote), {"post_id": post_id, "quote": quote})
    return list(unique.values())[:MAX_CITATIONS]


def merge_partials(partials: list[Partial]) -> JSON:
    """A reduce step: concatenate the earlier summaries, dedupe and cap."""
    summaries = [p.data for p in partials if p.data is not None]

    def all_of(key: str) -> list[object]:
        return [item for s in summaries if isinstance(s.get(key), list) for item in s[key]]

    positions: dict[str, JSON] = {}
    for item in all_of("positions"):
        stance = item.get("stance") if isinstance(item, dict) else None
        if not isinstance(item, dict) or stance not in _STANCES:
            continue
        merged = positions.setdefault(stance, {"stance": stance, "holders": [], "citations": []})
        holders = item.get("holders")
        merged["holders"] += [h for h in holders or [] if isinstance(h, str)]
        merged["citations"] += item.get("citations") or []
    ordered = []
    for stance in _STANCES:
        if stance in positions:
            holders = list(dict.fromkeys(positions[stance]["holders"]))
            ordered.append(
                {
                    "stance": stance,
                    "summary": _position_summary(stance, len(holders)),
                    "holders": holders,
                    "citations": _citations(positions[stance]["citations"]),
                }
            )
    questions = _dedupe(all_of("open_questions"), "question")
    everyone = {h for p in ordered for h in p["holders"]}
    opening = (
        f"{_plural(len(partials), 'partial summary', 'partial summaries')} covering "
        f"{_plural(len(everyone), 'participant')} were merged."
    )
    return {
        "tldr": _tldr(opening, ordered, len(questions)),
        "positions": ordered,
        "arguments": _dedupe(all_of("arguments"), "point"),
        "open_questions": questions,
        "agreements": _dedupe(all_of("agreements"), "point"),
        "next_steps": _dedupe(all_of("next_steps"), "step"),
    }


_TOPIC_SPAN = re.compile(r"topic (\d+): messages (\d+)-(\d+)")
_REPLY_MARK = re.compile(r"^\[re \d+\] ")
_MOTION = re.compile(r"\b(?:propos\w*|should|let'?s)\b", re.IGNORECASE)
_DECISION = re.compile(r"^(?:decision|decided|agreed)\b", re.IGNORECASE)
_TASK = re.compile(r"\b(?:i'?ll|i\s+will|on\s+it)\b", re.IGNORECASE)


def summarize_chat(body: JSON) -> JSON:
    """Steward's chat prompt ("topic N: messages A-B" before the block): one entry per topic, in
    the chat schema, from the same keyword rules as a map step."""
    prompt = parse_prompt(body)
    user = next((message_text(m) for m in body.get("messages", []) if m.get("role") == "user"), "")
    by_id = {post.id: post for post in prompt.posts}
    topics = []
    for number, first, last in _TOPIC_SPAN.findall(user.split("\n")[0]):
        posts = [
            Post(p.id, p.author, _REPLY_MARK.sub("", p.text))
            for n in range(int(first), int(last) + 1)
            if (p := by_id.get(str(n))) is not None
        ]
        mapped = summarize_posts(posts)
        opening = sentences(posts[0].text)[:1] if posts else []
        motion = None
        if opening and _MOTION.search(opening[0]):
            motion = {"point": _own_words(opening[0]), "citations": [_cite(posts[0], opening[0])]}
        decisions, tasks = [], []
        for post in posts:
            for sentence in sentences(post.text):
                cited = [_cite(post, sentence)]
                if _DECISION.search(sentence):
                    by = _MENTION.sub("", post.author)
                    decisions.append(
                        {"decision": _own_words(sentence), "by": by, "citations": cited}
                    )
                elif _TASK.search(sentence):
                    owner = _MENTION.sub("", post.author)
                    tasks.append({"task": _own_words(sentence), "owner": owner, "citations": cited})
        topics.append(
            {
                "topic": int(number),
                "title": _own_words(opening[0]) if opening else f"Topic {number}",
                "motion": motion,
                "positions": mapped["positions"] if motion else [],
                "arguments": mapped["arguments"][:3],
                "decisions": decisions,
                "action_items": tasks,
                "open_questions": mapped["open_questions"],
                "agreements": [],
            }
        )
    return {"topics": topics}


def _schema_name(body: JSON) -> str:
    response_format = body.get("response_format")
    if not isinstance(response_format, dict):
        return ""
    schema = response_format.get("json_schema")
    return str(schema.get("name", "")) if isinstance(schema, dict) else ""


_COPY_FORMAT = re.compile(r"Write the (.+?) from this brief\.(?: This is draft (\d+) of)?")


def write_copy(body: JSON) -> JSON:
    """Copy for the ``generated_copy`` schema (summarizer/copywriting.py): the brief (the one
    post of the user message) shaped as the format the request names, one draft per call."""
    prompt = parse_prompt(body)
    given = body.get("messages")
    messages = given if isinstance(given, list) else []
    asked = "".join(
        message_text(m) for m in messages if isinstance(m, dict) and m.get("role") == "user"
    )
    match = _COPY_FORMAT.search(asked)
    format, draft = (match[1], int(match[2] or 1)) if match else ("announcement", 1)
    brief = " ".join(p.text for p in prompt.posts).strip() or "our next step"
    brief = _MENTION.sub("@\u200b", " ".join(brief.split()))
    openers = ("Members,", "Together,", "Good news:", "Heads up:")
    opener = openers[(draft - 1) % len(openers)]
    if format == "tweet thread":
        text = (
            f"1/ {opener} {brief}\n\n2/ Read the proposal and vote: every member has a say."
            "\n\n3/ Questions? Ask in the forum thread."
        )
    elif format == "forum post":
        text = (
            f"# {brief[:60]}\n\n{opener} {brief}\n\n## Context\n\nMembers asked for this."
            "\n\n## Next steps\n\nRead the proposal and vote."
        )
    elif format == "newsletter blurb":
        text = f"{opener} {brief} Read the proposal and vote: every member has a say this week."
    else:
        text = f"**{brief[:60]}**\n\n{opener} {brief}\n\nRead the proposal and vote together."
    return {"text": text}


ASK_SCHEMA = "ask_answer"
_PASSAGE_ID = re.compile(r"P\d+")


def content_words(text: str) -> set[str]:
    """A text's content words as the indexes stem them (retrieval.query): what full-text search
    matched a passage on is what the fake answers from."""
    return {stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


def answer_ask(body: JSON) -> JSON:
    """The ``ask_answer`` schema: the best matching sentence of the passages that share most
    content words with the question (words of a follow-up's previous question count half), each
    cited with a verbatim quote; unanswerable when none shares any."""
    prompt = parse_prompt(body)
    by_id = {post.id: post for post in prompt.posts}
    question = by_id["question"].text if "question" in by_id else ""
    asked = content_words(question)
    before = (
        content_words(by_id["previous_question"].text) - asked
        if "previous_question" in by_id
        else set()
    )
    scored = []
    for post in prompt.posts:
        if not _PASSAGE_ID.fullmatch(post.id):
            continue
        words = content_words(f"{post.attributes.get('title', '')} {post.text}")
        score = 2 * len(asked & words) + len(before & words)
        if score:
            scored.append((score, post))
    if not scored:
        return {"unanswerable": True, "sentences": []}
    best = max(score for score, _ in scored)
    answer = []
    for _, post in [item for item in scored if item[0] == best][:2]:
        candidates = sentences(post.text) or [post.text]
        sentence = max(candidates, key=lambda s: len((asked | before) & content_words(s)))
        citation = {"passage": post.id, "quote": _quote(sentence)}
        answer.append({"text": _own_words(sentence), "citations": [citation]})
    return {"unanswerable": False, "sentences": answer}


def default_responder(body: JSON) -> JSON:
    """The deterministic stand-in for the model: map, reduce, or an empty summary; a chat
    window by topic when the request asks for the chat schema; copy for the copy schema."""
    if _schema_name(body) == "chat_summary":
        return summarize_chat(body)
    if _schema_name(body) == "generated_copy":
        return write_copy(body)
    if _schema_name(body) == ASK_SCHEMA:
        return answer_ask(body)
    prompt = parse_prompt(body)
    if prompt.kind == "map":
        return summarize_posts(prompt.posts)
    if prompt.kind == "update":
        latest = Partial(len(prompt.partials) + 1, summarize_posts(prompt.posts))
        return merge_partials([*prompt.partials, latest])
    if prompt.kind == "reduce":
        return merge_partials(prompt.partials)
    return {
        "tldr": "There was nothing to summarize.",
        "positions": [],
        "arguments": [],
        "open_questions": [],
        "agreements": [],
        "next_steps": [],
    }


# ----- the server -----------------------------------------------------------------------------
@dataclass
class RecordedRequest:
    body: JSON
    headers: dict[str, str]
    """Lower-cased, without Authorization."""
    retry_count: int | None
    """``x-stainless-retry-count``: 0 on the first attempt, 1 on the first retry, ..."""
    kind: Kind
    prompt_tokens: int
    at: float
    """``time.monotonic()`` on arrival, to measure the client's retry delays."""
    completion_tokens: int = 0
    status: int = 0
    content: str | None = None
    violations: list[str] = field(default_factory=list)


@dataclass
class _Fault:
    kind: Literal["fail", "hang", "malformed"]
    status: int = 0
    retry_after_ms: float | None = None
    code: str | None = None
    seconds: float = 0.0


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.type = type or _ERROR_TYPES.get(status, "invalid_request_error")
        self.headers = headers or {}

    def response(self) -> web.Response:
        error = {"message": self.message, "type": self.type, "param": self.param, "code": self.code}
        return web.json_response({"error": error}, status=self.status, headers=self.headers)


class FakeOpenAI:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        count_tokens: Callable[[str], int] = approximate_tokens,
        max_prompt_tokens: int = 8000,
        models: Iterable[str] = DEFAULT_MODELS,
        extensions: Iterable[Extension] = (),
    ) -> None:
        self.api_key = api_key
        # Fakes of further endpoints served on the same port (e.g. FakeImages), as one
        # OpenAI-compatible base URL serves chat, images and moderations.
        self.extensions = list(extensions)
        self.count_tokens = count_tokens
        self.max_prompt_tokens = max_prompt_tokens
        self.models = list(models)
        self.untrusted: set[str] = set()
        self.responder: Responder = default_responder
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.responder_errors: list[BaseException] = []
        self.port = 0
        self._faults: deque[_Fault] = deque()
        self._scripted: deque[JSON | str] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        # POST /v1/embeddings (tests/fakes/embeddings_server.py), with faults of its own.
        self.embeddings = FakeEmbeddings(count_tokens=count_tokens, api_key=api_key)

    async def start(self) -> None:
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self.embeddings.add_routes(app)
        for extension in self.extensions:
            extension.add_routes(app)
            extension.port_of = lambda: self.port
        app.router.add_route("*", "/{path:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        # Hung handlers outlive the client that gave up on them; wake them so cleanup does not
        # wait for their delay.
        self._closing.set()
        self.embeddings.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ----- faults and records -----------------------------------------------------------------
    def fail_next(
        self,
        status: int,
        count: int = 1,
        retry_after_ms: float | None = None,
        code: str | None = None,
    ) -> None:
        if code is None and status == 429:
            code = "rate_limit_exceeded"
        self._faults.extend(_Fault("fail", status, retry_after_ms, code) for _ in range(count))

    def hang_next(self, seconds: float, count: int = 1) -> None:
        self._faults.extend(_Fault("hang", seconds=seconds) for _ in range(count))

    def malformed_next(self, count: int = 1) -> None:
        self._faults.extend(_Fault("malformed") for _ in range(count))

    def answer_next(self, content: JSON | str, count: int = 1) -> None:
        self._scripted.extend(content for _ in range(count))

    def calls_by_kind(self) -> Counter[str]:
        return Counter(r.kind for r in self.requests if r.status == 200)

    @property
    def total_prompt_tokens(self) -> int:
        return sum(r.prompt_tokens for r in self.requests if r.status == 200)

    # ----- handlers ---------------------------------------------------------------------------
    def _check_key(self, request: web.Request) -> None:
        if self.api_key is None:
            return
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:]:
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if header[7:] != self.api_key:
            shown = header[7:10] + "***"
            raise ApiError(401, f"Incorrect API key provided: {shown}.", code="invalid_api_key")

    async def _models(self, request: web.Request) -> web.StreamResponse:
        try:
            self._check_key(request)
        except ApiError as error:
            return error.response()
        created = int(time.time())
        data = [
            {"id": m, "object": "model", "created": created, "owned_by": "system"}
            for m in self.models
        ]
        return web.json_response({"object": "list", "data": data})

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        return ApiError(404, f"Invalid URL ({request.method} {request.path})").response()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
            parse_problem = "We could not parse the JSON body of your request."
        else:
            parse_problem = None
        prompt = parse_prompt(body)
        retry = request.headers.get("x-stainless-retry-count", "")
        record = RecordedRequest(
            body=body,
            headers={
                k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"
            },
            retry_count=int(retry) if retry.isdigit() else None,
            kind="ask" if _schema_name(body) == ASK_SCHEMA else prompt.kind,
            prompt_tokens=self._prompt_tokens(body),
            at=time.monotonic(),
        )
        self.requests.append(record)
        try:
            response = await self._answer(request, body, prompt, record, parse_problem)
        except ApiError as error:
            response = error.response()
        record.status = response.status
        return response

    def _prompt_tokens(self, body: JSON) -> int:
        messages = body.get("messages")
        return sum(
            self.count_tokens(message_text(m))
            for m in (messages if isinstance(messages, list) else [])
        )

    async def _answer(
        self,
        request: web.Request,
        body: JSON,
        prompt: Prompt,
        record: RecordedRequest,
        parse_problem: str | None,
    ) -> web.Response:
        self._check_key(request)
        fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.seconds)
            if self._closing.is_set():
                raise ApiError(503, _ERROR_MESSAGES[503])
        if fault is not None and fault.kind == "fail":
            raise self._injected(fault)
        if parse_problem is not None:
            raise ApiError(400, parse_problem)
        self._validate(body, prompt, record)

        if self._scripted:
            scripted = self._scripted.popleft()
            content = scripted if isinstance(scripted, str) else json.dumps(scripted)
        else:
            content = await self._respond(body)
        if fault is not None and fault.kind == "malformed":
            content = _truncate_json(content)
        completion_tokens = self.count_tokens(content)
        finish_reason = "stop"
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and completion_tokens > limit:
            content, completion_tokens, finish_reason = self._cut(content, limit), limit, "length"
        record.completion_tokens, record.content = completion_tokens, content
        request_id = f"req_fake{next(self._ids):06d}"
        completion = {
            "id": f"chatcmpl-fake{request_id[8:]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": content,
                        "refusal": None,
                        "annotations": [],
                    },
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": record.prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": record.prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_fake",
        }
        return web.json_response(completion, headers={"x-request-id": request_id})

    def _injected(self, fault: _Fault) -> ApiError:
        headers = {}
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = f"{fault.retry_after_ms:g}"
            headers["retry-after"] = str(math.ceil(fault.retry_after_ms / 1000))
        message = _ERROR_MESSAGES.get(fault.status, f"Injected error {fault.status}.")
        error_type = _ERROR_TYPES.get(fault.status, "server_error" if fault.status >= 500 else None)
        if fault.code == "insufficient_quota":
            error_type = "insufficient_quota"
        return ApiError(fault.status, message, type=error_type, code=fault.code, headers=headers)

    def _validate(self, body: JSON, prompt: Prompt, record: RecordedRequest) -> None:
        # The first problem decides code and param; the message carries them all.
        problems: list[tuple[str, str, str | None]] = []
        messages = body.get("messages")
        if not isinstance(body.get("model"), str) or not body["model"]:
            problems.append(("you must provide a model parameter", "model", None))
        if not isinstance(messages, list) or not messages:
            problems.append(("'messages' must be a non-empty array", "messages", None))
        else:
            for i, m in enumerate(messages):
                role = m.get("role") if isinstance(m, dict) else None
                if role not in _ROLES:
                    problems.append((f"Invalid value: {role!r}.", f"messages[{i}].role", None))
        if body.get("stream"):
            problems.append(
                ("stream=true: the fake only answers non-streaming calls", "stream", None)
            )
        if record.prompt_tokens > self.max_prompt_tokens:
            message = (
                f"This model's maximum context length is {self.max_prompt_tokens} tokens. "
                f"However, your messages resulted in {record.prompt_tokens} tokens. "
                "Please reduce the length of the messages."
            )
            problems.append((message, "messages", "context_length_exceeded"))
        for problem in response_format_problems(body.get("response_format")):
            missing = problem.startswith("no json_schema requested")
            problems.append(
                (
                    problem,
                    "response_format",
                    "json_schema_required" if missing else "invalid_json_schema",
                )
            )
        problems += [(p, "messages", "untrusted_text_not_delimited") for p in prompt.problems]
        problems += [
            (p, "messages", "untrusted_text_not_delimited")
            for p in canary_leaks(body, prompt, self.untrusted)
        ]
        if problems:
            record.violations = [message for message, _, _ in problems]
            self.violations += record.violations
            _, param, code = problems[0]
            raise ApiError(400, "; ".join(record.violations), param=param, code=code)

    async def _respond(self, body: JSON) -> str:
        try:
            result = self.responder(body)
            if inspect.isawaitable(result):
                result = await result
        except Exception as error:
            # Surface a broken test responder as a non-retried 500 the test can inspect.
            self.responder_errors.append(error)
            raise ApiError(
                500, f"responder failed: {error!r}", headers={"x-should-retry": "false"}
            ) from error
        if isinstance(result, str):
            return result
        return json.dumps(result, ensure_ascii=False, separators=(",", ":"))

    def _cut(self, content: str, limit: int) -> str:
        # The longest prefix within the limit, found with the counter the fake was given.
        low, high = 0, len(content)
        while low < high:
            middle = (low + high + 1) // 2
            if self.count_tokens(content[:middle]) <= limit:
                low = middle
            else:
                high = middle - 1
        return content[:low]


def _truncate_json(content: str) -> str:
    # A proper prefix of a JSON object never parses: its outer brace is still open.
    cut = content[: max(1, len(content) // 2)]
    try:
        json.loads(cut)
    except ValueError:
        return cut
    return cut + "{"
