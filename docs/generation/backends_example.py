"""Print the back ends' part of docs/generation/backends.md: the shipped styles as /styles shows
them, a batch from the AUTOMATIC1111 fake (seeds from its info string), images from the OpenAI
images fake, copy drafts from the chat fake, and the messages a member gets when something is
missing or fails. Everything runs against the local fakes, through the real clients.

    PYTHONPATH=. .venv/bin/python docs/generation/backends_example.py
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from pathlib import Path

from bot.http import HttpClient, HttpPolicy
from cogs.generation.backends import Backends
from cogs.generation.config import GenerationConfig
from cogs.generation.contracts import GenerationRequest, Requester, Style
from cogs.generation.styles import load_styles
from cogs.generation.styles_commands import render_styles
from summarizer.generation import GenerationError
from summarizer.images import png_size
from tests.fakes.images_server import FakeImages
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sd_webui_server import FakeSDWebUI

MEMBER = Requester("discord", "1234", "alice")


def ask(
    style: Style, prompt: str, count: int, size: str = "", format: str = ""
) -> GenerationRequest:
    return GenerationRequest(
        kind=style.kind, prompt=prompt, style=style, count=count, requester=MEMBER, size=size,
        format=format,
    )  # fmt: skip


async def main() -> bytes:
    """Prints the page's output; returns the first brand illustration's PNG."""
    styles = load_styles(Path("config/styles"))
    images = FakeImages()
    async with FakeSDWebUI() as sd, FakeOpenAI(extensions=[images]) as openai:
        settings = GenerationConfig.model_validate(
            {
                "backends": {
                    "sd": {"type": "sd_webui", "base_url": sd.base_url},
                    "openai": {"type": "openai", "base_url": openai.base_url},
                }
            }
        )
        async with HttpClient(HttpPolicy(allow_private=("127.0.0.1",))) as http:
            backends = Backends(settings, http)
            print("## /styles\n")
            print(render_styles(styles, backends).plain_text(), "\n")

            print("## brand-illustration on the AUTOMATIC1111 fake, count 3, 1216x832\n")
            outputs = await backends.generate(
                ask(
                    styles["brand-illustration"], "a lighthouse made of ballots", 3, size="1216x832"
                )
            )
            body = sd.requests[0].body
            print(
                "sent:", {k: body[k] for k in ("prompt", "negative_prompt", "seed", "batch_size")}
            )
            for output in outputs:
                digest = hashlib.sha256(output.data).hexdigest()[:16]
                print(
                    f"- {output.media_type} {png_size(output.data)} {len(output.data)} bytes "
                    f"seed={output.seed} model={output.model} sha256={digest}…"
                )
            first = outputs[0].data

            print("\n## community-photo on the OpenAI images fake, count 2\n")
            photos = await backends.generate(
                ask(styles["community-photo"], "members planting a community garden", 2)
            )
            print("sent:", images.requests[0].body)
            for output in photos:
                print(
                    f"- {output.media_type} {png_size(output.data)} tokens {output.prompt_tokens}"
                    f"/{output.completion_tokens} parameters={dict(output.parameters)}"
                )

            print("\n## announcement copy, tweet thread, count 2\n")
            drafts = await backends.generate(
                ask(
                    styles["announcement"],
                    "Grants round 4 opens Monday; proposals due in two weeks.",
                    2,
                    format="tweet thread",
                )
            )
            for number, draft in enumerate(drafts, 1):
                print(f"draft {number} ({draft.prompt_tokens}+{draft.completion_tokens} tokens):")
                print(draft.data.decode(), "\n")
            print("system prompt sent:\n")
            print(openai.requests[0].body["messages"][0]["content"], "\n")

            print("## what a member is told\n")
            print("-", Backends(GenerationConfig(), http).missing(styles["brand-illustration"]))
            sd.fail_next(500)
            sd.garbage_next("not_png")
            for _ in range(2):
                try:
                    await backends.generate(ask(styles["brand-illustration"], "a fox", 1))
                except GenerationError as exc:
                    kind = "transient, retried" if exc.transient else "final"
                    print(f"- ({kind}) {exc}")
            await backends.close()
        async with HttpClient() as closed:
            try:
                await Backends(settings, closed).generate(ask(styles["brand-illustration"], "x", 1))
            except GenerationError as exc:
                print(f"- (final) {exc}")
    return first


if __name__ == "__main__":
    png = asyncio.run(main())
    if len(sys.argv) > 1:  # a path to save the first illustration to, to look at it
        Path(sys.argv[1]).write_bytes(png)
