"""Alembic environment: runs migrations on the engine storage.engine.upgrade hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    if connection.dialect.name == "postgresql":
        # Several daemons may start at once: only one migrates, the others wait and find nothing to do.
        connection.execute(text("SELECT pg_advisory_lock(7243001)"))
        connection.commit()
    try:
        context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(7243001)"))
            connection.commit()
