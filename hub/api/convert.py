"""Protobuf messages to commands, and results to protobuf messages. Protobuf stops here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import common_pb2, partner_pb2
from hub.domain.breakdown import Breakdown, BreakdownLine, CapCut, ExcludedItem, ItemPoints
from hub.domain.contacts import Contact
from hub.domain.currencies import currency
from hub.domain.errors import InvalidField, InvalidIdentifier, TooManyLineItems
from hub.domain.fields import bounded_text
from hub.domain.holds import HoldStatus
from hub.domain.ids import parse_id
from hub.domain.ledger import TransactionKind
from hub.domain.limits import LINE_ITEMS_MAX
from hub.domain.lots import LotStatus
from hub.domain.members import Identifier, IdentifierKind, MemberStatus
from hub.domain.money import Money, purchase_amount
from hub.domain.purchases import Channel, LineItem, PointOfSale, Purchase, parse_location
from hub.domain.rates import RateVersion
from hub.domain.receipt_lines import ReturnedLine
from hub.domain.rules import EventKind, Funder, TierProgress
from hub.services import commands
from hub.services.commands import MemberRef
from hub.services.ports.ledger import TransactionRecord
from hub.services.results import (
    BalanceView,
    BurnQuoted,
    Captured,
    Earned,
    EarnQuoted,
    EarnRefunded,
    EventGranted,
    HoldView,
    MemberView,
    RedemptionRefunded,
    TransactionPage,
)

_IDENTIFIER_KINDS = {
    common_pb2.IDENTIFIER_KIND_CARD: IdentifierKind.CARD,
    common_pb2.IDENTIFIER_KIND_PHONE: IdentifierKind.PHONE,
    common_pb2.IDENTIFIER_KIND_APP_ID: IdentifierKind.APP_ID,
}
_IDENTIFIER_KINDS_OUT = {kind: number for number, kind in _IDENTIFIER_KINDS.items()}
_CHANNELS = {
    common_pb2.CHANNEL_UNSPECIFIED: Channel.UNSPECIFIED,
    common_pb2.CHANNEL_POS: Channel.POS,
    common_pb2.CHANNEL_ONLINE: Channel.ONLINE,
    common_pb2.CHANNEL_APP: Channel.APP,
}
_CHANNELS_OUT = {channel: number for number, channel in _CHANNELS.items()}
_POINTS_STATUS = {
    LotStatus.PENDING: common_pb2.POINTS_STATUS_PENDING,
    LotStatus.AVAILABLE: common_pb2.POINTS_STATUS_AVAILABLE,
}
_MEMBER_STATUS = {
    MemberStatus.ACTIVE: partner_pb2.MEMBER_STATUS_ACTIVE,
    MemberStatus.FROZEN: partner_pb2.MEMBER_STATUS_FROZEN,
    MemberStatus.ERASED: partner_pb2.MEMBER_STATUS_ERASED,
    MemberStatus.MERGED: partner_pb2.MEMBER_STATUS_MERGED,
}
_TRANSACTION_KINDS = {
    TransactionKind.EARN: partner_pb2.TRANSACTION_KIND_EARN,
    TransactionKind.HOLD: partner_pb2.TRANSACTION_KIND_HOLD,
    TransactionKind.CAPTURE: partner_pb2.TRANSACTION_KIND_CAPTURE,
    TransactionKind.VOID: partner_pb2.TRANSACTION_KIND_VOID,
    TransactionKind.HOLD_EXPIRY: partner_pb2.TRANSACTION_KIND_HOLD_EXPIRY,
    TransactionKind.REFUND_EARN: partner_pb2.TRANSACTION_KIND_REFUND_EARN,
    TransactionKind.REFUND_REDEMPTION: partner_pb2.TRANSACTION_KIND_REFUND_REDEMPTION,
    TransactionKind.BONUS: partner_pb2.TRANSACTION_KIND_BONUS,
    TransactionKind.GOODWILL: partner_pb2.TRANSACTION_KIND_GOODWILL,
}
_HOLD_STATUS = {
    HoldStatus.PENDING: partner_pb2.HOLD_STATUS_PENDING,
    HoldStatus.CAPTURED: partner_pb2.HOLD_STATUS_CAPTURED,
    HoldStatus.VOIDED: partner_pb2.HOLD_STATUS_VOIDED,
    HoldStatus.EXPIRED: partner_pb2.HOLD_STATUS_EXPIRED,
    HoldStatus.IN_REVIEW: partner_pb2.HOLD_STATUS_IN_REVIEW,
    HoldStatus.DECLINED: partner_pb2.HOLD_STATUS_DECLINED,
}
_FUNDERS = {
    Funder.PARTNER: common_pb2.FUNDER_PARTNER,
    Funder.COALITION: common_pb2.FUNDER_COALITION,
}
_EVENT_NAMES = ", ".join(kind.value for kind in EventKind)


# -- requests ---------------------------------------------------------------------------------


def identifier(
    message: common_pb2.Identifier, *, field: str, phone_region: str | None = None
) -> Identifier:
    """The identifier, normalized: national phone numbers are read in the calling partner's
    ``phone_region`` (``None``: international form only)."""
    kind = _IDENTIFIER_KINDS.get(message.kind)
    if kind is None:
        raise InvalidIdentifier(
            f"{field}.kind must be CARD, PHONE or APP_ID", field=f"{field}.kind"
        )
    return Identifier.parse(
        kind, message.value, field_name=f"{field}.value", phone_region=phone_region
    )


def member_ref(
    message: common_pb2.MemberRef, *, field: str = "member", phone_region: str | None = None
) -> MemberRef | None:
    which = message.WhichOneof("ref")
    if which == "member_id":
        return parse_id(message.member_id, field=f"{field}.member_id")
    if which == "identifier":
        return identifier(
            message.identifier, field=f"{field}.identifier", phone_region=phone_region
        )
    return None


def required_member(
    message: common_pb2.MemberRef, *, field: str = "member", phone_region: str | None = None
) -> MemberRef:
    ref = member_ref(message, field=field, phone_region=phone_region)
    if ref is None:
        raise InvalidField(f"{field} is required: a member_id or an identifier", field=field)
    return ref


def money(message: common_pb2.Money, *, field: str) -> Money:
    return purchase_amount(
        message.amount_minor,
        currency(message.currency, field=f"{field}.currency"),
        field=f"{field}.amount_minor",
    )


def line_items(messages: Sequence[common_pb2.LineItem]) -> tuple[LineItem, ...]:
    if len(messages) > LINE_ITEMS_MAX:
        raise TooManyLineItems(
            f"at most {LINE_ITEMS_MAX} line items per receipt; got {len(messages)}",
            field="line_items",
        )
    return tuple(
        # A quantity left out is 1; an explicit 0 is refused like any other out of range.
        LineItem(m.sku, m.category, m.amount_minor, _quantity(m), m.discounted)
        for m in messages
    )


def point_of_sale(message: common_pb2.PointOfSale) -> PointOfSale:
    channel = _CHANNELS.get(message.channel)
    if channel is None:
        raise InvalidField(
            "point_of_sale.channel is not a known channel", field="point_of_sale.channel"
        )
    return PointOfSale(
        channel,
        message.store_id,
        message.terminal_id,
        message.cashier_id,
        parse_location(message.latitude, message.longitude),
    )


def contact(message: partner_pb2.MemberContact, *, phone_region: str | None = None) -> Contact:
    return Contact.parse(
        name=message.name,
        email=message.email,
        phone=message.phone,
        birth_date=message.birth_date,
        phone_region=phone_region,
    )


def enroll(
    request: partner_pb2.EnrollMemberRequest, partner_id: str, *, phone_region: str | None = None
) -> commands.EnrollMember:
    identifiers = tuple(
        identifier(m, field=f"identifiers[{i}]", phone_region=phone_region)
        for i, m in enumerate(request.identifiers)
    )
    given = (
        contact(request.contact, phone_region=phone_region) if request.HasField("contact") else None
    )
    return commands.EnrollMember(partner_id, request.idempotency_key, identifiers, given)


def update_contact(
    request: partner_pb2.UpdateMemberContactRequest,
    partner_id: str,
    *,
    phone_region: str | None = None,
) -> commands.UpdateMemberContact:
    member_id = parse_id(request.member_id, field="member_id")
    given = contact(request.contact, phone_region=phone_region)
    return commands.UpdateMemberContact(partner_id, request.idempotency_key, member_id, given)


def lookup(
    request: partner_pb2.LookupMemberRequest, partner_id: str, *, phone_region: str | None = None
) -> commands.LookupMember:
    return commands.LookupMember(
        partner_id, required_member(request.member, phone_region=phone_region)
    )


def add_identifier(
    request: partner_pb2.AddIdentifierRequest,
    partner_id: str,
    *,
    phone_region: str | None = None,
) -> commands.AddIdentifier:
    member_id = parse_id(request.member_id, field="member_id")
    return commands.AddIdentifier(
        partner_id,
        request.idempotency_key,
        member_id,
        identifier(request.identifier, field="identifier", phone_region=phone_region),
    )


def earn(
    request: partner_pb2.EarnRequest, partner_id: str, *, phone_region: str | None = None
) -> commands.Earn:
    purchase = _purchase(
        request.purchase, request.order_id, request.line_items, request.point_of_sale
    )
    if request.HasField("purchased_at"):
        purchase = replace(purchase, purchased_at=instant(request.purchased_at, "purchased_at"))
    member = required_member(request.member, phone_region=phone_region)
    return commands.Earn(partner_id, request.idempotency_key, member, purchase)


def instant(message: Timestamp, field: str) -> datetime:
    """A timestamp a caller sent; one outside what a ``datetime`` holds is bad input."""
    try:
        return message.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidField(f"{field} is not a valid instant", field=field) from None


def quote_earn(
    request: partner_pb2.QuoteRequest, partner_id: str, *, phone_region: str | None = None
) -> commands.QuoteEarn:
    quote = request.earn
    return commands.QuoteEarn(
        partner_id=partner_id,
        member=member_ref(request.member, phone_region=phone_region),
        amount=money(quote.purchase, field="earn.purchase"),
        line_items=line_items(quote.line_items),
        point_of_sale=point_of_sale(quote.point_of_sale),
    )


def quote_burn(
    request: partner_pb2.QuoteRequest, partner_id: str, *, phone_region: str | None = None
) -> commands.QuoteBurn:
    burn, member = request.burn, member_ref(request.member, phone_region=phone_region)
    receipt = None
    if burn.HasField("purchase"):
        receipt = Purchase(
            money(burn.purchase, field="burn.purchase"), "", line_items(burn.line_items)
        )
    if burn.WhichOneof("target") == "amount":
        return commands.QuoteBurn(
            partner_id, member, amount=money(burn.amount, field="burn.amount"), receipt=receipt
        )
    return commands.QuoteBurn(partner_id, member, points=burn.points, receipt=receipt)


def _purchase(
    amount: common_pb2.Money,
    order_id: str,
    lines: Sequence[common_pb2.LineItem],
    pos: common_pb2.PointOfSale,
) -> Purchase:
    return Purchase(
        money(amount, field="purchase"), order_id, line_items(lines), point_of_sale(pos)
    )


def authorize(
    request: partner_pb2.AuthorizeRedemptionRequest,
    partner_id: str,
    *,
    phone_region: str | None = None,
) -> commands.AuthorizeRedemption:
    payment = request.WhichOneof("payment")
    if payment is None:
        raise InvalidField("pay with either points or an amount", field="payment")
    purchase = _purchase(
        request.purchase, request.order_id, request.line_items, request.point_of_sale
    )
    return commands.AuthorizeRedemption(
        partner_id=partner_id,
        idempotency_key=request.idempotency_key,
        member=required_member(request.member, phone_region=phone_region),
        purchase=purchase,
        points=request.points if payment == "points" else None,
        pay_amount=money(request.amount, field="amount") if payment == "amount" else None,
        ttl_s=request.ttl_s or None,
    )


def capture(
    request: partner_pb2.CaptureRedemptionRequest, partner_id: str
) -> commands.CaptureRedemption:
    points = request.points if request.points != 0 else None
    hold_id = parse_id(request.hold_id, field="hold_id")
    return commands.CaptureRedemption(partner_id, request.idempotency_key, hold_id, points)


def void(request: partner_pb2.VoidRedemptionRequest, partner_id: str) -> commands.VoidRedemption:
    return commands.VoidRedemption(
        partner_id, request.idempotency_key, parse_id(request.hold_id, field="hold_id")
    )


def get_hold(request: partner_pb2.GetHoldRequest, partner_id: str) -> commands.GetHold:
    """By hold id, or by order id for a till that lost the authorize's answer; not both."""
    if request.hold_id and request.order_id:
        raise InvalidField("name the hold by hold_id or by order_id, not both", field="order_id")
    if request.order_id:
        order_id = bounded_text(request.order_id, field="order_id", required=True)
        return commands.GetHold(partner_id, None, order_id)
    return commands.GetHold(partner_id, parse_id(request.hold_id, field="hold_id"))


def _quantity(message: common_pb2.LineItem) -> int:
    return message.quantity if message.HasField("quantity") else 1


def _optional_id(text: str, *, field: str) -> uuid.UUID | None:
    return parse_id(text, field=field) if text else None


def refund_earn(request: partner_pb2.RefundEarnRequest, partner_id: str) -> commands.RefundEarn:
    amount = money(request.amount, field="amount") if request.HasField("amount") else None
    return commands.RefundEarn(
        partner_id,
        request.idempotency_key,
        _optional_id(request.transaction_id, field="transaction_id"),
        amount,
        tuple(_returned_line(m, position) for position, m in enumerate(request.lines)),
        request.whole_receipt,
        order_id=request.order_id or None,
    )


def _returned_line(message: partner_pb2.ReturnedLine, position: int) -> ReturnedLine:
    line, size = message.WhichOneof("line"), message.WhichOneof("size")
    return ReturnedLine(
        position,
        index=message.index if line == "index" else None,
        sku=message.sku if line == "sku" else None,
        quantity=message.quantity if size == "quantity" else None,
        amount_minor=message.amount_minor if size == "amount_minor" else None,
    )


def refund_redemption(
    request: partner_pb2.RefundRedemptionRequest, partner_id: str
) -> commands.RefundRedemption:
    return commands.RefundRedemption(
        partner_id,
        request.idempotency_key,
        _optional_id(request.hold_id, field="hold_id"),
        request.points,
        order_id=request.order_id or None,
    )


def balance(
    request: partner_pb2.GetBalanceRequest, partner_id: str, *, phone_region: str | None = None
) -> commands.GetBalance:
    return commands.GetBalance(
        partner_id, required_member(request.member, phone_region=phone_region)
    )


def transactions(
    request: partner_pb2.ListTransactionsRequest,
    partner_id: str,
    *,
    phone_region: str | None = None,
) -> commands.ListTransactions:
    member = member_ref(request.member, phone_region=phone_region)
    return commands.ListTransactions(partner_id, member, request.page_size, request.page_token)


def event_kind(text: str) -> EventKind:
    """The event a ``GrantEvent`` names; ``InvalidField`` for one the hub does not know."""
    try:
        return EventKind(text)
    except ValueError:
        raise InvalidField(f"event must be one of: {_EVENT_NAMES}", field="event") from None


def grant_event(
    request: partner_pb2.GrantEventRequest, partner_id: str, *, phone_region: str | None = None
) -> commands.GrantEvent:
    return commands.GrantEvent(
        partner_id,
        request.idempotency_key,
        required_member(request.member, phone_region=phone_region),
        event_kind(request.event),
        member_ref(request.referred_member, field="referred_member", phone_region=phone_region),
    )


# -- responses --------------------------------------------------------------------------------


def timestamp(moment: datetime | None) -> Timestamp | None:
    """``moment`` as a Timestamp; ``None`` leaves the field unset."""
    if moment is None:
        return None
    message = Timestamp()
    message.FromDatetime(moment)
    return message


def money_message(amount: Money | None) -> common_pb2.Money | None:
    return (
        None
        if amount is None
        else common_pb2.Money(amount_minor=amount.amount_minor, currency=amount.currency.code)
    )


def rates_message(version: RateVersion | None) -> common_pb2.Rates | None:
    if version is None:
        return None
    rates = version.rates
    return common_pb2.Rates(
        earn_rate=str(rates.earn_rate),
        burn_value=str(rates.burn_value),
        issue_price=str(rates.issue_price),
        redemption_price=str(rates.redemption_price),
        effective_from=timestamp(version.effective_from),
    )


def member_message(view: MemberView) -> partner_pb2.Member:
    return partner_pb2.Member(
        member_id=str(view.member_id),
        status=_MEMBER_STATUS[view.status],
        enrolled_at=timestamp(view.enrolled_at),
        identifier_kinds=[_IDENTIFIER_KINDS_OUT[kind] for kind in view.identifier_kinds],
        welcome_points=view.welcome_points,
    )


def coordinate_text(degrees: Decimal) -> str:
    """A coordinate as the shortest plain decimal string: ``55.755800`` is ``"55.7558"``, never
    an exponent (``"1E+1"``) that a partner's parser might not take."""
    text = format(degrees, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def point_of_sale_message(pos: PointOfSale | None) -> common_pb2.PointOfSale | None:
    """``pos`` as its message, location as decimal strings; ``None`` leaves the field unset."""
    if pos is None:
        return None
    location = pos.location
    return common_pb2.PointOfSale(
        channel=_CHANNELS_OUT[pos.channel],
        store_id=pos.store_id,
        terminal_id=pos.terminal_id,
        cashier_id=pos.cashier_id,
        latitude=coordinate_text(location.latitude) if location else "",
        longitude=coordinate_text(location.longitude) if location else "",
    )


def breakdown_message(breakdown: Breakdown | None) -> partner_pb2.Breakdown | None:
    """``breakdown`` as its message; ``None`` (no breakdown stored) leaves the field unset."""
    if breakdown is None:
        return None
    return partner_pb2.Breakdown(
        points=breakdown.points,
        eligible_minor=breakdown.eligible_minor,
        lines=[_breakdown_line(line) for line in breakdown.lines],
        excluded=[_excluded_item(item) for item in breakdown.excluded],
        caps=[_cap_cut(cap) for cap in breakdown.caps],
        coalition_funded_points=breakdown.coalition_funded_points,
        tier=breakdown.tier,
        tier_after=breakdown.tier_after,
        earn_rounding=breakdown.earn_rounding.value,
        items=[_breakdown_item(item) for item in breakdown.items],
        receipt_points=breakdown.receipt_points,
    )


def _breakdown_item(item: ItemPoints) -> partner_pb2.BreakdownItem:
    return partner_pb2.BreakdownItem(
        index=item.index,
        sku=item.sku,
        quantity=item.quantity,
        amount_minor=item.amount_minor,
        points=item.points,
    )


def _breakdown_line(line: BreakdownLine) -> partner_pb2.BreakdownLine:
    return partner_pb2.BreakdownLine(
        kind=line.kind.value,
        points=line.points,
        funder=_FUNDERS[line.funder],
        rule_id=line.rule_id,
        label=line.label,
        multiplier="" if line.multiplier is None else str(line.multiplier),
        on_points=line.on_points,
        note=line.note,
        capped_points=line.capped_points,
    )


def _excluded_item(item: ExcludedItem) -> partner_pb2.ExcludedItem:
    return partner_pb2.ExcludedItem(
        index=item.index,
        sku=item.sku,
        category=item.category,
        amount_minor=item.amount_minor,
        reason=item.reason.value,
    )


def _cap_cut(cap: CapCut) -> partner_pb2.CapCut:
    return partner_pb2.CapCut(
        rule_id=cap.rule_id,
        period=cap.period,
        limit_points=cap.limit_points,
        cut_points=cap.cut_points,
    )


def tier_message(progress: TierProgress | None) -> partner_pb2.TierStatus | None:
    """Where the member stands in the tiers; ``None`` (no tiers) leaves the field unset."""
    if progress is None:
        return None
    return partner_pb2.TierStatus(
        tier=progress.tier,
        next_tier=progress.next_tier,
        metric=progress.metric.value,
        qualifying=progress.qualifying,
        to_next_tier=progress.to_next_tier,
        spend_currency=progress.spend_currency,
    )


def earn_response(result: Earned) -> partner_pb2.EarnResponse:
    return partner_pb2.EarnResponse(
        transaction_id=str(result.transaction_id),
        member_id=str(result.member_id),
        points=result.points,
        status=_POINTS_STATUS[result.status],
        available_at=timestamp(result.available_at),
        expires_at=timestamp(result.expires_at),
        rates=rates_message(result.rate_version),
        created_at=timestamp(result.created_at),
        debt_paid_points=result.debt_paid_points,
        breakdown=breakdown_message(result.breakdown),
    )


def earn_quote_response(result: EarnQuoted) -> partner_pb2.QuoteResponse:
    quote = partner_pb2.EarnQuoteResult(
        points=result.points,
        status=_POINTS_STATUS[result.status],
        available_at=timestamp(result.available_at),
        expires_at=timestamp(result.expires_at),
        breakdown=breakdown_message(result.breakdown),
    )
    return partner_pb2.QuoteResponse(
        earn=quote, rates=rates_message(result.rate_version), quoted_at=timestamp(result.quoted_at)
    )


def burn_quote_response(result: BurnQuoted) -> partner_pb2.QuoteResponse:
    quote = partner_pb2.BurnQuoteResult(points=result.points, value=money_message(result.value))
    return partner_pb2.QuoteResponse(
        burn=quote, rates=rates_message(result.rate_version), quoted_at=timestamp(result.quoted_at)
    )


def balance_message(view: BalanceView) -> partner_pb2.Balance:
    return partner_pb2.Balance(
        member_id=str(view.member_id),
        available_points=view.available_points,
        pending_points=view.pending_points,
        held_points=view.held_points,
        expiring_points=view.expiring_points,
        expiring_before=timestamp(view.expiring_before),
        as_of=timestamp(view.as_of),
        debt_points=view.debt_points,
        tier=tier_message(view.tier),
    )


def transaction_message(record: TransactionRecord) -> partner_pb2.Transaction:
    return partner_pb2.Transaction(
        transaction_id=str(record.id),
        kind=_TRANSACTION_KINDS.get(record.kind, partner_pb2.TRANSACTION_KIND_UNSPECIFIED),
        member_id=str(record.member_id) if record.member_id else "",
        points=record.points,
        order_id=record.order_id or "",
        purchase=money_message(record.purchase),
        rates=rates_message(record.rate_version),
        created_at=timestamp(record.created_at),
        available_at=timestamp(record.available_at),
        expires_at=timestamp(record.expires_at),
        related_transaction_id=str(record.related_id) if record.related_id else "",
        breakdown=breakdown_message(record.breakdown),
        tier_before=record.tier_before or "",
        tier_after=record.tier_after or "",
        purchased_at=timestamp(record.purchased_at),
    )


def transaction_page(page: TransactionPage) -> partner_pb2.ListTransactionsResponse:
    return partner_pb2.ListTransactionsResponse(
        transactions=[transaction_message(record) for record in page.transactions],
        next_page_token=page.next_page_token,
    )


def hold_message(view: HoldView) -> partner_pb2.Hold:
    return partner_pb2.Hold(
        hold_id=str(view.hold_id),
        member_id=str(view.member_id),
        status=_HOLD_STATUS[view.status],
        points=view.points,
        value=money_message(view.value),
        created_at=timestamp(view.created_at),
        expires_at=timestamp(view.expires_at),
        order_id=view.order_id,
        captured_points=view.captured_points,
        resolved_at=timestamp(view.resolved_at),
        rates=rates_message(view.rate_version),
        transaction_id=str(view.transaction_id),
        debt_paid_points=view.debt_paid_points,
    )


def capture_message(result: Captured) -> partner_pb2.Capture:
    return partner_pb2.Capture(
        transaction_id=str(result.transaction_id),
        hold_id=str(result.hold_id),
        captured_points=result.captured_points,
        released_points=result.released_points,
        value=money_message(result.value),
        captured_at=timestamp(result.captured_at),
        debt_paid_points=result.debt_paid_points,
    )


def earn_refund_message(result: EarnRefunded) -> partner_pb2.EarnRefund:
    return partner_pb2.EarnRefund(
        transaction_id=str(result.transaction_id),
        earn_transaction_id=str(result.earn_transaction_id),
        points_reversed=result.points_reversed,
        pending_points_cancelled=result.pending_points_cancelled,
        available_points_reversed=result.available_points_reversed,
        debt_points=result.debt_points,
        created_at=timestamp(result.created_at),
        order_id=result.order_id or "",
        amount=money_message(result.amount),
        tier_before=result.tier_before or "",
        tier_after=result.tier_after or "",
    )


def redemption_refund_message(result: RedemptionRefunded) -> partner_pb2.RedemptionRefund:
    return partner_pb2.RedemptionRefund(
        transaction_id=str(result.transaction_id),
        hold_id=str(result.hold_id),
        points_returned=result.points_returned,
        points_expired=result.points_expired,
        created_at=timestamp(result.created_at),
        order_id=result.order_id or "",
        debt_paid_points=result.debt_paid_points,
    )


def grant_event_response(result: EventGranted) -> partner_pb2.GrantEventResponse:
    referred = result.referred_member_id
    referee_transaction = result.referee_transaction_id
    return partner_pb2.GrantEventResponse(
        transaction_id=str(result.transaction_id),
        member_id=str(result.member_id),
        points=result.points,
        rule_id=result.rule_id,
        funder=_FUNDERS[result.funder],
        created_at=timestamp(result.created_at),
        referred_member_id=str(referred) if referred else "",
        referee_points=result.referee_points,
        referee_transaction_id=str(referee_transaction) if referee_transaction else "",
    )
