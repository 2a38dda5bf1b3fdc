"""Each claim's timeline chart, drawn from storage, and a memo that keeps what was drawn while the data it was
drawn from stays the same: a claim with 10,000 pieces of evidence costs one summarising pass over them when
new evidence arrives, and a two-number lookup on every other view of its page."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

from markupsafe import Markup
from sqlalchemy import Engine

from monitor.rulebook.schema import ClaimSpec
from monitor.web.timeline import KEEPS_POSITION, chart_span, columns_for, timeline_svg
from storage.chart_views import chart_data, claim_span
from storage.ledger import PositionRow

T = TypeVar("T")


def evidence_href(claim_id: str, evidence_id: int) -> str:
    """Where a mark links: the claim's page from that piece of evidence on, scrolled to it."""
    return f"/claims/{claim_id}?before={evidence_id + 1}#evidence-{evidence_id}"


def draw_chart(engine: Engine, claim: ClaimSpec, positions: Sequence[PositionRow], names: dict[str, str]) -> Markup:
    """The claim's timeline chart (empty when it has neither evidence nor positions)."""
    span = chart_span(*claim_span(engine, claim.id), positions)
    if span is None:
        return Markup("")
    data = chart_data(engine, claim.id, start=span[0], end=span[1], columns=columns_for(len(positions)),
                      keeps_position=KEEPS_POSITION)
    return timeline_svg(data, positions, names, href=lambda evidence_id: evidence_href(claim.id, evidence_id),
                        title=claim.statement)


class Memo(Generic[T]):
    """The last `size` values computed, by key: a key names the version of the data a value was made from
    (a claim's evidence count and newest id, the rules' fingerprint), so a stale value is never looked up."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for `key`, computed when it is not kept."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return value
