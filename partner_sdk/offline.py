"""Store-and-forward for tills: earns keep being taken while the hub is unreachable.

Usage::

    from partner_sdk import HubClient, QueuedEarn, StoreAndForward

    with (
        HubClient.connect(HUB, certificate="till.crt", private_key="till.key", ca="ca.crt") as hub,
        StoreAndForward(hub, "/var/lib/till/earns.sqlite3") as till,
    ):
        result = till.earn(card, amount_minor=1050, currency="EUR", order_id="r-1")
        if isinstance(result, QueuedEarn):
            print("offline: the points are credited when the hub is back")
        report = till.forward()  # at start-up and on a timer; after each online earn too
        for refused in report.refused:  # the hub said no, e.g. OFFLINE_WINDOW_EXCEEDED
            print(refused.order_id, refused.reason, refused.message)

How it works. ``earn`` writes the request (idempotency key and sale time included) to a SQLite
journal on the till *before* sending it, so a crash mid-call loses nothing. When the hub
answers, the row goes. When it cannot be reached (``Unavailable`` after the client's retries
and deadline, a refused connection, ``DEADLINE_EXCEEDED``; shed load or a lost race after
retries too), ``earn`` returns a ``QueuedEarn`` instead of raising: the sale is done, its
points come later. Every other error is raised as ``HubClient.earn`` raises it.

``forward`` sends the queued earns oldest first, as they were journalled: the same key and
sale time, so an earn the hub already posted (its answer lost) is answered again, never
posted twice. An earn the hub refuses (``FAILED_PRECONDITION``, ``INVALID_ARGUMENT``,
``NOT_FOUND``, ``ALREADY_EXISTS``: ``OfflineWindowExceeded`` when the partner's window has
passed) is marked refused in the journal, reported, and not sent again; ``refused()`` lists
such earns until ``dismiss``. Any other failure leaves the earn queued and ends the pass.

Only earns are queued. A redemption needs the member's balance, which only the hub knows:
call ``authorize`` and the rest on the client (``till.client``); they raise as always.

The journal holds what the till sent, members' identifiers included: keep it where the
till's own data is. One journal belongs to one partner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import grpc

from coalition.hub.v1 import partner_pb2
from partner_sdk import _convert
from partner_sdk import _rpc as rpc
from partner_sdk._journal import EarnJournal, Entry, Refusal, State
from partner_sdk._rpc import USE_CLIENT_DEFAULT, RetryOption
from partner_sdk.aio import AsyncHubClient
from partner_sdk.client import HubClient
from partner_sdk.errors import Aborted, HubError, RateLimited, Unavailable
from partner_sdk.models import Earned, LineItem, MemberRef, Money, PointOfSale

FORWARD_MAX: Final = 1000
"""Most earns one ``forward`` sends."""
AUTO_FORWARD_MAX: Final = 10
"""Most queued earns sent after an online earn: the till waits for them."""

_C = grpc.StatusCode
# The hub decided about this earn: sending it again would get the same answer.
_HUB_DECIDED: Final = frozenset(
    {
        _C.INVALID_ARGUMENT,
        _C.NOT_FOUND,
        _C.FAILED_PRECONDITION,
        _C.ALREADY_EXISTS,
        _C.OUT_OF_RANGE,
    }
)
# The hub could not take the earn now, though it may later.
_OFFLINE: Final = (Unavailable, RateLimited, Aborted)


@dataclass(frozen=True)
class QueuedEarn:
    """An earn kept on the till until the hub is back: the sale is done, its points later."""

    idempotency_key: str
    order_id: str
    amount: Money
    purchased_at: datetime
    queued_at: datetime
    queued_because: str
    """What the last attempt to send it said, e.g. "failed to connect to all addresses"."""


@dataclass(frozen=True)
class RefusedEarn:
    """A queued earn the hub refused when it arrived; it is not sent again."""

    idempotency_key: str
    order_id: str
    amount: Money
    purchased_at: datetime
    code: str
    """The gRPC status code's name, e.g. ``FAILED_PRECONDITION``."""
    reason: str
    """The hub's reason, e.g. ``OFFLINE_WINDOW_EXCEEDED``."""
    message: str
    refused_at: datetime


@dataclass(frozen=True)
class ForwardedEarn:
    """A queued earn the hub has posted."""

    idempotency_key: str
    order_id: str
    purchased_at: datetime
    earned: Earned


@dataclass(frozen=True)
class ForwardReport:
    """What one ``forward`` did, in the order it did it."""

    forwarded: tuple[ForwardedEarn, ...] = ()
    refused: tuple[RefusedEarn, ...] = ()
    still_queued: int = 0
    """Earns left in the journal to send."""
    stopped_by: HubError | None = field(default=None, compare=False)
    """The failure that ended the pass early (the hub unreachable again); ``None`` when it
    sent everything it could."""


class StoreAndForward:
    """``HubClient``'s earns, journalled on the till and sent later when the hub is down.

    ``journal_path`` is the SQLite file (created if missing) that keeps queued earns across
    restarts. After an online earn, up to ``AUTO_FORWARD_MAX`` queued earns are sent as
    well, unless ``forward_after_earn`` is false; ``on_forward`` gets the report of each such
    pass (refusals stay listed by ``refused()`` either way). ``clock`` gives the time of a
    sale when ``earn`` is not told it. Thread-safe; closing it leaves the client open.
    """

    def __init__(
        self,
        client: HubClient,
        journal_path: str | Path,
        *,
        forward_after_earn: bool = True,
        on_forward: Callable[[ForwardReport], object] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._client = client
        self._journal = EarnJournal(journal_path, client.partner_id)
        self._forward_after_earn = forward_after_earn
        self._on_forward = on_forward
        self._clock = clock or _utc_now

    @property
    def client(self) -> HubClient:
        """The client, for everything that is not queued: redemptions, balances, history."""
        return self._client

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the journal (queued earns stay in it for the next run)."""
        self._journal.close()

    def earn(
        self,
        member: MemberRef,
        *,
        amount_minor: int,
        currency: str,
        order_id: str,
        line_items: Iterable[LineItem] = (),
        point_of_sale: PointOfSale | None = None,
        purchased_at: datetime | None = None,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Earned | QueuedEarn:
        """``HubClient.earn``, or ``QueuedEarn`` when the hub cannot be reached now.

        ``purchased_at`` (now by default) is sent with the earn, so that a replay is the same
        request. Bound how long the till waits before queuing with ``timeout_s``/``retry``.
        """
        now = self._clock()
        request = _convert.earn_request(
            member,
            Money(amount_minor, currency),
            order_id,
            line_items,
            point_of_sale,
            idempotency_key,
            purchased_at or now,
        )
        self._journal.write(request, now)
        try:
            earned = self._send(request, timeout_s, retry)
        except HubError as error:
            if (queued := _queue_or_forget(self._journal, request, error, now)) is None:
                raise
            return queued
        self._journal.remove(request.idempotency_key)
        if self._forward_after_earn:
            self._report(self.forward(max_earns=AUTO_FORWARD_MAX, timeout_s=timeout_s))
        return earned

    def forward(
        self,
        *,
        max_earns: int = FORWARD_MAX,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> ForwardReport:
        """Send queued earns, oldest first, at most ``max_earns``; see the module docstring."""
        forwarding = _Pass(self._journal, self._clock, max_earns)
        while (entry := forwarding.next_entry()) is not None:
            try:
                earned = self._send(entry.request, timeout_s, retry)
            except HubError as error:
                if not forwarding.failed(entry, error):
                    break
            else:
                forwarding.forwarded(entry, earned)
        return forwarding.report()

    def queued(self) -> tuple[QueuedEarn, ...]:
        """The earns waiting to be sent, oldest first."""
        return tuple(_queued(entry) for entry in self._journal.entries(State.QUEUED))

    def refused(self) -> tuple[RefusedEarn, ...]:
        """The queued earns the hub refused, until ``dismiss``ed."""
        return tuple(_refused(entry) for entry in self._journal.entries(State.REFUSED))

    def dismiss(self, idempotency_key: str) -> bool:
        """Delete a refused earn from the journal once dealt with; whether there was one."""
        return self._journal.dismiss(idempotency_key)

    def _send(
        self, request: partner_pb2.EarnRequest, timeout_s: float | None, retry: RetryOption
    ) -> Earned:
        return _convert.earned(self._client._call(rpc.EARN, request, timeout_s, retry))

    def _report(self, report: ForwardReport) -> None:
        if self._on_forward is not None and (report.forwarded or report.refused):
            self._on_forward(report)


class AsyncStoreAndForward:
    """``StoreAndForward`` for ``AsyncHubClient``: the same journal, the same behaviour.

    The journal's writes (one disk sync each) run in a worker thread, off the event loop.
    """

    def __init__(
        self,
        client: AsyncHubClient,
        journal_path: str | Path,
        *,
        forward_after_earn: bool = True,
        on_forward: Callable[[ForwardReport], object] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._client = client
        self._journal = EarnJournal(journal_path, client.partner_id)
        self._forward_after_earn = forward_after_earn
        self._on_forward = on_forward
        self._clock = clock or _utc_now

    @property
    def client(self) -> AsyncHubClient:
        """The client, for everything that is not queued: redemptions, balances, history."""
        return self._client

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the journal (queued earns stay in it for the next run)."""
        self._journal.close()

    async def earn(
        self,
        member: MemberRef,
        *,
        amount_minor: int,
        currency: str,
        order_id: str,
        line_items: Iterable[LineItem] = (),
        point_of_sale: PointOfSale | None = None,
        purchased_at: datetime | None = None,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Earned | QueuedEarn:
        """``AsyncHubClient.earn``, or ``QueuedEarn`` when the hub cannot be reached now."""
        now = self._clock()
        request = _convert.earn_request(
            member,
            Money(amount_minor, currency),
            order_id,
            line_items,
            point_of_sale,
            idempotency_key,
            purchased_at or now,
        )
        await asyncio.to_thread(self._journal.write, request, now)
        try:
            earned = await self._send(request, timeout_s, retry)
        except HubError as error:
            queued = await asyncio.to_thread(_queue_or_forget, self._journal, request, error, now)
            if queued is None:
                raise
            return queued
        await asyncio.to_thread(self._journal.remove, request.idempotency_key)
        if self._forward_after_earn:
            self._report(await self.forward(max_earns=AUTO_FORWARD_MAX, timeout_s=timeout_s))
        return earned

    async def forward(
        self,
        *,
        max_earns: int = FORWARD_MAX,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> ForwardReport:
        """Send queued earns, oldest first, at most ``max_earns``; see the module docstring."""
        forwarding = _Pass(self._journal, self._clock, max_earns)
        while (entry := await asyncio.to_thread(forwarding.next_entry)) is not None:
            try:
                earned = await self._send(entry.request, timeout_s, retry)
            except HubError as error:
                if not await asyncio.to_thread(forwarding.failed, entry, error):
                    break
            else:
                await asyncio.to_thread(forwarding.forwarded, entry, earned)
        return await asyncio.to_thread(forwarding.report)

    def queued(self) -> tuple[QueuedEarn, ...]:
        """The earns waiting to be sent, oldest first."""
        return tuple(_queued(entry) for entry in self._journal.entries(State.QUEUED))

    def refused(self) -> tuple[RefusedEarn, ...]:
        """The queued earns the hub refused, until ``dismiss``ed."""
        return tuple(_refused(entry) for entry in self._journal.entries(State.REFUSED))

    def dismiss(self, idempotency_key: str) -> bool:
        """Delete a refused earn from the journal once dealt with; whether there was one."""
        return self._journal.dismiss(idempotency_key)

    async def _send(
        self, request: partner_pb2.EarnRequest, timeout_s: float | None, retry: RetryOption
    ) -> Earned:
        return _convert.earned(await self._client._call(rpc.EARN, request, timeout_s, retry))

    def _report(self, report: ForwardReport) -> None:
        if self._on_forward is not None and (report.forwarded or report.refused):
            self._on_forward(report)


def _hub_decided(error: HubError) -> bool:
    """Whether ``error`` is the hub's answer about the earn itself (sending it again would get
    the same), rather than a failure to reach or use the hub."""
    return error.code in _HUB_DECIDED


def _queue_or_forget(
    journal: EarnJournal, request: partner_pb2.EarnRequest, error: HubError, queued_at: datetime
) -> QueuedEarn | None:
    """After a failed online earn: keep it queued when the hub could not take it, else forget
    it (``None``: the caller raises ``error``, as ``HubClient.earn`` would)."""
    if isinstance(error, _OFFLINE) and not _hub_decided(error):
        journal.release(request.idempotency_key, str(error))
        return _queued_request(request, queued_at, str(error))
    journal.remove(request.idempotency_key)
    return None


class _Pass:
    """One ``forward``: which earns it sent, which the hub refused, and why it stopped."""

    def __init__(self, journal: EarnJournal, clock: Callable[[], datetime], max_earns: int):
        if not 1 <= max_earns <= FORWARD_MAX:
            raise ValueError(f"max_earns must be 1..{FORWARD_MAX}, not {max_earns}")
        self._journal, self._clock, self._max_earns = journal, clock, max_earns
        self._forwarded: list[ForwardedEarn] = []
        self._refused: list[RefusedEarn] = []
        self._stopped_by: HubError | None = None

    def next_entry(self) -> Entry | None:
        if len(self._forwarded) + len(self._refused) >= self._max_earns:
            return None
        return self._journal.take_next()

    def forwarded(self, entry: Entry, earned: Earned) -> None:
        self._journal.remove(entry.key)
        request = entry.request
        purchased_at = _sold_at(request)
        self._forwarded.append(ForwardedEarn(entry.key, request.order_id, purchased_at, earned))

    def failed(self, entry: Entry, error: HubError) -> bool:
        """Record ``error``; whether to go on with the next earn."""
        if _hub_decided(error):
            refusal = Refusal(error.code.name, error.reason, error.message)
            self._refused.append(_refused(self._journal.refuse(entry.key, refusal, self._clock())))
            return True
        self._journal.release(entry.key, str(error))
        self._stopped_by = error
        return False

    def report(self) -> ForwardReport:
        still_queued = self._journal.count(State.QUEUED)
        return ForwardReport(
            tuple(self._forwarded), tuple(self._refused), still_queued, self._stopped_by
        )


def _queued(entry: Entry) -> QueuedEarn:
    return _queued_request(entry.request, entry.queued_at, entry.last_error)


def _queued_request(request: partner_pb2.EarnRequest, now: datetime, because: str) -> QueuedEarn:
    return QueuedEarn(
        idempotency_key=request.idempotency_key,
        order_id=request.order_id,
        amount=_convert.money(request.purchase),
        purchased_at=_sold_at(request),
        queued_at=now,
        queued_because=because,
    )


def _refused(entry: Entry) -> RefusedEarn:
    request = entry.request
    return RefusedEarn(
        idempotency_key=entry.key,
        order_id=request.order_id,
        amount=_convert.money(request.purchase),
        purchased_at=_sold_at(request),
        code=entry.refused_code,
        reason=entry.refused_reason,
        message=entry.last_error,
        refused_at=entry.refused_at or entry.queued_at,
    )


def _sold_at(request: partner_pb2.EarnRequest) -> datetime:
    return request.purchased_at.ToDatetime(tzinfo=UTC)


def _utc_now() -> datetime:
    return datetime.now(UTC)
