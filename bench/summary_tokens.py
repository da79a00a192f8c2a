"""Tokens sent to the model for a 1,000-post thread: a full summary, then an incremental one
after 20 new posts, each as a ratio to the thread's own token count (its posts' text).

Runs the real summarizer and the real openai client against the local OpenAI-compatible fake,
with the context budget of a small model (16k tokens).

    .venv/bin/python -m bench.summary_tokens [--posts 1000] [--budget 16000]
"""

from __future__ import annotations

import argparse
import asyncio

from summarizer.cache import MemoryCache
from summarizer.llm import LanguageModel
from summarizer.mapreduce import MapReduceSummarizer
from summarizer.tokens import TokenCounter
from tests.fakes.openai_server import FakeOpenAI
from tests.support.debate import synthetic_posts

MODEL = "gpt-4o-mini"


async def main(posts_count: int, budget: int) -> None:
    counter = TokenCounter(MODEL)
    posts = synthetic_posts(posts_count)
    thread_tokens = sum(counter.count(p.text) for p in posts)
    cache = MemoryCache()
    async with FakeOpenAI(count_tokens=counter.count, max_prompt_tokens=budget) as fake:
        model = LanguageModel(model=MODEL, api_key="bench", base_url=fake.base_url, timeout=30)
        summarizer = MapReduceSummarizer(model, counter, cache, budget)
        try:
            _, full, _ = await summarizer.summarize(posts, "Treasury RFC")
            more = posts + synthetic_posts(20, start=posts_count)
            more_tokens = sum(counter.count(p.text) for p in more)
            _, incremental, _ = await summarizer.summarize(more, "Treasury RFC", full.boundaries)
        finally:
            await model.close()
        if fake.violations:
            raise SystemExit(f"the fake saw contract violations: {fake.violations}")
    print(f"thread: {posts_count} posts, {thread_tokens:,} tokens of text; budget {budget:,}")
    print("| run | model calls | cached chunks | prompt tokens | ratio to thread |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| full summary | {full.model_calls} | {full.cached_chunks} | "
        f"{full.prompt_tokens:,} | {full.prompt_tokens / thread_tokens:.2f} |"
    )
    print(
        f"| after 20 new posts | {incremental.model_calls} | {incremental.cached_chunks} | "
        f"{incremental.prompt_tokens:,} | {incremental.prompt_tokens / more_tokens:.2f} |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=16000)
    args = parser.parse_args()
    asyncio.run(main(args.posts, args.budget))
