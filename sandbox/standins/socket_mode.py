"""A loopback stand-in for Slack's Socket Mode WebSocket endpoint, for the tests of
`SLACK_APP_TOKEN` mode (and a demo without a public URL).

The app asks `apps.connections.open` (served by the Web API stand-in) for a URL, connects, gets
`hello`, then receives envelopes and must acknowledge each by its `envelope_id`, as with Slack.
It needs `websockets` (the test extra), which the app itself does not.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from typing import Any

from websockets.sync.server import ServerConnection, serve


class SocketModeStandIn:
    def __init__(self) -> None:
        self.connected = threading.Event()
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self._outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self._ids = itertools.count(1)
        self._server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def start(self) -> SocketModeStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Deliver an envelope (slash_commands, interactive, events_api); returns its id."""
        envelope_id = f"env-{next(self._ids)}"
        self._outbox.put(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": True,
            }
        )
        return envelope_id

    def ack_for(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        while True:
            ack = self.acks.get(timeout=timeout)
            if ack.get("envelope_id") == envelope_id:
                return ack

    def _session(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "stand-in"}})
        )
        self.connected.set()
        while True:
            try:
                envelope = self._outbox.get(timeout=0.05)
                connection.send(json.dumps(envelope))
            except queue.Empty:
                pass
            try:
                message = connection.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:
                return
            if isinstance(message, str):
                data = json.loads(message)
                if "envelope_id" in data:
                    self.acks.put(data)
