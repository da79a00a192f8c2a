"""A job through every real part, as configured: the shipped styles, the AUTOMATIC1111 fake and
the OpenAI fake behind the real back ends, the gatekeeper, the signed provenance record beside
each output and the C2PA manifest inside each image; then /provenance verifies what was posted."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleFrontEnd
from cogs.generation.models import DONE
from tests.fakes.images_server import FakeImages
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sd_webui_server import FakeSDWebUI
from tests.generation.conftest import queue_settings, queue_workers
from tests.generation.jobs_support import START, FakeBackend, JobWorld, job_number
from tests.generation.provenance_support import BOT_KEY, make_certificates
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock


@pytest.fixture
async def real(tmp_path: Path, db_url: str, queue_kind: str) -> AsyncIterator[JobWorld]:
    certs = make_certificates(tmp_path / "c2pa")
    async with FakeSDWebUI() as sd, FakeOpenAI(extensions=[FakeImages()]) as openai:
        generation = {
            "backends": {
                "sd": {"type": "sd_webui", "base_url": sd.base_url, "concurrency": 1},
                "openai": {"type": "openai", "base_url": openai.base_url},
            },
            "jobs": {"poll_seconds": 0.2, **queue_settings(queue_kind)},
            "provenance": {
                "signing_key_env": "BOT_KEY",
                "c2pa_cert_chain": str(certs.chain_pem),
                "c2pa_private_key": str(certs.key_pem),
                "c2pa_trust_anchors": str(certs.ca_pem),
            },
        }
        settings = make_settings(
            tmp_path, db_url, environ={"BOT_KEY": BOT_KEY}, generation=generation
        )
        clock = ManualClock(START)
        async with running_app(settings, clock=clock) as app, queue_workers(queue_kind, app):
            console_out = io.StringIO()
            app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=console_out))
            yield JobWorld(app, clock, FakeBackend(configured=()), console_out)


async def test_an_image_job_posts_signed_images_that_verify(real: JobWorld) -> None:
    answer = await real.on_console(
        "/generate image a lighthouse made of ballots style=brand-illustration count=2 "
        "size=1216x832"
    )
    assert "queued: 2 images in style brand-illustration, 1216x832" in answer
    job = await real.settle(job_number(answer))
    assert job.state == DONE, job.last_error
    assert job.progress == "posted 2 of 2"
    results = [p for p in await real.posts(job.id or 0) if ":output:" in p.key]
    assert [[f[0] for f in r.reply["files"]] for r in results] == [
        [f"job{job.id}-1.png", "provenance.json"],
        [f"job{job.id}-2.png", "provenance.json"],
    ]
    outputs = await real.outputs(job.id or 0)
    for output in outputs:
        shown = await real.on_console(f"/provenance verify {output.sha256}")
        assert "brand-illustration" in shown and "CC0-1.0" in shown
        assert "✗" not in shown, shown
        print(shown)
    assert "C2PA manifest inside" in real.console_out.getvalue()


async def test_copy_outside_the_voice_guide_is_not_posted_and_the_member_is_told_why(
    real: JobWorld,
) -> None:
    """The shipped announcement style asks for 30 words at least; the fake's drafts have 27."""
    answer = await real.on_console(
        '/generate copy "Grants round 4 opens Monday; proposals due in two weeks." '
        "format=announcement count=2"
    )
    assert "queued: 2 announcements in style announcement" in answer
    job = await real.settle(job_number(answer))
    assert job.state == DONE and job.progress == "nothing posted: 2 rejected"
    outputs = await real.outputs(job.id or 0)
    assert [(o.passed, o.posted) for o in outputs] == [(False, False), (False, False)]
    assert all("under the 30 asked for" in o.reasons for o in outputs)
    posts = await real.posts(job.id or 0)
    assert not [p for p in posts if ":output:" in p.key]
    [told] = [p for p in posts if p.key.startswith(f"generation:{job.id}:rejected")]
    assert told.reply["body"].count("under the 30 asked for") == 2
    assert "Nothing posted: 2 rejected" in real.console_out.getvalue()
