"""The tables. Schema changes go through a new migration in storage/migrations/versions, never here alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class Feed(SQLModel, table=True):
    """A feed from rules/feeds.yaml with its polling state; the state lives here so a kill loses nothing."""

    __tablename__ = "feeds"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    source_url: str = Field(sa_type=Text, description="the URL as feeds.yaml gives it")
    url: str = Field(sa_type=Text, description="where it is fetched now (301/308 move it)")
    interval_seconds: float | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True, description="false once removed from feeds.yaml")
    retired: bool = Field(default=False, description="the server said 410 Gone")
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, sa_type=Text)
    next_poll_at: datetime = Field(sa_type=UTCDateTime)
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: str | None = Field(default=None, max_length=32)
    last_http_status: int | None = None
    consecutive_errors: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_feeds_due", "active", "retired", "next_poll_at"),)


class Item(SQLModel, table=True):
    """One feed entry as plain text; (feed_id, key) is unique, so an item seen again is not stored twice."""

    __tablename__ = "items"

    id: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True))
    feed_id: int = Field(foreign_key="feeds.id", ondelete="CASCADE")
    key: str = Field(sa_type=Text)
    url: str | None = Field(default=None, sa_type=Text, description="canonical link, trackers removed")
    title: str = Field(default="", sa_type=Text)
    summary: str = Field(default="", sa_type=Text)
    content: str = Field(default="", sa_type=Text)
    author: str | None = Field(default=None, sa_type=Text)
    language: str | None = Field(default=None, max_length=35)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    content_hash: str = Field(max_length=64)
    revision: int = Field(default=1, description="1 when first stored, +1 each time its content changes")
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        UniqueConstraint("feed_id", "key", name="uq_items_feed_key"),
        Index("ix_items_first_seen", "first_seen_at"),
    )


# Core handles on the tables: the named queries use these, which type-check cleanly.
FEEDS: Table = Feed.__table__  # type: ignore[attr-defined]
ITEMS: Table = Item.__table__  # type: ignore[attr-defined]


class RulesState(SQLModel, table=True):
    """The last rules load of each running daemon: what it runs, and what was wrong with the last edit."""

    __tablename__ = "rules_state"

    owner: str = Field(primary_key=True, max_length=100)
    checked_at: datetime = Field(sa_type=UTCDateTime)
    ok: bool
    fingerprint: str | None = Field(default=None, max_length=64, description="of the set now running")
    loaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claims: int = 0
    problems: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


RULES_STATE: Table = RulesState.__table__  # type: ignore[attr-defined]
