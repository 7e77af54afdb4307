"""Models to request messages and response messages to models: pure functions.

Both clients build their requests and read their responses here, so the sync and async
clients differ only in how they call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import common_pb2, partner_pb2, settlement_pb2
from partner_sdk.models import (
    Balance,
    Breakdown,
    BreakdownItem,
    BreakdownLine,
    BurnQuote,
    CapCut,
    Capture,
    ChannelName,
    Earned,
    EarnQuote,
    EarnRefund,
    EventGrant,
    ExcludedItem,
    Funder,
    Hold,
    HoldStatus,
    Identifier,
    IdentifierKind,
    LineItem,
    LineKind,
    Member,
    MemberRef,
    MemberStatus,
    Money,
    PointOfSale,
    PointsStatus,
    Rates,
    RedemptionRefund,
    ReturnedLine,
    TierStatus,
    Transaction,
    TransactionKind,
    TransactionPage,
)
from partner_sdk.reconciliation import ExceptionPage, Reconciliation, ReconciliationException
from partner_sdk.statements import SigningKey, Statement

# What 0 means on the wire, where the proto gives it a meaning of its own.
PARTNER_DEFAULT_HOLD_TTL_S: Final = 0
CAPTURE_ALL_POINTS: Final = 0

_KIND_TO_PB: Final = {
    IdentifierKind.CARD: common_pb2.IDENTIFIER_KIND_CARD,
    IdentifierKind.PHONE: common_pb2.IDENTIFIER_KIND_PHONE,
    IdentifierKind.APP_ID: common_pb2.IDENTIFIER_KIND_APP_ID,
}
_KIND_FROM_PB: Final = {pb: kind for kind, pb in _KIND_TO_PB.items()}
_CHANNEL_TO_PB: Final[dict[ChannelName | None, common_pb2.Channel]] = {
    None: common_pb2.CHANNEL_UNSPECIFIED,
    "pos": common_pb2.CHANNEL_POS,
    "online": common_pb2.CHANNEL_ONLINE,
    "app": common_pb2.CHANNEL_APP,
}
_MEMBER_STATUS: Final = {
    partner_pb2.MEMBER_STATUS_ACTIVE: MemberStatus.ACTIVE,
    partner_pb2.MEMBER_STATUS_FROZEN: MemberStatus.FROZEN,
    partner_pb2.MEMBER_STATUS_ERASED: MemberStatus.ERASED,
    partner_pb2.MEMBER_STATUS_MERGED: MemberStatus.MERGED,
}
_POINTS_STATUS: Final = {
    common_pb2.POINTS_STATUS_PENDING: PointsStatus.PENDING,
    common_pb2.POINTS_STATUS_AVAILABLE: PointsStatus.AVAILABLE,
}
_TRANSACTION_KIND: Final = {
    partner_pb2.TRANSACTION_KIND_EARN: TransactionKind.EARN,
    partner_pb2.TRANSACTION_KIND_HOLD: TransactionKind.HOLD,
    partner_pb2.TRANSACTION_KIND_CAPTURE: TransactionKind.CAPTURE,
    partner_pb2.TRANSACTION_KIND_VOID: TransactionKind.VOID,
    partner_pb2.TRANSACTION_KIND_HOLD_EXPIRY: TransactionKind.HOLD_EXPIRY,
    partner_pb2.TRANSACTION_KIND_REFUND_EARN: TransactionKind.REFUND_EARN,
    partner_pb2.TRANSACTION_KIND_REFUND_REDEMPTION: TransactionKind.REFUND_REDEMPTION,
    partner_pb2.TRANSACTION_KIND_BONUS: TransactionKind.BONUS,
    partner_pb2.TRANSACTION_KIND_GOODWILL: TransactionKind.GOODWILL,
}
_HOLD_STATUS: Final = {
    partner_pb2.HOLD_STATUS_PENDING: HoldStatus.PENDING,
    partner_pb2.HOLD_STATUS_CAPTURED: HoldStatus.CAPTURED,
    partner_pb2.HOLD_STATUS_VOIDED: HoldStatus.VOIDED,
    partner_pb2.HOLD_STATUS_EXPIRED: HoldStatus.EXPIRED,
    partner_pb2.HOLD_STATUS_IN_REVIEW: HoldStatus.IN_REVIEW,
    partner_pb2.HOLD_STATUS_DECLINED: HoldStatus.DECLINED,
}
_FUNDER: Final = {
    common_pb2.FUNDER_PARTNER: Funder.PARTNER,
    common_pb2.FUNDER_COALITION: Funder.COALITION,
}
_LINE_KIND: Final = {kind.value: kind for kind in LineKind if kind is not LineKind.UNKNOWN}


def new_idempotency_key() -> str:
    """A fresh key for one logical mutating call."""
    return str(uuid.uuid4())


# Requests.


def identifier_pb(identifier: Identifier) -> common_pb2.Identifier:
    """``identifier`` as its message; an unknown kind goes out unspecified for the hub to reject."""
    kind = _KIND_TO_PB.get(identifier.kind, common_pb2.IDENTIFIER_KIND_UNSPECIFIED)
    return common_pb2.Identifier(kind=kind, value=identifier.value)


def member_ref_pb(member: MemberRef | None) -> common_pb2.MemberRef | None:
    """A member id or identifier as a ``MemberRef``; ``None`` stays unset."""
    if member is None:
        return None
    if isinstance(member, Identifier):
        return common_pb2.MemberRef(identifier=identifier_pb(member))
    return common_pb2.MemberRef(member_id=member)


def money_pb(money: Money) -> common_pb2.Money:
    """``money`` as its message."""
    return common_pb2.Money(amount_minor=money.amount_minor, currency=money.currency)


def line_item_pb(item: LineItem) -> common_pb2.LineItem:
    """``item`` as its message."""
    return common_pb2.LineItem(
        sku=item.sku,
        category=item.category,
        amount_minor=item.amount_minor,
        quantity=item.quantity,
        discounted=item.discounted,
    )


def point_of_sale_pb(pos: PointOfSale | None) -> common_pb2.PointOfSale | None:
    """``pos`` as its message; ``None`` stays unset."""
    if pos is None:
        return None
    return common_pb2.PointOfSale(
        channel=_CHANNEL_TO_PB[pos.channel],
        store_id=pos.store_id,
        terminal_id=pos.terminal_id,
        cashier_id=pos.cashier_id,
        latitude=_coordinate_text(pos.latitude),
        longitude=_coordinate_text(pos.longitude),
    )


def _coordinate_text(degrees: Decimal | str | None) -> str:
    # Plain notation: Decimal("1E+1") would otherwise go out as "1E+1".
    return "" if degrees is None else format(Decimal(degrees), "f")


def enroll_request(
    identifiers: Iterable[Identifier], idempotency_key: str | None
) -> partner_pb2.EnrollMemberRequest:
    """The request enrolling a member with ``identifiers``."""
    return partner_pb2.EnrollMemberRequest(
        idempotency_key=_key(idempotency_key),
        identifiers=[identifier_pb(i) for i in identifiers],
    )


def lookup_request(member: MemberRef) -> partner_pb2.LookupMemberRequest:
    """The request looking ``member`` up."""
    return partner_pb2.LookupMemberRequest(member=member_ref_pb(member))


def add_identifier_request(
    member_id: str, identifier: Identifier, idempotency_key: str | None
) -> partner_pb2.AddIdentifierRequest:
    """The request adding ``identifier`` to a member."""
    return partner_pb2.AddIdentifierRequest(
        idempotency_key=_key(idempotency_key),
        member_id=member_id,
        identifier=identifier_pb(identifier),
    )


def update_member_contact_request(
    member_id: str,
    *,
    name: str | None,
    email: str | None,
    phone: str | None,
    birth_date: date | None,
    idempotency_key: str | None,
) -> partner_pb2.UpdateMemberContactRequest:
    """The request replacing a member's contact; ``None`` parts go out empty ("not given")."""
    contact = partner_pb2.MemberContact(
        name=name or "", email=email or "", phone=phone or "", birth_date=_birth_date(birth_date)
    )
    return partner_pb2.UpdateMemberContactRequest(
        idempotency_key=_key(idempotency_key), member_id=member_id, contact=contact
    )


def _birth_date(born: date | None) -> str:
    # A datetime is a date too, but its isoformat() carries a time the hub would refuse.
    if isinstance(born, datetime):
        raise TypeError("birth_date is a date, not a datetime")
    return "" if born is None else born.isoformat()


def earn_request(
    member: MemberRef,
    purchase: Money,
    order_id: str,
    line_items: Iterable[LineItem],
    point_of_sale: PointOfSale | None,
    idempotency_key: str | None,
    purchased_at: datetime | None = None,
) -> partner_pb2.EarnRequest:
    """The request crediting points for ``purchase``, sold at ``purchased_at`` (``None``:
    now; a naive time is refused, since the till's zone is unknown to the hub)."""
    return partner_pb2.EarnRequest(
        idempotency_key=_key(idempotency_key),
        member=member_ref_pb(member),
        purchase=money_pb(purchase),
        order_id=order_id,
        line_items=[line_item_pb(item) for item in line_items],
        point_of_sale=point_of_sale_pb(point_of_sale),
        purchased_at=_timestamp_pb(purchased_at),
    )


def _timestamp_pb(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("purchased_at needs a time zone, e.g. datetime.now(UTC)")
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def quote_earn_request(
    member: MemberRef | None,
    purchase: Money,
    line_items: Iterable[LineItem],
    point_of_sale: PointOfSale | None,
) -> partner_pb2.QuoteRequest:
    """The request asking what an earn for ``purchase`` would give."""
    earn = partner_pb2.EarnQuote(
        purchase=money_pb(purchase),
        line_items=[line_item_pb(item) for item in line_items],
        point_of_sale=point_of_sale_pb(point_of_sale),
    )
    return partner_pb2.QuoteRequest(member=member_ref_pb(member), earn=earn)


def quote_burn_request(
    member: MemberRef | None,
    points: int | None,
    amount_minor: int | None,
    currency: str | None,
    *,
    receipt: Money | None = None,
    line_items: Iterable[LineItem] = (),
) -> partner_pb2.QuoteRequest:
    """The request asking what ``points`` are worth, or how many points pay an amount (on
    ``receipt``, when given, so that the partner's burn rules apply)."""
    by_points = points is not None and amount_minor is None and currency is None
    by_amount = points is None and amount_minor is not None and currency is not None
    if by_points:
        burn = partner_pb2.BurnQuote(points=points)
    elif by_amount:
        burn = partner_pb2.BurnQuote(
            amount=common_pb2.Money(amount_minor=amount_minor, currency=currency)
        )
    else:
        raise ValueError("quote a burn either by points or by amount_minor and currency")
    if receipt is not None:
        burn.purchase.CopyFrom(money_pb(receipt))
        burn.line_items.extend(line_item_pb(item) for item in line_items)
    return partner_pb2.QuoteRequest(member=member_ref_pb(member), burn=burn)


def balance_request(member: MemberRef) -> partner_pb2.GetBalanceRequest:
    """The request for ``member``'s balance."""
    return partner_pb2.GetBalanceRequest(member=member_ref_pb(member))


def history_request(
    member: MemberRef | None, page_size: int, page_token: str
) -> partner_pb2.ListTransactionsRequest:
    """The request for one page of the calling partner's transactions."""
    return partner_pb2.ListTransactionsRequest(
        member=member_ref_pb(member), page_size=page_size, page_token=page_token
    )


def authorize_request(
    member: MemberRef,
    purchase: Money,
    order_id: str,
    *,
    points: int | None,
    pay_amount_minor: int | None,
    line_items: Iterable[LineItem],
    ttl_s: int | None,
    point_of_sale: PointOfSale | None,
    idempotency_key: str | None,
) -> partner_pb2.AuthorizeRedemptionRequest:
    """The request holding ``points``, or the points paying ``pay_amount_minor`` of ``purchase``.

    ``ValueError`` unless exactly one of ``points`` and ``pay_amount_minor`` is given.
    """
    if (points is None) == (pay_amount_minor is None):
        raise ValueError("authorize either points or pay_amount_minor, exactly one of them")
    request = partner_pb2.AuthorizeRedemptionRequest(
        idempotency_key=_key(idempotency_key),
        member=member_ref_pb(member),
        purchase=money_pb(purchase),
        order_id=order_id,
        line_items=[line_item_pb(item) for item in line_items],
        ttl_s=PARTNER_DEFAULT_HOLD_TTL_S if ttl_s is None else ttl_s,
        point_of_sale=point_of_sale_pb(point_of_sale),
    )
    if points is not None:
        request.points = points
    else:
        request.amount.CopyFrom(
            common_pb2.Money(amount_minor=pay_amount_minor, currency=purchase.currency)
        )
    return request


def capture_request(
    hold_id: str, points: int | None, idempotency_key: str | None
) -> partner_pb2.CaptureRedemptionRequest:
    """The request capturing ``points`` of a hold, or all of it for ``None``."""
    if points == CAPTURE_ALL_POINTS:
        # On the wire 0 captures everything: a caller's computed 0 must not spend the whole hold.
        raise ValueError("capture points must be positive; None captures the whole hold")
    return partner_pb2.CaptureRedemptionRequest(
        idempotency_key=_key(idempotency_key),
        hold_id=hold_id,
        points=CAPTURE_ALL_POINTS if points is None else points,
    )


def void_request(hold_id: str, idempotency_key: str | None) -> partner_pb2.VoidRedemptionRequest:
    """The request releasing a hold."""
    return partner_pb2.VoidRedemptionRequest(idempotency_key=_key(idempotency_key), hold_id=hold_id)


def get_hold_request(hold_id: str | None, order_id: str | None) -> partner_pb2.GetHoldRequest:
    """The request for a hold, by its id or by the partner's order id."""
    if (hold_id is None) == (order_id is None):
        raise ValueError("get a hold either by hold_id or by order_id, exactly one of them")
    if hold_id is not None:
        return partner_pb2.GetHoldRequest(hold_id=hold_id)
    return partner_pb2.GetHoldRequest(order_id=order_id)


def refund_earn_request(
    transaction_id: str | None,
    amount: Money | None,
    idempotency_key: str | None,
    *,
    order_id: str | None = None,
    lines: Iterable[ReturnedLine] = (),
    whole_receipt: bool = False,
) -> partner_pb2.RefundEarnRequest:
    """The request taking back the points an earn gave for what was returned: ``amount`` of
    its purchase, ``lines``, or the whole receipt; the earn by id or by ``order_id``."""
    return partner_pb2.RefundEarnRequest(
        idempotency_key=_key(idempotency_key),
        transaction_id=transaction_id or "",
        order_id=order_id or "",
        amount=money_pb(amount) if amount is not None else None,
        lines=[returned_line_pb(line) for line in lines],
        whole_receipt=whole_receipt,
    )


def returned_line_pb(line: ReturnedLine) -> partner_pb2.ReturnedLine:
    """``line`` as its message; fields left ``None`` stay unset, so the hub can tell."""
    message = partner_pb2.ReturnedLine()
    if line.index is not None:
        message.index = line.index
    if line.sku is not None:
        message.sku = line.sku
    if line.quantity is not None:
        message.quantity = line.quantity
    if line.amount_minor is not None:
        message.amount_minor = line.amount_minor
    return message


def refund_redemption_request(
    hold_id: str | None, points: int, idempotency_key: str | None, *, order_id: str | None = None
) -> partner_pb2.RefundRedemptionRequest:
    """The request giving back ``points`` a hold's capture spent; the hold by id or order id."""
    return partner_pb2.RefundRedemptionRequest(
        idempotency_key=_key(idempotency_key),
        hold_id=hold_id or "",
        points=points,
        order_id=order_id or "",
    )


def grant_event_request(
    member: MemberRef,
    event: str,
    referred_member: MemberRef | None,
    idempotency_key: str | None,
) -> partner_pb2.GrantEventRequest:
    """The request granting ``member`` the points of the partner's rule for ``event``."""
    return partner_pb2.GrantEventRequest(
        idempotency_key=_key(idempotency_key),
        member=member_ref_pb(member),
        event=event,
        referred_member=member_ref_pb(referred_member),
    )


def statement_request(business_date: date) -> settlement_pb2.GetStatementRequest:
    # The hub answers with the calling partner's own statement: no partner id to send.
    return settlement_pb2.GetStatementRequest(business_date=business_date.isoformat())


def submit_report_request(
    business_date: date, report_csv: bytes
) -> settlement_pb2.SubmitReportRequest:
    return settlement_pb2.SubmitReportRequest(
        business_date=business_date.isoformat(), report_csv=report_csv
    )


def report_exceptions_request(
    business_date: date, *, include_accepted: bool, page_size: int, page_token: str
) -> settlement_pb2.ListReportExceptionsRequest:
    return settlement_pb2.ListReportExceptionsRequest(
        business_date=business_date.isoformat(),
        include_accepted=include_accepted,
        page_size=page_size,
        page_token=page_token,
    )


def _key(idempotency_key: str | None) -> str:
    # Made here, once per logical call, before the retry loop that will reuse it.
    return new_idempotency_key() if idempotency_key is None else idempotency_key


# Responses.


def server_time(response: partner_pb2.PingResponse) -> datetime:
    """The hub's clock from a ping."""
    return _required_time(response, "server_time")


def member(message: partner_pb2.Member) -> Member:
    """A member message as a ``Member``."""
    return Member(
        member_id=message.member_id,
        status=_MEMBER_STATUS.get(message.status, MemberStatus.UNKNOWN),
        enrolled_at=_required_time(message, "enrolled_at"),
        identifier_kinds=tuple(
            _KIND_FROM_PB.get(kind, IdentifierKind.UNKNOWN) for kind in message.identifier_kinds
        ),
        welcome_points=message.welcome_points,
    )


def earned(response: partner_pb2.EarnResponse) -> Earned:
    """An earn's response as ``Earned``."""
    return Earned(
        transaction_id=response.transaction_id,
        member_id=response.member_id,
        points=response.points,
        status=_points_status(response.status),
        available_at=_required_time(response, "available_at"),
        expires_at=_time(response, "expires_at"),
        rates=rates(response.rates),
        created_at=_required_time(response, "created_at"),
        debt_paid_points=response.debt_paid_points,
        breakdown=_breakdown_field(response),
    )


def earn_quote(response: partner_pb2.QuoteResponse) -> EarnQuote:
    """A quote response for an earn as ``EarnQuote``."""
    result = _quote_result(response, "earn").earn
    return EarnQuote(
        points=result.points,
        status=_points_status(result.status),
        available_at=_required_time(result, "available_at"),
        expires_at=_time(result, "expires_at"),
        rates=rates(response.rates),
        quoted_at=_required_time(response, "quoted_at"),
        breakdown=_breakdown_field(result),
    )


def burn_quote(response: partner_pb2.QuoteResponse) -> BurnQuote:
    """A quote response for a burn as ``BurnQuote``."""
    result = _quote_result(response, "burn").burn
    return BurnQuote(
        points=result.points,
        value=money(result.value),
        rates=rates(response.rates),
        quoted_at=_required_time(response, "quoted_at"),
    )


def balance(response: partner_pb2.Balance) -> Balance:
    """A balance message as ``Balance``."""
    return Balance(
        member_id=response.member_id,
        available_points=response.available_points,
        pending_points=response.pending_points,
        held_points=response.held_points,
        expiring_points=response.expiring_points,
        expiring_before=_time(response, "expiring_before"),
        as_of=_required_time(response, "as_of"),
        debt_points=response.debt_points,
        tier=tier_status(response.tier) if response.HasField("tier") else None,
    )


def transaction(message: partner_pb2.Transaction) -> Transaction:
    """A transaction message as ``Transaction``."""
    return Transaction(
        transaction_id=message.transaction_id,
        kind=_TRANSACTION_KIND.get(message.kind, TransactionKind.UNKNOWN),
        member_id=message.member_id,
        points=message.points,
        order_id=message.order_id,
        purchase=money(message.purchase) if message.HasField("purchase") else None,
        rates=rates(message.rates) if message.HasField("rates") else None,
        created_at=_required_time(message, "created_at"),
        available_at=_time(message, "available_at"),
        expires_at=_time(message, "expires_at"),
        related_transaction_id=message.related_transaction_id,
        breakdown=_breakdown_field(message),
        tier_before=message.tier_before,
        tier_after=message.tier_after,
        purchased_at=_time(message, "purchased_at"),
    )


def transaction_page(response: partner_pb2.ListTransactionsResponse) -> TransactionPage:
    """One page of transactions."""
    return TransactionPage(
        transactions=tuple(transaction(t) for t in response.transactions),
        next_page_token=response.next_page_token,
    )


def hold(message: partner_pb2.Hold) -> Hold:
    """A hold message as ``Hold``."""
    return Hold(
        hold_id=message.hold_id,
        member_id=message.member_id,
        status=_HOLD_STATUS.get(message.status, HoldStatus.UNKNOWN),
        points=message.points,
        value=money(message.value),
        created_at=_required_time(message, "created_at"),
        expires_at=_required_time(message, "expires_at"),
        order_id=message.order_id,
        captured_points=message.captured_points,
        resolved_at=_time(message, "resolved_at"),
        rates=rates(message.rates),
        transaction_id=message.transaction_id,
        debt_paid_points=message.debt_paid_points,
    )


def capture(message: partner_pb2.Capture) -> Capture:
    """A capture message as ``Capture``."""
    return Capture(
        transaction_id=message.transaction_id,
        hold_id=message.hold_id,
        captured_points=message.captured_points,
        released_points=message.released_points,
        value=money(message.value),
        captured_at=_required_time(message, "captured_at"),
        debt_paid_points=message.debt_paid_points,
    )


def earn_refund(message: partner_pb2.EarnRefund) -> EarnRefund:
    """An earn refund message as ``EarnRefund``."""
    return EarnRefund(
        transaction_id=message.transaction_id,
        earn_transaction_id=message.earn_transaction_id,
        points_reversed=message.points_reversed,
        pending_points_cancelled=message.pending_points_cancelled,
        available_points_reversed=message.available_points_reversed,
        debt_points=message.debt_points,
        created_at=_required_time(message, "created_at"),
        order_id=message.order_id,
        amount=money(message.amount) if message.HasField("amount") else None,
        tier_before=message.tier_before,
        tier_after=message.tier_after,
    )


def redemption_refund(message: partner_pb2.RedemptionRefund) -> RedemptionRefund:
    """A redemption refund message as ``RedemptionRefund``."""
    return RedemptionRefund(
        transaction_id=message.transaction_id,
        hold_id=message.hold_id,
        points_returned=message.points_returned,
        points_expired=message.points_expired,
        created_at=_required_time(message, "created_at"),
        order_id=message.order_id,
        debt_paid_points=message.debt_paid_points,
    )


def event_grant(response: partner_pb2.GrantEventResponse) -> EventGrant:
    """A grant event response as ``EventGrant``."""
    return EventGrant(
        transaction_id=response.transaction_id,
        member_id=response.member_id,
        points=response.points,
        rule_id=response.rule_id,
        funder=_funder(response.funder),
        created_at=_required_time(response, "created_at"),
        referred_member_id=response.referred_member_id,
        referee_points=response.referee_points,
        referee_transaction_id=response.referee_transaction_id,
    )


def breakdown(message: partner_pb2.Breakdown) -> Breakdown:
    """A breakdown message as ``Breakdown``."""
    return Breakdown(
        points=message.points,
        eligible_minor=message.eligible_minor,
        lines=tuple(breakdown_line(line) for line in message.lines),
        excluded=tuple(excluded_item(item) for item in message.excluded),
        caps=tuple(cap_cut(cap) for cap in message.caps),
        coalition_funded_points=message.coalition_funded_points,
        tier=message.tier,
        tier_after=message.tier_after,
        # An older hub sends none: its earns were all rounded down.
        earn_rounding=message.earn_rounding or "down",
        items=tuple(breakdown_item(item) for item in message.items),
        receipt_points=message.receipt_points,
    )


def breakdown_item(message: partner_pb2.BreakdownItem) -> BreakdownItem:
    """A breakdown item message as ``BreakdownItem``."""
    return BreakdownItem(
        index=message.index,
        sku=message.sku,
        quantity=message.quantity,
        amount_minor=message.amount_minor,
        points=message.points,
    )


def breakdown_line(message: partner_pb2.BreakdownLine) -> BreakdownLine:
    """A breakdown line message as ``BreakdownLine``; its multiplier never passes ``float``."""
    return BreakdownLine(
        kind=_LINE_KIND.get(message.kind, LineKind.UNKNOWN),
        points=message.points,
        funder=_funder(message.funder),
        rule_id=message.rule_id,
        label=message.label,
        multiplier=decimal(message.multiplier, "multiplier") if message.multiplier else None,
        on_points=message.on_points,
        note=message.note,
        capped_points=message.capped_points,
    )


def excluded_item(message: partner_pb2.ExcludedItem) -> ExcludedItem:
    """An excluded item message as ``ExcludedItem``."""
    return ExcludedItem(
        index=message.index,
        sku=message.sku,
        category=message.category,
        amount_minor=message.amount_minor,
        reason=message.reason,
    )


def cap_cut(message: partner_pb2.CapCut) -> CapCut:
    """A cap cut message as ``CapCut``."""
    return CapCut(
        rule_id=message.rule_id,
        period=message.period,
        limit_points=message.limit_points,
        cut_points=message.cut_points,
    )


def tier_status(message: partner_pb2.TierStatus) -> TierStatus:
    """A tier status message as ``TierStatus``."""
    return TierStatus(
        tier=message.tier,
        next_tier=message.next_tier,
        metric=message.metric,
        qualifying=message.qualifying,
        to_next_tier=message.to_next_tier,
        spend_currency=message.spend_currency,
    )


def money(message: common_pb2.Money) -> Money:
    """A money message as ``Money``."""
    return Money(amount_minor=message.amount_minor, currency=message.currency)


def rates(message: common_pb2.Rates) -> Rates:
    """A rates message as ``Rates``; the decimal strings never pass through ``float``."""
    return Rates(
        earn_rate=decimal(message.earn_rate, "earn_rate"),
        burn_value=decimal(message.burn_value, "burn_value"),
        issue_price=decimal(message.issue_price, "issue_price"),
        redemption_price=decimal(message.redemption_price, "redemption_price"),
        effective_from=_required_time(message, "effective_from"),
    )


def decimal(text: str, name: str) -> Decimal:
    """The decimal string ``text``; ``ValueError`` naming ``name`` if it is not a finite number."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ValueError(f"the hub sent {name}={text!r}, which is not a decimal number")
    return value


def _funder(funder: common_pb2.Funder) -> Funder:
    return _FUNDER.get(funder, Funder.UNKNOWN)


def _breakdown_field(
    message: partner_pb2.EarnResponse | partner_pb2.EarnQuoteResult | partner_pb2.Transaction,
) -> Breakdown | None:
    return breakdown(message.breakdown) if message.HasField("breakdown") else None


def _points_status(status: common_pb2.PointsStatus) -> PointsStatus:
    return _POINTS_STATUS.get(status, PointsStatus.UNKNOWN)


def _quote_result(response: partner_pb2.QuoteResponse, expected: str) -> partner_pb2.QuoteResponse:
    if response.WhichOneof("result") != expected:
        raise ValueError(f"the hub answered a {expected} quote without a {expected} result")
    return response


def _time(message: Message, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    stamp: Timestamp = getattr(message, name)
    return stamp.ToDatetime(tzinfo=UTC)


def _required_time(message: Message, name: str) -> datetime:
    when = _time(message, name)
    if when is None:
        raise ValueError(f"the hub sent a {type(message).__name__} without {name}")
    return when


def statement(message: settlement_pb2.Statement) -> Statement:
    """A statement message as ``Statement``, its bytes exactly as signed."""
    return Statement(
        partner_id=message.partner_id,
        business_date=_date(message.business_date, "business_date"),
        json=message.json,
        json_signature=message.json_signature,
        csv=message.csv,
        csv_signature=message.csv_signature,
        signing_key_id=message.signing_key_id,
    )


def signing_key(message: settlement_pb2.SigningKey) -> SigningKey:
    return SigningKey(key_id=message.key_id, public_key_pem=message.public_key_pem)


def reconciliation(message: settlement_pb2.Reconciliation) -> Reconciliation:
    """A reconciliation message as ``Reconciliation``."""
    return Reconciliation(
        business_date=_date(message.business_date, "business_date"),
        partner_id=message.partner_id,
        matched=message.matched,
        missing_at_hub=message.missing_at_hub,
        missing_at_partner=message.missing_at_partner,
        amount_mismatches=message.amount_mismatches,
        exceptions=tuple(reconciliation_exception(e) for e in message.exceptions),
        exceptions_total=message.exceptions_total,
        next_page_token=message.next_page_token,
    )


def exception_page(message: settlement_pb2.ListExceptionsResponse) -> ExceptionPage:
    """A page of exceptions as ``ExceptionPage``."""
    return ExceptionPage(
        exceptions=tuple(reconciliation_exception(e) for e in message.exceptions),
        total=message.total,
        missing_at_hub=message.missing_at_hub,
        missing_at_partner=message.missing_at_partner,
        amount_mismatches=message.amount_mismatches,
        next_page_token=message.next_page_token,
    )


def reconciliation_exception(
    message: settlement_pb2.ReconciliationException,
) -> ReconciliationException:
    """An exception message as ``ReconciliationException``; the wire's zeros and empty strings
    (nothing there) become ``None``: reported points are always positive."""
    return ReconciliationException(
        exception_id=message.exception_id,
        business_date=_date(message.business_date, "business_date"),
        partner_id=message.partner_id,
        kind=message.kind,
        item_kind=message.item_kind,
        transaction_id=message.transaction_id or None,
        order_id=message.order_id or None,
        hub_points=message.hub_points or None,
        partner_points=message.partner_points or None,
        report_line=message.report_line or None,
        status=message.status,
        accepted_by=message.accepted_by or None,
        accepted_at=_time(message, "accepted_at"),
        note=message.note or None,
    )


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"the hub sent {name}={text!r}, which is not a date") from None
