"""The onboarding feature starts with the app and its tables exist on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from tests.support.apps import make_settings, running_app


async def test_onboarding_tables_and_runtime(tmp_path: Path, db_url: str) -> None:
    settings = make_settings(tmp_path, db_url, onboarding={"skills": ["solidity", "design"]})
    async with running_app(settings) as app:
        async with app.db.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"contributor_profile", "onboarding_flow"} <= tables
        runtime = app.runtimes["onboarding"]
        assert runtime.config.skills_for("test-dao") == ["solidity", "design"]
