from __future__ import annotations

import io
import json
import logging

from bot.log import JsonFormatter, Redactor


def test_secrets_and_tokens_never_reach_the_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor(["my-openai-key-123"]))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("calling with %s", "my-openai-key-123")
        logger.info(
            "HTTP Request: POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe"
        )
        logger.info("db", extra={"url": "postgresql://steward:hunter2@db/steward"})
        try:
            raise ValueError("Authorization: Bearer sk-abcdefghijklmnop")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    for secret in ("my-openai-key-123", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "hunter2", "sk-abc"):
        assert secret not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert [entry["level"] for entry in lines] == ["info", "info", "info", "error"]
    assert lines[2]["url"] == "postgresql://steward:***@db/steward"
