"""Prompt tokens sent to the model for a 1,000-post thread: a full summary, then a re-summary
after 20 new posts, each as a ratio to the thread's own tokens.

The thread's own tokens are the token count of its posts' stored texts alone, each counted on
its own, as a steward would paste them (links included): no ids, authors, delimiters or
instructions. For the re-summary it is the whole thread of 1,020 posts. Prompt tokens are what
the model was sent and billed, counted by the OpenAI-compatible fake with the real tiktoken
(o200k_base for gpt-4o-mini), independent of the counter Steward budgets with.

Runs the real summarizer and the real openai client against the fake, with the context budget
of a small model (16k tokens), on several threads: the synthetic debate of the summarizer tests,
and the generated forum's 1,000-post debate (as the forum sync stores it: cooked HTML to text)
for a few seeds. Prints one row per thread and the median of the ratios.

    .venv/bin/python -m bench.summary_tokens [--posts 1000] [--budget 16000] [--seeds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass

from cogs.debates.html_text import cooked_to_text
from summarizer.cache import MemoryCache
from summarizer.llm import LanguageModel
from summarizer.mapreduce import MapReduceSummarizer
from summarizer.schema import PostInput, Provenance
from summarizer.tokens import TokenCounter
from tests.fakes.discourse_forum import generate_forum
from tests.fakes.openai_server import FakeOpenAI
from tests.summarizer.reference import reference_counter
from tests.support.debate import synthetic_posts

MODEL = "gpt-4o-mini"
NEW_POSTS = 20


@dataclass
class Thread:
    name: str
    posts: list[PostInput]  # the first `--posts`, then the 20 new ones
    opening: bool


def forum_thread(seed: int, count: int) -> Thread:
    forum = generate_forum(seed=seed, topics=0, debate_posts=count + NEW_POSTS)
    topic = forum.topics[forum.debate_topic_id or 0]
    posts = [
        PostInput(
            id=f"P{post.id}",
            author=forum.users[post.user_id].username,
            text=cooked_to_text(post.cooked),
            likes=post.likes,
        )
        for post in topic.live_posts
        if post.post_type == 1
    ]
    return Thread(f"forum debate, seed {seed}", posts[: count + NEW_POSTS], opening=True)


def synthetic_thread(count: int) -> Thread:
    return Thread("synthetic debate", synthetic_posts(count + NEW_POSTS), opening=False)


@dataclass
class Result:
    thread: str
    own_tokens: int
    own_tokens_after: int
    full: Provenance
    incremental: Provenance

    @property
    def full_ratio(self) -> float:
        return self.full.prompt_tokens / self.own_tokens

    @property
    def incremental_ratio(self) -> float:
        return self.incremental.prompt_tokens / self.own_tokens_after


async def measure(thread: Thread, count: int, budget: int) -> Result:
    reference = reference_counter(MODEL)
    first, everything = thread.posts[:count], thread.posts
    cache = MemoryCache()
    async with FakeOpenAI(count_tokens=reference, max_prompt_tokens=budget) as fake:
        model = LanguageModel(model=MODEL, api_key="bench", base_url=fake.base_url, timeout=30)
        summarizer = MapReduceSummarizer(model, TokenCounter(MODEL), cache, budget)
        try:
            _, full, _ = await summarizer.summarize(first, "Treasury RFC", opening=thread.opening)
            _, incremental, _ = await summarizer.summarize(
                everything, "Treasury RFC", full.boundaries, opening=thread.opening
            )
        finally:
            await model.close()
        if fake.violations:
            raise SystemExit(f"the fake saw contract violations: {fake.violations}")
        if full.prompt_tokens + incremental.prompt_tokens != fake.total_prompt_tokens:
            raise SystemExit("the summarizer's token count differs from what the fake billed")
    return Result(
        thread.name,
        sum(reference(p.text) for p in first),
        sum(reference(p.text) for p in everything),
        full,
        incremental,
    )


async def main(count: int, budget: int, seeds: int) -> None:
    threads = [synthetic_thread(count), *(forum_thread(seed, count) for seed in range(seeds))]
    results = [await measure(thread, count, budget) for thread in threads]
    print(f"{count}-post threads, then {NEW_POSTS} new posts; budget {budget:,} tokens a call")
    print(
        "| thread | own tokens | full: calls | full: prompt tokens | full: ratio "
        f"| +{NEW_POSTS}: calls (cached) | +{NEW_POSTS}: prompt tokens | +{NEW_POSTS}: ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.thread} | {r.own_tokens:,} | {r.full.model_calls} | "
            f"{r.full.prompt_tokens:,} | {r.full_ratio:.2f} | "
            f"{r.incremental.model_calls} ({r.incremental.cached_chunks}) | "
            f"{r.incremental.prompt_tokens:,} | {r.incremental_ratio:.3f} |"
        )
    print(
        f"| **median** | | | | {statistics.median(r.full_ratio for r in results):.2f} | | | "
        f"{statistics.median(r.incremental_ratio for r in results):.3f} |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=16000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.posts, args.budget, args.seeds))
