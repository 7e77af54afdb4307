"""``AsyncHubClient``: the ``asyncio`` client of the hub's partner API.

It mirrors ``HubClient`` method for method; requests and results are built by the same
functions, only calling and sleeping between retries differ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import grpc
import grpc.aio

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc, settlement_pb2, settlement_pb2_grpc
from partner_sdk import _convert
from partner_sdk import _rpc as rpc
from partner_sdk._retry import RetryPolicy, call_with_retry_async
from partner_sdk._rpc import USE_CLIENT_DEFAULT, RetryOption
from partner_sdk._tls import FilePath, load_client_tls
from partner_sdk.client import (
    GET_SIGNING_KEY,
    GET_STATEMENT,
    LIST_REPORT_EXCEPTIONS,
    SUBMIT_REPORT,
    UPDATE_MEMBER_CONTACT,
)
from partner_sdk.errors import from_rpc_error
from partner_sdk.models import (
    Balance,
    BurnQuote,
    Capture,
    Earned,
    EarnQuote,
    EarnRefund,
    EventGrant,
    Hold,
    Identifier,
    LineItem,
    Member,
    MemberRef,
    Money,
    PointOfSale,
    RedemptionRefund,
    ReturnedLine,
    Transaction,
    TransactionPage,
)
from partner_sdk.reconciliation import ExceptionPage, Reconciliation
from partner_sdk.statements import SigningKey, Statement

_Req = TypeVar("_Req")
_Resp = TypeVar("_Resp")


class AsyncHubClient:
    """A connection to the hub, calling as one partner; use it as an async context manager.

    Create it inside the event loop that will use it: a ``grpc.aio`` channel belongs to one loop.

    ``AsyncHubClient.connect(target, certificate=..., private_key=..., ca=...)`` calls over
    mutual TLS as the partner the certificate names; ``AsyncHubClient(target, partner_id=...)``
    names the partner in metadata, for a loopback ``--insecure`` hub.

    Every method takes ``timeout_s`` (per attempt) and ``retry`` (``None`` disables retries)
    overrides, returns frozen dataclasses from ``partner_sdk.models`` and raises ``HubError``
    subclasses from ``partner_sdk.errors``.
    """

    def __init__(
        self,
        target: str,
        *,
        partner_id: str,
        credentials: grpc.ChannelCredentials | None = None,
        timeout_s: float = rpc.DEFAULT_TIMEOUT_S,
        retry: RetryPolicy | None = rpc.DEFAULT_RETRY,
        channel_options: rpc.ChannelOptions = (),
    ) -> None:
        """An ``asyncio`` client naming ``partner_id`` in the ``x-hub-partner-id`` metadata.

        For a loopback ``--insecure`` hub (``credentials`` ``None``) or one behind a proxy that
        authenticates partners; with a coalition certificate, use ``connect``.
        """
        options = rpc.ClientOptions(partner_id, timeout_s, retry)
        self._open(target, options, credentials, channel_options)

    @classmethod
    def connect(
        cls,
        target: str,
        *,
        certificate: FilePath,
        private_key: FilePath,
        ca: FilePath,
        server_name: str | None = None,
        partner_id: str | None = None,
        timeout_s: float = rpc.DEFAULT_TIMEOUT_S,
        retry: RetryPolicy | None = rpc.DEFAULT_RETRY,
        channel_options: rpc.ChannelOptions = (),
    ) -> Self:
        """An ``asyncio`` client calling over mutual TLS as the partner ``certificate`` names.

        ``certificate`` and ``private_key`` are the partner's PEM files, ``ca`` the coalition
        CA's certificate, which signs both the partner's certificate and the hub's.
        ``server_name`` is the host name the hub's certificate must hold when ``target`` names
        the hub otherwise (e.g. by IP address). The files are checked before any connection is
        made; ``CertificateError`` says what is wrong with them.

        The partner is the one the certificate names, read with ``cryptography`` (the
        ``certificates`` extra). ``partner_id``, if given, must be that partner; it lets the
        SDK's base install, without ``cryptography``, connect (the hub then makes the checks
        this client cannot); without either, ``MissingExtra`` names the extra to install.

        Call it inside the event loop that will use the client, like the constructor.
        """
        tls = load_client_tls(
            certificate=certificate,
            private_key=private_key,
            ca=ca,
            server_name=server_name,
            partner_id=partner_id,
        )
        options = rpc.ClientOptions(tls.partner_id, timeout_s, retry, partner_in_metadata=False)
        client = cls.__new__(cls)
        client._open(target, options, tls.credentials, [*tls.channel_options, *channel_options])
        return client

    def _open(
        self,
        target: str,
        options: rpc.ClientOptions,
        credentials: grpc.ChannelCredentials | None,
        channel_options: rpc.ChannelOptions,
    ) -> None:
        self._options = options
        arguments = rpc.channel_options(channel_options)
        if credentials is None:
            self._channel = grpc.aio.insecure_channel(target, options=arguments)
        else:
            self._channel = grpc.aio.secure_channel(target, credentials, options=arguments)
        self._stub: Any = partner_pb2_grpc.PartnerServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._settlement_stub: Any = settlement_pb2_grpc.PartnerSettlementServiceStub(  # type: ignore[no-untyped-call]
            self._channel
        )

    @property
    def partner_id(self) -> str:
        """The partner this client calls as; with ``connect``, the one its certificate names."""
        return self._options.partner_id

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the channel; calls in flight are cancelled."""
        await self._channel.close()

    async def ping(
        self, *, timeout_s: float | None = None, retry: RetryOption = USE_CLIENT_DEFAULT
    ) -> datetime:
        """The hub's clock; proves the hub is reachable and knows the caller."""
        response = await self._call(rpc.PING, partner_pb2.PingRequest(), timeout_s, retry)
        return _convert.server_time(response)

    async def enroll(
        self,
        *identifiers: Identifier,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Member:
        """Enroll a new member for the whole coalition with one or more identifiers."""
        request = _convert.enroll_request(identifiers, idempotency_key)
        return _convert.member(await self._call(rpc.ENROLL, request, timeout_s, retry))

    async def lookup(
        self,
        member: MemberRef,
        *,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Member:
        """The member with this id or identifier."""
        request = _convert.lookup_request(member)
        return _convert.member(await self._call(rpc.LOOKUP, request, timeout_s, retry))

    async def add_identifier(
        self,
        member_id: str,
        identifier: Identifier,
        *,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Member:
        """Give a member one more identifier (a new card, a phone)."""
        request = _convert.add_identifier_request(member_id, identifier, idempotency_key)
        return _convert.member(await self._call(rpc.ADD_IDENTIFIER, request, timeout_s, retry))

    async def update_member_contact(
        self,
        member_id: str,
        *,
        phone: str | None = None,
        email: str | None = None,
        name: str | None = None,
        birth_date: date | None = None,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Member:
        """Replace the member's contact as a whole; see ``HubClient.update_member_contact``."""
        request = _convert.update_member_contact_request(
            member_id,
            name=name,
            email=email,
            phone=phone,
            birth_date=birth_date,
            idempotency_key=idempotency_key,
        )
        response = await self._call(UPDATE_MEMBER_CONTACT, request, timeout_s, retry)
        return _convert.member(response)

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
    ) -> Earned:
        """Credit points for a purchase at the calling partner; one earn per ``order_id``.

        ``point_of_sale`` (store, terminal, cashier, store location) feeds the hub's fraud
        checks. ``FraudDeclined`` means they refused the earn and nothing was posted: do not
        retry it (not even with a new key); tell the member to contact the coalition.
        ``MemberNotActive`` means the account is frozen. ``purchased_at`` is when the sale was
        made, for an earn sent later (``None``: now); the hub takes it within the partner's
        offline window, else ``OfflineWindowExceeded``. ``StoreAndForward`` sends it for you.
        """
        purchase = Money(amount_minor, currency)
        request = _convert.earn_request(
            member, purchase, order_id, line_items, point_of_sale, idempotency_key, purchased_at
        )
        return _convert.earned(await self._call(rpc.EARN, request, timeout_s, retry))

    async def quote_earn(
        self,
        *,
        amount_minor: int,
        currency: str,
        member: MemberRef | None = None,
        line_items: Iterable[LineItem] = (),
        point_of_sale: PointOfSale | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> EarnQuote:
        """What an earn for this purchase would give now; writes nothing."""
        purchase = Money(amount_minor, currency)
        request = _convert.quote_earn_request(member, purchase, line_items, point_of_sale)
        return _convert.earn_quote(await self._call(rpc.QUOTE, request, timeout_s, retry))

    async def quote_burn(
        self,
        *,
        points: int | None = None,
        amount_minor: int | None = None,
        currency: str | None = None,
        member: MemberRef | None = None,
        receipt: Money | None = None,
        line_items: Iterable[LineItem] = (),
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> BurnQuote:
        """What ``points`` are worth here, or how many points pay ``amount_minor`` ``currency``.

        With the ``receipt`` total (and its ``line_items``) the points would pay, the partner's
        burn rules apply as ``authorize`` applies them, with the same errors
        (``ExceedsPayableAmount``, ``ExceedsCategoryShare``, ``BelowMinimumRedemption``).
        """
        request = _convert.quote_burn_request(
            member, points, amount_minor, currency, receipt=receipt, line_items=line_items
        )
        return _convert.burn_quote(await self._call(rpc.QUOTE, request, timeout_s, retry))

    async def balance(
        self,
        member: MemberRef,
        *,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Balance:
        """The member's points across the coalition."""
        request = _convert.balance_request(member)
        return _convert.balance(await self._call(rpc.BALANCE, request, timeout_s, retry))

    async def history(
        self,
        *,
        member: MemberRef | None = None,
        page_size: int = 0,
        page_token: str = "",
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> TransactionPage:
        """One page of the calling partner's transactions, newest first.

        ``page_size`` 0 takes the hub's default; pass the previous page's ``next_page_token``.
        """
        request = _convert.history_request(member, page_size, page_token)
        return _convert.transaction_page(await self._call(rpc.HISTORY, request, timeout_s, retry))

    async def iter_history(
        self,
        *,
        member: MemberRef | None = None,
        page_size: int = rpc.HISTORY_PAGE_SIZE,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> AsyncIterator[Transaction]:
        """Every transaction of the calling partner, newest first, fetched page by page."""
        page_token = ""
        while True:
            page = await self.history(
                member=member,
                page_size=page_size,
                page_token=page_token,
                timeout_s=timeout_s,
                retry=retry,
            )
            for transaction in page.transactions:
                yield transaction
            if not page.next_page_token:
                return
            page_token = page.next_page_token

    async def authorize(
        self,
        member: MemberRef,
        *,
        amount_minor: int,
        currency: str,
        order_id: str,
        points: int | None = None,
        pay_amount_minor: int | None = None,
        line_items: Iterable[LineItem] = (),
        ttl_s: int | None = None,
        point_of_sale: PointOfSale | None = None,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Hold:
        """Hold the member's points to pay part of a receipt, until captured, voided or expired.

        ``amount_minor`` ``currency`` is the receipt total. Pay either ``points`` or
        ``pay_amount_minor`` of the receipt (same currency) with points: exactly one, else
        ``ValueError``. ``ttl_s`` ``None`` takes the partner's default hold time.

        The hold comes back ``PENDING``, or ``IN_REVIEW`` when the fraud checks doubt it: its
        points are reserved but ``capture`` raises ``HoldInReview`` until an analyst decides.
        Poll ``get_hold`` and capture once it is ``PENDING``; if it turns ``DECLINED``, or the
        customer will not wait, take payment otherwise (and ``void`` a hold still in review).
        ``FraudDeclined`` means the checks refused the redemption outright and nothing was
        held: do not retry it.
        """
        purchase = Money(amount_minor, currency)
        request = _convert.authorize_request(
            member,
            purchase,
            order_id,
            points=points,
            pay_amount_minor=pay_amount_minor,
            line_items=line_items,
            ttl_s=ttl_s,
            point_of_sale=point_of_sale,
            idempotency_key=idempotency_key,
        )
        return _convert.hold(await self._call(rpc.AUTHORIZE, request, timeout_s, retry))

    async def capture(
        self,
        hold_id: str,
        *,
        points: int | None = None,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Capture:
        """Spend ``points`` (positive) of a pending hold, all for ``None``; the rest is released.

        ``HoldInReview``: the hold awaits a fraud analyst; poll ``get_hold`` and capture once it
        is ``PENDING``, or ``void`` it. ``FraudDeclined``: an analyst declined it; do not retry.
        """
        request = _convert.capture_request(hold_id, points, idempotency_key)
        return _convert.capture(await self._call(rpc.CAPTURE, request, timeout_s, retry))

    async def void(
        self,
        hold_id: str,
        *,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Hold:
        """Release a pending hold's points back to the member; a hold in review may be voided."""
        request = _convert.void_request(hold_id, idempotency_key)
        return _convert.hold(await self._call(rpc.VOID, request, timeout_s, retry))

    async def get_hold(
        self,
        hold_id: str | None = None,
        *,
        order_id: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Hold:
        """A hold the calling partner placed, as it stands now (past its expiry it is
        ``EXPIRED``), by ``hold_id`` or by the partner's ``order_id``: the order's open hold,
        else its latest. A till that lost the answer of ``authorize`` finds its hold by order id
        (a second ``authorize`` of the order raises ``DuplicateOrder`` naming it).

        Poll it while it is ``IN_REVIEW`` (every few seconds, for as long as the customer waits):
        ``PENDING`` means an analyst released it and it may be captured, ``DECLINED`` that its
        points went back to the member.
        """
        request = _convert.get_hold_request(hold_id, order_id)
        return _convert.hold(await self._call(rpc.GET_HOLD, request, timeout_s, retry))

    async def refund_earn(
        self,
        transaction_id: str | None = None,
        *,
        order_id: str | None = None,
        lines: Iterable[ReturnedLine] = (),
        whole_receipt: bool = False,
        amount_minor: int | None = None,
        currency: str | None = None,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> EarnRefund:
        """Take back the points of what the customer returned.

        Name the earn by ``transaction_id`` or by your ``order_id``, and what came back by
        exactly one of: ``lines`` (each gives back the points it earned; excluded lines none),
        ``whole_receipt=True`` (every point, receipt bonuses too), or ``amount_minor`` and
        ``currency`` alone (charged against the lines that earned most first). Refunds of one
        earn never exceed it: a line returned beyond what was bought raises
        ``RefundExceedsOriginal`` naming it (``details["field"]``, e.g. ``lines[1]``). A refund
        that takes the member below its tier's threshold drops the tier (``tier_after``).
        """
        amount = None
        if amount_minor is not None or currency is not None:
            amount = Money(amount_minor or 0, currency or "")
        request = _convert.refund_earn_request(
            transaction_id,
            amount,
            idempotency_key,
            order_id=order_id,
            lines=lines,
            whole_receipt=whole_receipt,
        )
        return _convert.earn_refund(await self._call(rpc.REFUND_EARN, request, timeout_s, retry))

    async def refund_redemption(
        self,
        hold_id: str | None = None,
        *,
        points: int,
        order_id: str | None = None,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> RedemptionRefund:
        """Give back ``points`` a captured hold spent; never more than it captured in total.
        The hold by ``hold_id`` or by your ``order_id``."""
        request = _convert.refund_redemption_request(
            hold_id, points, idempotency_key, order_id=order_id
        )
        return _convert.redemption_refund(
            await self._call(rpc.REFUND_REDEMPTION, request, timeout_s, retry)
        )

    async def grant_event(
        self,
        member: MemberRef,
        event: str,
        *,
        referred_member: MemberRef | None = None,
        idempotency_key: str | None = None,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> EventGrant:
        """Grant the points the calling partner's rule for ``event`` gives ``member``.

        ``event`` is an ``EventKind`` or its value (``review``, ``referral``,
        ``profile-completed``); ``referred_member``, for a referral, is the member referred, who
        earns the rule's referee points too. ``EventLimitReached`` once the member had the event
        as often as the rule allows; ``RuleNotFound`` when the partner has no rule for it.
        """
        request = _convert.grant_event_request(member, event, referred_member, idempotency_key)
        return _convert.event_grant(await self._call(rpc.GRANT_EVENT, request, timeout_s, retry))

    async def statement(
        self,
        business_date: date,
        *,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Statement:
        """The calling partner's signed statement for a settled ``business_date``.

        Check it with ``Statement.verify`` and the hub's key (``signing_key``) before booking
        anything from it. ``SettlementNotFound`` until the day is settled (or when the partner
        had nothing that day).
        """
        request = _convert.statement_request(business_date)
        response = await self._call(GET_STATEMENT, request, timeout_s, retry, settlement=True)
        return _convert.statement(response)

    async def submit_report(
        self,
        business_date: date,
        report_csv: bytes,
        *,
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> Reconciliation:
        """Send the calling partner's own report (CSV) of a settled day, to be matched against
        the hub's ledger; a new report for the day replaces the previous one.

        ``InvalidReport`` names the first bad line, and nothing is stored;
        ``SettlementApproved`` once the day is approved. Resending the same report is safe.
        """
        request = _convert.submit_report_request(business_date, report_csv)
        response = await self._call(SUBMIT_REPORT, request, timeout_s, retry, settlement=True)
        return _convert.reconciliation(response)

    async def report_exceptions(
        self,
        business_date: date,
        *,
        include_accepted: bool = False,
        page_size: int = 0,
        page_token: str = "",
        timeout_s: float | None = None,
        retry: RetryOption = USE_CLIENT_DEFAULT,
    ) -> ExceptionPage:
        """A page of the exceptions of the calling partner's report for a settled day (open
        ones unless ``include_accepted``), with their true counts: ``page.showing`` says
        "showing N of M". ``page_size`` 0 is the hub's default (100), at most 1000; pass
        ``next_page_token`` as ``page_token`` for the next page."""
        request = _convert.report_exceptions_request(
            business_date,
            include_accepted=include_accepted,
            page_size=page_size,
            page_token=page_token,
        )
        response = await self._call(
            LIST_REPORT_EXCEPTIONS, request, timeout_s, retry, settlement=True
        )
        return _convert.exception_page(response)

    async def signing_key(
        self, *, timeout_s: float | None = None, retry: RetryOption = USE_CLIENT_DEFAULT
    ) -> SigningKey:
        """The hub's statement-signing public key. Fetch it once over a channel you trust and
        pin it: a key fetched next to each statement proves nothing about that statement."""
        request = settlement_pb2.GetSigningKeyRequest()
        response = await self._call(GET_SIGNING_KEY, request, timeout_s, retry, settlement=True)
        return _convert.signing_key(response)

    async def _call(
        self,
        method: rpc.Rpc[_Req, _Resp],
        request: _Req,
        timeout_s: float | None,
        retry: RetryOption,
        *,
        settlement: bool = False,
    ) -> _Resp:
        call = self._options.start_call(timeout_s, retry)
        stub = self._settlement_stub if settlement else self._stub
        multicallable = getattr(stub, method.name)

        async def attempt(attempt_timeout_s: float) -> _Resp:
            try:
                response: _Resp = await multicallable(
                    request, timeout=attempt_timeout_s, metadata=call.metadata
                )
            except grpc.RpcError as exc:
                raise from_rpc_error(exc, request_id=call.request_id) from exc
            return response

        return await call_with_retry_async(attempt, timeout_s=call.timeout_s, policy=call.retry)
