"""Print the README's debates exchange: a real `steward run`, driven through its console, syncing
the generated forum the tests serve from the fake Discourse and summarizing its 600-post debate,
first offline, then with a model (the OpenAI-compatible fake).

    PYTHONPATH=. .venv/bin/python docs/debate_example.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from bench.memory import Console
from tests.fakes.discourse_forum import generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.openai_server import FakeOpenAI


def config_text(data_dir: Path, forum_url: str, model_url: str | None) -> str:
    model = f'[llm]\nbase_url = "{model_url}"\nmodel = "gpt-4o-mini"\ncontext_budget = 16000\n'
    return f"""
data_dir = "{data_dir}"
[log]
level = "WARNING"
{model if model_url else ""}
[http]
allow_private = ["127.0.0.1"]

[[debates.forums]]
url = "{forum_url}"
requests_per_minute = 60000
"""


async def exchange(
    tmp: Path, forum: FakeDiscourse, model_url: str | None, lines: list[str]
) -> None:
    config = tmp / "steward.toml"
    config.write_text(config_text(tmp / "data", forum.base_url, model_url))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--as", "steward", "--config", str(config),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "OPENAI_API_KEY": "example-key"} if model_url else _without_key(),
        cwd=Path(__file__).parents[1],
    )  # fmt: skip
    console = Console(process)
    try:
        for line in lines:
            reply = (await console.run(line)).split("✗ Sorry")[0].strip()  # the marker's answer
            shown = f"> {line}\n{reply}\n"
            print(shown.replace(forum.base_url, "https://forum.meridiandao.example"))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        await process.wait()


def _without_key() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "OPENAI_API_KEY"}


async def main() -> None:
    forum = FakeDiscourse(generate_forum(seed=0), limits=RateLimits.off())
    await forum.start()
    try:
        topic = forum.forum.topics[forum.forum.debate_topic_id or 0]
        url = f"{forum.base_url}/t/{topic.slug}/{topic.id}"
        with tempfile.TemporaryDirectory() as tmp:
            print("## offline\n")
            await exchange(Path(tmp), forum, None, ["/sync", f"/summarize {url}", "/sync"])
        async with FakeOpenAI(max_prompt_tokens=1_000_000) as model:
            with tempfile.TemporaryDirectory() as tmp:
                print("## model\n")
                await exchange(
                    Path(tmp), forum, model.base_url, ["/sync", f"/summarize {url}", "/usage"]
                )
    finally:
        await forum.stop()


if __name__ == "__main__":
    asyncio.run(main())
