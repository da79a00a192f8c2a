"""OpenAI's embeddings endpoint, faked with vectors where related words are near.

Served by FakeOpenAI on its own port (``fake.embeddings``), so one base URL answers chat and
embeddings as OpenAI's does.

Wire behaviour: ``POST /v1/embeddings`` with ``model``, ``input`` (a string or a list of up to
2,048 non-empty strings), optional ``dimensions`` and ``encoding_format`` (``float``, or
``base64``: little-endian float32, the SDK's default) answers
``{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model",
"usage": {"prompt_tokens", "total_tokens"}}``; errors have OpenAI's shape. 401 on a wrong key
when the fake has one.

The "model": a hashed bag of words. Each word is lower-cased, stemmed (Snowball, as the
full-text indexes stem), mapped through a small synonym table to its concept ("payout",
"stipend", "grant" and "compensation" are all *payment*), and counted in its concept's
dimension (the table's concepts have one each; other words are hashed into the rest); the
vector is normalised. So texts sharing concepts are near even when they
share no word, and unrelated texts are near orthogonal: enough for a test to show a passage
found by meaning.

Faults: ``fail_next(status, count, retry_after_ms)`` and ``hang_next(seconds, count)``, one
queue for this endpoint alone. Records: ``requests`` (every request: inputs, model, status) and
``total_tokens`` (billed requests).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import snowballstemmer
from aiohttp import web

# text-embedding-3-small's size; fewer dimensions would make unrelated words collide.
DEFAULT_DIMS = 1536
MAX_INPUTS = 2048

SYNONYMS: tuple[tuple[str, ...], ...] = (
    (
        "payment",
        "pay",
        "payout",
        "grant",
        "stipend",
        "compensation",
        "reimbursement",
        "salary",
        "funding",
        "bounty",
    ),
    ("vote", "ballot", "poll", "referendum", "snapshot"),
    ("treasury", "reserve", "multisig", "safe"),
    ("guide", "handbook", "manual", "documentation", "docs", "playbook"),
    ("brand", "logo", "identity", "styleguide"),
    ("decide", "decision", "resolve", "agree", "approve", "ratify"),
    ("budget", "allocation", "spend", "spending"),
    ("committee", "council", "board"),
    ("delegate", "representative", "steward"),
    ("bug", "defect", "incident", "outage"),
    ("meeting", "call", "sync", "standup"),
    ("contributor", "member", "volunteer"),
)
STOPWORDS = frozenset(
    "a an and are as at be by did do does for from how i in is it of on or our the this to "
    "was we what when where which who why will with you".split()
)
_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("english")


def _concepts() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYMS:
        for word in group:
            table[_STEMMER.stemWord(word)] = group[0]
    return table


_CONCEPT = _concepts()
_GROUP = {group[0]: number for number, group in enumerate(SYNONYMS)}


def concepts(text: str) -> list[str]:
    """The text's content words, as the concepts the fake embeds."""
    stems = (_STEMMER.stemWord(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS)
    return [_CONCEPT.get(s, s) for s in stems]


def _dimension(concept: str, dims: int) -> int:
    """The synonym table's concepts own the first dimensions, so no two of them ever collide;
    other words hash into the rest."""
    if concept in _GROUP:
        return _GROUP[concept] % dims
    digest = hashlib.sha256(concept.encode()).digest()
    spare = max(1, dims - len(SYNONYMS))
    return (len(SYNONYMS) + int.from_bytes(digest[:8], "little") % spare) % dims


def embed(text: str, dims: int = DEFAULT_DIMS) -> list[float]:
    """The fake's vector for a text: a normalised, hashed bag of concepts."""
    vector = [0.0] * dims
    for concept in concepts(text):
        vector[_dimension(concept, dims)] += 1.0
    norm = sum(v * v for v in vector) ** 0.5
    return [v / norm for v in vector] if norm else vector


@dataclass
class EmbeddingRequest:
    inputs: list[str]
    model: str
    status: int = 0
    tokens: int = 0


@dataclass
class _Fault:
    kind: str
    status: int = 0
    seconds: float = 0.0
    retry_after_ms: float | None = None


def _error(status: int, message: str, code: str | None = None, **headers: str) -> web.Response:
    kind = {401: "invalid_request_error", 429: "requests"}.get(
        status, "server_error" if status >= 500 else "invalid_request_error"
    )
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return web.json_response(body, status=status, headers=headers)


@dataclass
class FakeEmbeddings:
    count_tokens: Callable[[str], int]
    api_key: str | None = None
    requests: list[EmbeddingRequest] = field(default_factory=list)
    _faults: deque[_Fault] = field(default_factory=deque)
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    def add_routes(self, app: web.Application) -> None:
        self._closing = asyncio.Event()
        app.router.add_post("/v1/embeddings", self._handle)

    def close(self) -> None:
        self._closing.set()

    def fail_next(self, status: int, count: int = 1, retry_after_ms: float | None = None) -> None:
        self._faults.extend(
            _Fault("fail", status, retry_after_ms=retry_after_ms) for _ in range(count)
        )

    def hang_next(self, seconds: float, count: int = 1) -> None:
        self._faults.extend(_Fault("hang", seconds=seconds) for _ in range(count))

    @property
    def total_tokens(self) -> int:
        return sum(r.tokens for r in self.requests if r.status == 200)

    @property
    def texts_embedded(self) -> int:
        return sum(len(r.inputs) for r in self.requests if r.status == 200)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        record = EmbeddingRequest(inputs=[], model="")
        self.requests.append(record)
        response = await self._answer(request, record)
        record.status = response.status
        return response

    async def _answer(self, request: web.Request, record: EmbeddingRequest) -> web.Response:
        header = request.headers.get("Authorization", "")
        if self.api_key is not None and header != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.seconds)
        if fault is not None and fault.kind == "fail":
            headers = {}
            if fault.retry_after_ms is not None:
                headers["retry-after-ms"] = f"{fault.retry_after_ms:g}"
            return _error(fault.status, f"Injected error {fault.status}.", **headers)
        inputs = body.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return _error(400, "you must provide a model parameter")
        if (
            not isinstance(inputs, list)
            or not inputs
            or len(inputs) > MAX_INPUTS
            or not all(isinstance(text, str) and text for text in inputs)
        ):
            return _error(400, "'$.input' is invalid. Please check the API reference.")
        dims = body.get("dimensions", DEFAULT_DIMS)
        if not isinstance(dims, int) or dims < 1:
            return _error(400, "'dimensions' must be a positive integer")
        record.inputs, record.model = inputs, model
        record.tokens = sum(self.count_tokens(text) for text in inputs)
        base64_wanted = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(inputs):
            vector = embed(text, dims)
            encoded: Any = (
                base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode()
                if base64_wanted
                else vector
            )
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": record.tokens, "total_tokens": record.tokens},
            }
        )
