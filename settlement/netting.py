"""From the database's sums to a settlement: values, the matrix, net positions, transfers.

Each group's value is rounded once, with the partner's rounding mode (the issuer's for issue
prices, the redeemer's for redemption prices). A partner's redeemed value is the sum of its
matrix cells, so the matrix and the positions add up to the minor unit; the margin is what
partners pay minus what they are paid, so the net positions sum to minus the margin exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from hub.domain.currencies import Currency
from hub.domain.invariants import require
from hub.domain.money import Rounding, settlement_value_minor
from hub.domain.rules import Funder
from settlement.model import (
    CLEARING_ACCOUNT,
    LotFlow,
    MatrixCell,
    OutstandingGroup,
    PartnerSettlement,
    RedemptionGroup,
    Settlement,
    SettlementInputs,
    Transfer,
    Valued,
)


def signed_value_minor(points: int, price: Decimal, currency: Currency, rounding: Rounding) -> int:
    """The value of ``points`` (negative for points given back), rounded by magnitude so that a
    refund is valued exactly as what it reverses."""
    value = settlement_value_minor(abs(points), price, currency, rounding)
    return value if points >= 0 else -value


class _Pricer:
    def __init__(self, currency: Currency, roundings: Mapping[str, Rounding]) -> None:
        self._currency, self._roundings = currency, roundings

    def value(self, points: int, price: Decimal, partner_id: str) -> int:
        return signed_value_minor(points, price, self._currency, self._roundings[partner_id])

    def total(self, groups: Iterable[tuple[int, Decimal, str]]) -> Valued:
        points = value = 0
        for group_points, price, partner_id in groups:
            points += group_points
            value += self.value(group_points, price, partner_id)
        return Valued(points, value)


def settle(
    inputs: SettlementInputs, currency: Currency, roundings: Mapping[str, Rounding]
) -> Settlement:
    """The day's settlement for every partner in ``roundings`` (their settlement rounding)."""
    pricer = _Pricer(currency, roundings)
    matrix = _matrix(inputs.redemptions, pricer)
    _check_attribution(matrix, inputs.redeemed_points)
    outstanding = _outstanding(inputs)
    partners = tuple(
        _partner(partner_id, inputs, matrix, outstanding, pricer)
        for partner_id in sorted(roundings)
    )
    margin_minor = sum(p.pays_minor for p in partners) - sum(p.receives_minor for p in partners)
    require(
        sum(p.net_position_minor for p in partners) == -margin_minor,
        "net positions must sum to minus the margin",
    )
    return Settlement(
        day=inputs.day,
        currency=currency.code,
        partners=partners,
        matrix=matrix,
        transfers=_transfers(partners),
        margin_minor=margin_minor,
        breakage=Valued(
            sum(p.expired.points for p in partners), sum(p.expired.value_minor for p in partners)
        ),
        outstanding=outstanding,
        adjustments=inputs.adjustments,
        transaction_count=inputs.transaction_count,
        late=inputs.late,
    )


def _matrix(groups: Iterable[RedemptionGroup], pricer: _Pricer) -> tuple[MatrixCell, ...]:
    by_pair: dict[tuple[str, str], list[RedemptionGroup]] = defaultdict(list)
    for group in groups:
        by_pair[group.issuer_id, group.redeemer_id].append(group)
    cells = []
    for (issuer, redeemer), pair in sorted(by_pair.items()):
        redemption = pricer.total((g.points, g.redemption_price, redeemer) for g in pair)
        issue = pricer.total((g.points, g.issue_price, issuer) for g in pair)
        if redemption.points or redemption.value_minor or issue.value_minor:
            cells.append(
                MatrixCell(
                    issuer, redeemer, redemption.points, redemption.value_minor, issue.value_minor
                )
            )
    return tuple(cells)


def _check_attribution(matrix: Iterable[MatrixCell], redeemed_points: Mapping[str, int]) -> None:
    """Every redeemed point was traced to exactly one issuer's lot."""
    traced: dict[str, int] = defaultdict(int)
    for cell in matrix:
        traced[cell.redeemer_id] += cell.points
    for partner_id in set(traced) | set(redeemed_points):
        require(
            traced[partner_id] == redeemed_points.get(partner_id, 0),
            f"{partner_id}: {redeemed_points.get(partner_id, 0)} points redeemed but "
            f"{traced[partner_id]} traced to issuers' lots",
        )


def _outstanding(inputs: SettlementInputs) -> tuple[OutstandingGroup, ...]:
    """The previous day's outstanding points carried forward with the window's lot flows."""
    points: dict[tuple[str, Decimal], int] = defaultdict(int)
    for group in inputs.previous_outstanding:
        points[group.issuer_id, group.issue_price] += group.points
    for flow in inputs.lot_flows:
        points[flow.issuer_id, flow.issue_price] += flow.points
    for (issuer, price), total in points.items():
        require(total >= 0, f"{issuer}: {total} points outstanding at {price}, below zero")
    return tuple(
        OutstandingGroup(issuer, price, total)
        for (issuer, price), total in sorted(points.items())
        if total
    )


def _partner(
    partner_id: str,
    inputs: SettlementInputs,
    matrix: tuple[MatrixCell, ...],
    outstanding: tuple[OutstandingGroup, ...],
    pricer: _Pricer,
) -> PartnerSettlement:
    issues = [g for g in inputs.issues if g.partner_id == partner_id]
    flows = [f for f in inputs.lot_flows if f.issuer_id == partner_id]

    def issued(funder: Funder) -> Valued:
        return pricer.total(
            (g.points, g.issue_price, partner_id) for g in issues if g.funder is funder
        )

    def leaving(flow: LotFlow) -> Valued:
        return pricer.total((-f.points, f.issue_price, partner_id) for f in flows if f.flow is flow)

    cells = [cell for cell in matrix if cell.redeemer_id == partner_id]
    return PartnerSettlement(
        partner_id=partner_id,
        issued_partner_funded=issued(Funder.PARTNER),
        issued_coalition_funded=issued(Funder.COALITION),
        redeemed=Valued(sum(c.points for c in cells), sum(c.redemption_value_minor for c in cells)),
        expired=leaving(LotFlow.EXPIRED),
        annulled=leaving(LotFlow.ANNULLED),
        outstanding=pricer.total(
            (g.points, g.issue_price, partner_id) for g in outstanding if g.issuer_id == partner_id
        ),
    )


def _transfers(partners: Iterable[PartnerSettlement]) -> tuple[Transfer, ...]:
    """Each partner pays its net debit into the clearing account, or is paid its net credit."""
    transfers = []
    for partner in partners:
        net = partner.net_position_minor
        if net < 0:
            transfers.append(Transfer(partner.partner_id, CLEARING_ACCOUNT, -net))
        elif net > 0:
            transfers.append(Transfer(CLEARING_ACCOUNT, partner.partner_id, net))
    return tuple(transfers)
