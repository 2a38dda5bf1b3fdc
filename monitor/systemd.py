"""systemd's notify protocol, written against $NOTIFY_SOCKET directly (a datagram per message, UTF-8).

Outside systemd (no $NOTIFY_SOCKET) every call is a no-op. The watchdog interval is half of
$WATCHDOG_USEC, and only when $WATCHDOG_PID is unset or names this process.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


class ServiceManager:
    """Sends READY=1, WATCHDOG=1, STATUS=..., RELOADING=1 and STOPPING=1 to the service manager."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        wanted = usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid()))
        self.watchdog_seconds: float | None = int(usec) / 2_000_000 if wanted else None

    @property
    def enabled(self) -> bool:
        """Whether a service manager listens."""
        return bool(self._address)

    def send(self, **fields: str | int) -> bool:
        """Send one message (READY=1 is `send(READY=1)`); False when nobody listens or the send failed."""
        if not self._address:
            return False
        message = "\n".join(f"{key}={value}" for key, value in fields.items()).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, self._address)
        except OSError:
            return False
        return True

    def ready(self, status: str) -> bool:
        """The service is up."""
        return self.send(READY=1, STATUS=status)

    def reloading(self) -> bool:
        """A reload has begun (READY=1 follows when it is done)."""
        return self.send(RELOADING=1, STATUS="reloading rules")

    def stopping(self) -> bool:
        """A stop has begun."""
        return self.send(STOPPING=1, STATUS="stopping: draining fetches and sends")

    def watchdog(self, status: str) -> bool:
        """Still alive (send only after checking that the scheduler runs and the database answers)."""
        return self.send(WATCHDOG=1, STATUS=status)
