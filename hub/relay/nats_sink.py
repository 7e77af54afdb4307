"""Publishing to NATS JetStream: one stream, a subject per partner and kind, and the event's
id as the message id, so JetStream drops a redelivery within its duplicate window."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from nats.js.errors import NotFoundError

from hub.relay.settings import RelaySettings
from hub.relay.store import OutboxEvent

PUBLISH_TIMEOUT_S = 5.0


def subject(prefix: str, event: OutboxEvent) -> str:
    return f"{prefix}.{event.partner_id}.{event.kind}"


class NatsSink:
    """A synchronous face on nats-py's asyncio client: the relay's loop is synchronous."""

    def __init__(self, settings: RelaySettings) -> None:
        self._settings = settings
        self._loop = asyncio.new_event_loop()
        self._client: Any = None
        self._js: Any = None

    def open(self) -> None:
        self._loop.run_until_complete(self._open())

    async def _open(self) -> None:
        self._client = await nats.connect(
            self._settings.nats_url, connect_timeout=5, max_reconnect_attempts=3
        )
        self._js = self._client.jetstream()
        try:
            await self._js.stream_info(self._settings.stream)
        except NotFoundError:
            await self._js.add_stream(
                name=self._settings.stream, subjects=[f"{self._settings.subject_prefix}.>"]
            )

    def publish(self, event: OutboxEvent) -> bool:
        """Publish ``event`` and wait for JetStream's acknowledgement; ``False``: it was a
        duplicate JetStream had already stored."""
        ack = self._loop.run_until_complete(
            self._js.publish(
                subject(self._settings.subject_prefix, event),
                event.body(),
                timeout=PUBLISH_TIMEOUT_S,
                headers={"Nats-Msg-Id": str(event.id)},
            )
        )
        return not ack.duplicate

    def close(self) -> None:
        if self._client is not None:
            self._loop.run_until_complete(self._client.close())
        self._loop.close()
