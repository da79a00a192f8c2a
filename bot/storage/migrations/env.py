"""Alembic environment: always handed a live connection by bot.storage.migrate."""

from __future__ import annotations

from alembic import context

from bot.storage.metadata import all_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `steward db upgrade`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=all_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
