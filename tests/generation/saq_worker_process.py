"""A generation worker process for the saq tests: `steward worker generation`'s own set-up
(bot.workers.worker_context, the same settings file and database, the feature's worker and its
configured parts) and the real saq workers,
with the job suite's styles and a back end that draws real PNGs.

    python -m tests.generation.saq_worker_process --config worker.toml

STEWARD_TEST_STARTED names a file where each generation's job id is appended as it starts;
while the file STEWARD_TEST_HOLD names exists, generations wait (so a test can kill the process
in the middle of a job).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import cogs
from bot.context import FeatureContext
from bot.features import config_models, discover
from bot.log import configure_logging
from bot.settings import load_settings
from bot.workers import worker_context
from cogs.generation import worker_with
from cogs.generation.config import GenerationConfig
from cogs.generation.contracts import GenerationRequest, Style
from cogs.generation.jobs_wiring import Parts, configured_parts
from summarizer.generation import IMAGE_PNG, GeneratedOutput
from tests.generation.jobs_support import STYLES, draw_png


class DrawingBackend:
    def __init__(self, started: Path | None, hold: Path | None) -> None:
        self.started = started
        self.hold = hold

    def missing(self, style: Style) -> str | None:
        return None

    async def generate(self, request: GenerationRequest) -> Sequence[GeneratedOutput]:
        if self.started is not None:
            with self.started.open("a", encoding="utf-8") as out:
                out.write(f"{os.getpid()} {request.prompt}\n")
        while self.hold is not None and self.hold.exists():  # noqa: ASYNC110 (another process)
            await asyncio.sleep(0.05)
        seed = request.seed or 0
        data = draw_png(seed, request.size, request.prompt)
        return [GeneratedOutput(IMAGE_PNG, data, request.style.model, seed=seed)]


async def work(config_path: Path) -> None:
    available = discover(cogs)
    settings = load_settings(config_path, config_models(available))
    configure_logging(settings.log.level, settings.log.format, settings.secret_values())
    started = os.environ.get("STEWARD_TEST_STARTED")
    hold = os.environ.get("STEWARD_TEST_HOLD")
    backend = DrawingBackend(Path(started) if started else None, Path(hold) if hold else None)

    @asynccontextmanager
    async def parts(ctx: FeatureContext[GenerationConfig]) -> AsyncIterator[Parts]:
        async with configured_parts(ctx) as configured:
            yield configured.with_generation(STYLES, backend)

    async with worker_context(settings, available, "generation") as ctx:
        await worker_with(parts)(ctx)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    asyncio.run(work(parser.parse_args().config))
