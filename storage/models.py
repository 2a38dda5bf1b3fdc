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
    story_id: int | None = Field(default=None, sa_type=BigInteger, description="set when it matched a claim")
    ledger_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description=(
        "when this revision was matched into the ledger; None means waiting to be matched"))
    pruned_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description=(
        "when retention dropped its text and evidence; the row stays as the feed's key until keys_days"))

    __table_args__ = (
        UniqueConstraint("feed_id", "key", name="uq_items_feed_key"),
        Index("ix_items_first_seen", "first_seen_at"),
        # The ledger's order: NULL ledger_at first in id order is the matching queue, the rest in
        # (ledger_at, id) order is the walk of a replay (`history.stored_items`).
        Index("ix_items_ledger_pending", "ledger_at", "id"),
        Index("ix_items_unpruned", "pruned_at", "first_seen_at"),
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


class Node(SQLModel, table=True):
    """A running daemon and its latest heartbeat; its peers free the leases of one whose heartbeat is stale."""

    __tablename__ = "nodes"

    id: str = Field(primary_key=True, max_length=100, description="the owner name its leases carry")
    host: str = Field(max_length=255)
    pid: int
    version: str = Field(max_length=50)
    started_at: datetime = Field(sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(sa_type=UTCDateTime)
    last_stored_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="its last poll committed")
    problem: str | None = Field(default=None, sa_type=Text, description="why it cannot do its job, as it sees it")


NODES: Table = Node.__table__  # type: ignore[attr-defined]


class Story(SQLModel, table=True):
    """Items that tell the same story (syndicated copies, retitled near-duplicates), folded into one."""

    __tablename__ = "stories"

    id: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True))
    url: str | None = Field(default=None, sa_type=Text, description="canonical link of its first item")
    fingerprint: str = Field(max_length=64, description="digest of the normalised lead: exact copies share it")
    title: str = Field(default="", sa_type=Text)
    lead: str = Field(default="", sa_type=Text, description="normalised opening words, for fuzzy folding")
    first_item_id: int = Field(sa_type=BigInteger)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    copies: int = Field(default=1, description="items folded into it, the first included")

    __table_args__ = (
        Index("ix_stories_fingerprint", "fingerprint"),
        Index("ix_stories_url", "url"),
        Index("ix_stories_last_seen", "last_seen_at"),
    )


class Evidence(SQLModel, table=True):
    """One item's match to one claim by one speaker, and what the ledger decided about it."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True))
    item_id: int = Field(sa_type=BigInteger, foreign_key="items.id", ondelete="CASCADE")
    story_id: int = Field(sa_type=BigInteger, foreign_key="stories.id")
    claim_id: str = Field(max_length=100)
    stance: str = Field(max_length=16)
    speaker: str = Field(max_length=100, description="actor id, or 'unattributed'")
    holder: str = Field(max_length=200, description="whose position it is: the speaker's top affiliation, "
                        "or 'source:<feed>' when unattributed")
    score: float
    quote: str = Field(default="", sa_type=Text)
    why: str = Field(default="", sa_type=Text, description="one line on why it matched")
    explanation: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    feed: str = Field(max_length=200)
    url: str | None = Field(default=None, sa_type=Text)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seen_at: datetime = Field(sa_type=UTCDateTime)
    decision: str = Field(max_length=32, description="what the ledger made of it: see monitor/alerts/decide.py")
    alert_id: str | None = Field(default=None, max_length=32)

    __table_args__ = (
        Index("ix_evidence_claim_seen", "claim_id", "seen_at"),
        Index("ix_evidence_claim_id", "claim_id", "id"),
        Index("ix_evidence_story", "story_id"),
        Index("ix_evidence_item", "item_id"),
    )


class ClaimState(SQLModel, table=True):
    """One row per claim that has evidence: its first corroboration and denial. Locked while a claim's
    ledger changes, so concurrent daemons decide "first" and "new" one at a time."""

    __tablename__ = "claim_states"

    claim_id: str = Field(primary_key=True, max_length=100)
    first_corroboration_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_denial_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Position(SQLModel, table=True):
    """A holder's latest stance on a claim and since when: the claim's picture is its positions."""

    __tablename__ = "positions"

    claim_id: str = Field(primary_key=True, max_length=100)
    holder: str = Field(primary_key=True, max_length=200)
    stance: str = Field(max_length=16)
    since: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    last_evidence_id: int = Field(sa_type=BigInteger)
    last_alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    evidence_count: int = 1


class Alert(SQLModel, table=True):
    """The outbox: an alert decided in the same transaction as its evidence, delivered by the notifier."""

    __tablename__ = "alerts"

    id: str = Field(primary_key=True, max_length=32, description="stable: receivers drop duplicates by it")
    claim_id: str | None = Field(default=None, max_length=100, description="None for operator notices")
    kind: str = Field(max_length=32)
    priority: int = Field(description="1 is the most urgent")
    stance: str | None = Field(default=None, max_length=16)
    holder: str | None = Field(default=None, max_length=200)
    evidence_id: int | None = Field(default=None, sa_type=BigInteger)
    severity: str = Field(default="medium", max_length=16)
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(max_length=16, description="pending, sent, dead, silenced or recorded")
    silence_id: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_alerts_claim_created", "claim_id", "created_at"),
                      Index("ix_alerts_state", "state"))


class Delivery(SQLModel, table=True):
    """One alert to one channel: attempts, backoff, lease and outcome."""

    __tablename__ = "deliveries"

    id: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True))
    alert_id: str = Field(max_length=32, foreign_key="alerts.id", ondelete="CASCADE")
    channel: str = Field(max_length=100)
    group_key: str = Field(max_length=200, description="deliveries sharing it within the window go as one message")
    state: str = Field(max_length=16, description="pending, sent or dead")
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (UniqueConstraint("alert_id", "channel", name="uq_deliveries_alert_channel"),
                      Index("ix_deliveries_due", "state", "next_attempt_at"))


class Silence(SQLModel, table=True):
    """Alerts of a claim (optionally of one speaker) are recorded as silenced, not sent, until it ends."""

    __tablename__ = "silences"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: str = Field(max_length=100)
    speaker: str | None = Field(default=None, max_length=100, description="an actor id: speaker or holder")
    reason: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


STORIES: Table = Story.__table__  # type: ignore[attr-defined]
EVIDENCE: Table = Evidence.__table__  # type: ignore[attr-defined]
CLAIM_STATES: Table = ClaimState.__table__  # type: ignore[attr-defined]
POSITIONS: Table = Position.__table__  # type: ignore[attr-defined]
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
DELIVERIES: Table = Delivery.__table__  # type: ignore[attr-defined]
SILENCES: Table = Silence.__table__  # type: ignore[attr-defined]


class EvidenceCorrection(SQLModel, table=True):
    """An analyst's correction of one piece of evidence: dismissed, or restated with another stance or speaker.
    The evidence row and any alert it caused stay as they were; the claim's picture follows the correction."""

    __tablename__ = "evidence_corrections"

    id: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True))
    evidence_id: int = Field(sa_type=BigInteger, foreign_key="evidence.id", ondelete="CASCADE")
    item_id: int = Field(sa_type=BigInteger, description="the evidence's item: a dismissed item never alerts again")
    claim_id: str = Field(max_length=100)
    action: str = Field(max_length=16, description="dismiss or correct")
    stance: str | None = Field(default=None, max_length=16, description="the corrected stance")
    speaker: str | None = Field(default=None, max_length=100, description="the corrected speaker (an actor id)")
    holder: str | None = Field(default=None, max_length=200, description="whose position it is, once corrected")
    reason: str = Field(sa_type=Text)
    corrected_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_evidence_corrections_evidence", "evidence_id"),
                      Index("ix_evidence_corrections_item_claim", "item_id", "claim_id"))


class ClaimRules(SQLModel, table=True):
    """A claim's matching fields as the daemons last saw them: a new claim, or a changed fingerprint, starts
    a backfill."""

    __tablename__ = "claim_rules"

    claim_id: str = Field(primary_key=True, max_length=100)
    fingerprint: str = Field(max_length=64, description="of statement, subjects, objects, keyphrases, exclusions")
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Backfill(SQLModel, table=True):
    """One claim matched over the items already stored, in id order up to `upto_item_id`; `cursor_item_id`
    is the last item done, so a restarted daemon resumes there, and the lease keeps two daemons apart."""

    __tablename__ = "backfills"

    id: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True))
    claim_id: str = Field(max_length=100)
    reason: str = Field(max_length=32, description="added, edited or by hand")
    since: datetime = Field(sa_type=UTCDateTime, description="items first seen before this are left out")
    upto_item_id: int = Field(sa_type=BigInteger, description="the newest item when it started; later ones are live")
    cursor_item_id: int = Field(sa_type=BigInteger, description="the last item matched")
    state: str = Field(max_length=16, description="waiting, running, done or cancelled")
    items_total: int = 0
    items_done: int = 0
    evidence: int = 0
    summary: bool = Field(default=True, description="send one summary message to the claim's channels when done")
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (Index("ix_backfills_state", "state", "id"), Index("ix_backfills_claim", "claim_id"))


CORRECTIONS: Table = EvidenceCorrection.__table__  # type: ignore[attr-defined]
CLAIM_RULES: Table = ClaimRules.__table__  # type: ignore[attr-defined]
BACKFILLS: Table = Backfill.__table__  # type: ignore[attr-defined]
