"""Each daemon's heartbeat in the nodes table, and taking over from peers whose heartbeat went stale.

Every `heartbeat_seconds` the daemon records that it is alive (with what its Liveness reports), then frees
the feed and delivery leases of every peer silent for `stale_seconds`, so a killed daemon's work is taken
up within about stale + heartbeat seconds, however long its leases were. At start, a daemon also frees at
once whatever dead processes of its own host held.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from structlog.typing import FilteringBoundLogger

from monitor.config import NodeSettings
from monitor.liveness import Liveness, Write, database_error
from storage.backfills import backfill_lease_owners
from storage.feeds import lease_owners
from storage.nodes import NodeInfo, beat, leave, list_nodes, reap, reap_stale
from storage.outbox import delivery_lease_owners


class Heartbeat:
    """Beats for one node; `running()` beats in a thread of its own until the block ends."""

    def __init__(self, engine: Engine, node: NodeInfo, settings: NodeSettings, *, liveness: Liveness,
                 log: FilteringBoundLogger, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._node = node
        self._interval = settings.heartbeat_seconds
        self._stale_seconds = settings.stale_seconds
        self._liveness = liveness
        self._log = log
        self._clock = clock
        self._joined = False

    def beat(self) -> None:
        """Record this node's heartbeat, then reap stale peers; a database error is logged, never raised."""
        now = self._clock()
        try:
            present = beat(self._engine, self._node, now=now, last_stored_at=self._liveness.last_stored_at,
                           problem=self._liveness.problem())
        except SQLAlchemyError as exc:
            self._liveness.failed(Write.HEARTBEAT, database_error(exc))
            self._log.warning("node.heartbeat_failed", node=self._node.id, error=database_error(exc),
                              retry="next beat")
            return
        self._liveness.wrote(Write.HEARTBEAT)
        if not present and self._joined:
            self._log.warning("node.rejoined", node=self._node.id, reason="peers had taken it for dead")
        self._joined = True
        try:
            reaped = reap_stale(self._engine, beaten_before=now - timedelta(seconds=self._stale_seconds),
                                keep=self._node.id)
        except SQLAlchemyError as exc:
            self._log.warning("node.reap_failed", error=database_error(exc), retry="next beat")
            return
        for node_id in reaped:
            self._log.warning("node.reaped", node=node_id, reason=f"no heartbeat for {self._stale_seconds:g} s",
                              taken_over="its feed and delivery leases")

    @contextmanager
    def running(self) -> Iterator[None]:
        """Beat now and then every interval in a background thread; on exit stop and remove this node."""
        self.beat()
        stop = threading.Event()
        thread = threading.Thread(target=self._loop, args=(stop,), name="heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=10)
            try:
                leave(self._engine, self._node.id)
            except SQLAlchemyError as exc:
                self._log.warning("node.leave_failed", node=self._node.id, error=database_error(exc),
                                  retry="peers reap it once its heartbeat is stale")

    def _loop(self, stop: threading.Event) -> None:
        while not stop.wait(self._interval):
            self.beat()


def release_dead_here(engine: Engine, log: FilteringBoundLogger) -> None:
    """Free the leases (and drop the node rows) of claimwatch processes on this host that no longer run
    (killed, crashed), so a restart polls their feeds at once. Those of other hosts are freed by the
    heartbeat check of any daemon (Heartbeat.beat) once their heartbeat is stale."""
    host = socket.gethostname()
    owners = {*lease_owners(engine), *delivery_lease_owners(engine), *backfill_lease_owners(engine),
              *(node.id for node in list_nodes(engine))}
    dead = sorted(owner for owner in owners if _dead_here(owner, host))
    if dead:
        reap(engine, dead)
        log.info("leases.released", owners=dead, reason="their processes are gone")


def _dead_here(owner: str, host: str) -> bool:
    """Whether the lease owner (host:pid:suffix, see make_owner) is a process of this host that is gone."""
    owner_host, _, pid = owner.rpartition(":")[0].rpartition(":")
    return owner_host == host and pid.isdigit() and not _process_alive(int(pid))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
