"""Print docs/generation/gatekeeper.md's examples: the gatekeeper's verdicts on prompts and
outputs, with moderation and critique answered by the local fake (tests/fakes/moderation_server.py)
through the real openai client.

    PYTHONPATH=. .venv/bin/python docs/generation/gatekeeper_example.py
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from cogs.generation.contracts import Verdict
from cogs.generation.gatekeeper import Gatekeeper, GatekeeperConfig
from summarizer.critique import Critic
from summarizer.moderation import Moderator
from tests.fakes.moderation_server import FakeModeration
from tests.generation.gatekeeper_support import (
    ACME_COPY,
    ACME_IMAGE,
    CRITIQUE,
    copy_output,
    image_output,
    png,
    request,
)

GOOD = "Acme DAO opens its grants round on Monday. Bring your ideas and your friends."


def show(label: str, verdict: Verdict) -> None:
    score = "" if verdict.score is None else f" (score {verdict.score:.2f})"
    print(f"{label}: {'passed' if verdict.passed else 'refused'}{score}")
    for reason in verdict.reasons:
        print(f"    {reason}")


async def main() -> None:
    logging.disable(logging.WARNING)
    keeper = Gatekeeper.from_config(
        GatekeeperConfig(blocked_terms=("ponzi",), max_prompt_chars=200)
    )
    async with FakeModeration(api_key="k") as fake:
        fake.flag_words = {"bloodbath": "violence"}
        fake.off_brand = {"lambo"}
        moderator = Moderator(api_key="k", base_url=fake.base_url, backoff=0)
        critic = Critic(api_key="k", base_url=fake.base_url, backoff=0)
        image = replace(ACME_IMAGE, moderation=True, critique=CRITIQUE)
        copy = replace(ACME_COPY, moderation=True, critique=CRITIQUE)
        services = {"moderator": moderator, "critic": critic}

        for label, prompt in [
            ("'a lighthouse at dawn'", "a lighthouse at dawn"),
            ("'this r<ZWJ>ug-pull poster'", "this r\u200dug-pull poster"),
            ("'a ＰＯＮＺＩ chart'", "a ＰＯＮＺＩ chart"),
            ("'a bloodbath at the vote'", "a bloodbath at the vote"),
            ("250 characters", "x" * 250),
        ]:
            show(
                f"prompt {label}",
                await keeper.check_prompt(request(image, prompt=prompt), moderator=moderator),
            )
        for number, (label, data) in enumerate(
            [
                ("a 64x48 PNG", png()),
                ("a 32x32 PNG where 64x48 was asked", png(32, 32)),
                ("a single-colour PNG", png(mark=False)),
                ("a grey PNG", png(colour=(120, 120, 120), grey=True)),
                ("an HTML error page", b"<html>502 Bad Gateway</html>"),
            ],
            start=1,
        ):
            verdict = await keeper.check_output(
                request(image), image_output(data), number=number, **services
            )
            show(f"image {number}, {label}", verdict)
        for number, (label, text) in enumerate(
            [
                ("on brief", GOOD),
                ("with avoided words", GOOD + " Guaranteed returns, wagmi!"),
                ("off brand", GOOD + " Buy a lambo."),
            ],
            start=1,
        ):
            verdict = await keeper.check_output(
                request(copy), copy_output(text), number=number, **services
            )
            show(f"copy {number}, {label}", verdict)
        fake.fail_next(500, count=2)
        verdict = await keeper.check_output(request(copy), copy_output(GOOD), number=4, **services)
        show("copy 4, moderation answering 500 twice", verdict)
        await moderator.close()
        await critic.close()


if __name__ == "__main__":
    asyncio.run(main())
