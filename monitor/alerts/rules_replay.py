"""`claimwatch rules replay`: a rules folder (an analyst's edited copy) run over the stored items through the
daemon's own decision (`decide.decide_item`), with the claim ledger kept in memory, and compared with what
was recorded. It writes nothing.

Each claim's ledger starts as it stood when the window opens: the picture rebuilt from the evidence recorded
before then (corrections applied), and the stories that already had evidence. Items are then taken in the
order the ledger recorded them (several poll workers store items side by side, so an item stored later may
have been recorded first, and "first" and "copy of" follow the ledger's order); an item keeps the story it
was folded into, or is folded in memory when it matched nothing before. Silences are left out on both sides:
an alert held back by a silence counts as an alert.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine

from monitor.alerts.decide import ClaimContext, Decided, ItemDecision, counting, decide_item, policy_for
from monitor.alerts.explain import why
from monitor.alerts.picture import rebuild
from monitor.alerts.stories import find_story, story_key
from monitor.config import AlertSettings
from monitor.matching.matcher import Matcher
from monitor.matching.model import Match
from monitor.rulebook.loader import RuleBook
from storage.corrections import claim_evidence
from storage.engine import reading
from storage.history import (
    RecordedMatch,
    StoredItem,
    count_stored_items,
    dismissed_pairs,
    ledger_start,
    recorded_matches,
    stored_items,
    stories_covered_before,
)
from storage.ledger import ClaimStateRow, PositionRow, StoryRow

BATCH = 500


class ChangeKind(StrEnum):
    """How the replay differs from the record for one holder of one claim in one item."""

    new_alert = "new_alert"
    dropped_alert = "dropped_alert"
    stance = "stance"
    speaker = "speaker"


@dataclass(frozen=True)
class Side:
    """What one side (recorded or replayed) made of a holder's match in an item."""

    stance: str
    speaker: str
    decision: str
    alerted: bool


@dataclass(frozen=True)
class Change:
    """One difference, with the item and the replayed matcher's explanation."""

    claim_id: str
    kind: ChangeKind
    item_id: int
    title: str
    url: str | None
    feed: str
    holder: str
    recorded: Side | None
    replayed: Side | None
    explanation: str


@dataclass(frozen=True)
class ReplayReport:
    """The replay's outcome: how many items, which claims, and every change."""

    since: datetime
    items: int
    claims: tuple[str, ...]
    changes: tuple[Change, ...]

    def count(self, kind: ChangeKind) -> int:
        """How many changes of this kind."""
        return sum(change.kind == kind for change in self.changes)


@dataclass
class Simulation:
    """The claim ledger in memory: each claim's state and positions, which stories cover which claims, and
    the stories started in memory (negative ids) for items that matched nothing when they were recorded,
    each claim's kept while they are inside the story window."""

    book: RuleBook
    settings: AlertSettings
    states: dict[str, ClaimStateRow]
    positions: dict[str, dict[str, PositionRow]]
    covered: set[tuple[int, str]]
    started: int = 0
    by_key: dict[str, list[StoryRow]] = field(default_factory=dict)
    by_claim: dict[str, deque[tuple[datetime, StoryRow]]] = field(default_factory=dict)

    def step(self, stored: StoredItem, matches: Sequence[Match], dismissed: set[str]) -> ItemDecision:
        """Decide the item's matches as the daemon would and carry the ledger forward."""
        item = stored.item
        claim_ids = sorted({m.claim_id for m in matches})
        if not claim_ids:
            return ItemDecision((), {}, {})
        story_id = stored.story_id if stored.story_id is not None else self._fold(stored, claim_ids)
        contexts = {claim_id: ClaimContext(policy_for(self.book, claim_id, self.settings), self.states[claim_id],
                                           self.positions[claim_id], (), (story_id, claim_id) in self.covered,
                                           claim_id in dismissed) for claim_id in claim_ids}
        outcome = decide_item(item, matches, contexts, item.first_seen_at)
        for claim_id in claim_ids:
            self.states[claim_id] = outcome.states[claim_id]
            self.positions[claim_id] = dict(outcome.positions[claim_id])
            self.covered.add((story_id, claim_id))
        return outcome

    def _fold(self, stored: StoredItem, claim_ids: Sequence[str]) -> int:
        """The item's story among those started in memory, or a new one."""
        item = stored.item
        key = story_key(item.url, item.title, item.text)
        window = item.first_seen_at - timedelta(seconds=self.settings.story_window_seconds)
        candidates = {s.id: s for k in (key.url, key.fingerprint) if k for s in self.by_key.get(k, ())}
        for claim_id in claim_ids:
            recent = self.by_claim.setdefault(claim_id, deque())
            while recent and recent[0][0] < window:
                recent.popleft()
            candidates.update((s.id, s) for _, s in recent)
        story = find_story(key, list(candidates.values()))
        if story is None:
            self.started += 1
            story = StoryRow(-self.started, key.url, key.fingerprint, key.title, key.lead)
            for k in (key.url, key.fingerprint):
                if k:
                    self.by_key.setdefault(k, []).append(story)
        for claim_id in claim_ids:
            self.by_claim[claim_id].append((item.first_seen_at, story))
        return story.id


def replay(engine: Engine, book: RuleBook, settings: AlertSettings, *, since: datetime,
           claim_ids: Iterable[str] | None = None, progress: Callable[[int], None] | None = None) -> ReplayReport:
    """Run the book's active claims (or those of `claim_ids`) over the items stored since `since`."""
    wanted = set(claim_ids) if claim_ids is not None else None
    claims = tuple(c.id for c in book.claims if c.status == "active" and (wanted is None or c.id in wanted))
    matcher = Matcher(book.ruleset(list(claims)))
    changes: list[Change] = []
    items = 0
    with reading(engine) as connection:
        simulation = _start(connection, book, settings, claims, since)
        for batch in _batches(connection, since):
            ids = [stored.item.id for stored in batch]
            recorded = _by_item(recorded_matches(connection, ids, claims))
            dismissed = dismissed_pairs(connection, ids)
            for stored in batch:
                item = stored.item
                matches = counting(book, matcher.match(item.title, item.text, item.language), item)
                outcome = simulation.step(stored, matches, {c for i, c in dismissed if i == item.id})
                changes.extend(compare(stored, recorded.get(item.id, []), outcome.decided, matcher))
            items += len(batch)
            if progress is not None:
                progress(len(batch))
    return ReplayReport(since, items, claims, tuple(changes))


def _batches(connection: Connection, since: datetime) -> Iterator[list[StoredItem]]:
    """The items to replay, page by page in the ledger's order."""
    after = ledger_start(connection, since)
    while after is not None:
        page = stored_items(connection, since=since, after=after, limit=BATCH)
        if page.items:
            yield page.items
        after = page.last


def items_to_replay(engine: Engine, since: datetime) -> int:
    """How many stored items a replay since `since` goes through (for a progress bar)."""
    with reading(engine) as connection:
        return count_stored_items(connection, since=since)


def _start(connection: Connection, book: RuleBook, settings: AlertSettings, claims: Sequence[str],
           since: datetime) -> Simulation:
    pictures = {claim_id: rebuild(claim_id, claim_evidence(connection, claim_id, before=since)) for claim_id in claims}
    return Simulation(book, settings, {claim_id: picture.state for claim_id, picture in pictures.items()},
                      {claim_id: {p.holder: p for p, _ in picture.positions} for claim_id, picture in pictures.items()},
                      stories_covered_before(connection, since, claims) if claims else set())


def _by_item(rows: Iterable[RecordedMatch]) -> dict[int, list[RecordedMatch]]:
    grouped: dict[int, list[RecordedMatch]] = {}
    for row in rows:
        grouped.setdefault(row.item_id, []).append(row)
    return grouped


def compare(stored: StoredItem, recorded: Sequence[RecordedMatch], replayed: Sequence[Decided],
            matcher: Matcher) -> list[Change]:
    """The differences for one item: per (claim, holder), the first match on each side (the one that spoke
    for the holder) compared."""
    before: dict[tuple[str, str], Side] = {}
    for row in recorded:
        before.setdefault((row.claim_id, row.holder), Side(row.stance, row.speaker, row.decision,
                                                           row.alert_id is not None))
    after: dict[tuple[str, str], tuple[Side, Decided]] = {}
    for decided in replayed:
        side = Side(decided.match.label, decided.match.speaker, decided.decision.recorded_as, decided.decision.enqueued)
        after.setdefault((decided.match.claim_id, decided.holder), (side, decided))
    changes = []
    for key in sorted(before.keys() | after.keys()):
        old = before.get(key)
        new = after[key][0] if key in after else None
        kind = _kind(old, new)
        if kind is None:
            continue
        item = stored.item
        explanation = why(after[key][1].match) if key in after else \
            matcher.explain(key[0], item.title, item.text).reason
        changes.append(Change(key[0], kind, item.id, item.title, item.url, item.feed, key[1], old, new, explanation))
    return changes


def _kind(old: Side | None, new: Side | None) -> ChangeKind | None:
    alerted_before = old is not None and old.alerted
    alerted_after = new is not None and new.alerted
    if alerted_after and not alerted_before:
        return ChangeKind.new_alert
    if alerted_before and not alerted_after:
        return ChangeKind.dropped_alert
    if (old.stance if old else None) != (new.stance if new else None):
        return ChangeKind.stance
    if old is not None and new is not None and old.speaker != new.speaker:
        return ChangeKind.speaker
    return None


def summary(report: ReplayReport) -> Mapping[str, int]:
    """The report in numbers."""
    return {"items": report.items, "claims": len(report.claims), **{kind.value: report.count(kind)
                                                                     for kind in ChangeKind}}
