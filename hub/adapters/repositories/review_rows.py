"""Rows of flags, analysts' actions and a member's transactions as analysts see them: the
mapping shared by the hot path (``hub.adapters.repositories.fraud``), which inserts flags,
and the analysts' reads (``reviews``, ``review_queue``, ``timeline``)."""

from __future__ import annotations

import json

from fraud.facts import Location, Operation
from fraud.verdicts import Decision, RuleCode, Verdict
from hub.adapters.sql import Row
from hub.adapters.tables import fraud_flag_rules, fraud_flags
from hub.domain.currencies import currency
from hub.domain.flags import ActionKind, AnalystAction, Flag, FlagStatus
from hub.domain.ledger import TransactionKind
from hub.domain.money import Money
from hub.domain.purchases import Channel, PointOfSale
from hub.services.ports.reviews import AccountTransaction

FLAG_INSERT = fraud_flags.insert()
"""Insert one flag row (``flag_rows(flag)[0]``)."""
FLAG_RULE_INSERT = fraud_flag_rules.insert()
"""Insert the flag's per-rule rows (``flag_rows(flag)[1]``)."""


def verdicts_json(verdicts: tuple[Verdict, ...]) -> str:
    return json.dumps(
        [
            {
                "rule": v.rule.value,
                "decision": v.decision.value,
                "score": v.score,
                "detail": v.detail,
            }
            for v in verdicts
        ]
    )


def verdicts_from_json(text: str) -> tuple[Verdict, ...]:
    return tuple(
        Verdict(RuleCode(v["rule"]), Decision(v["decision"]), int(v["score"]), v["detail"])
        for v in json.loads(text)
    )


def flag_rows(flag: Flag) -> tuple[dict[str, object], list[dict[str, object]]]:
    """The flag's ``fraud_flags`` row and its ``fraud_flag_rules`` rows (one per rule; a rule
    that fired twice keeps its highest score, the table's key being flag and rule)."""
    row: dict[str, object] = {
        "id": flag.id,
        "raised_at": flag.raised_at,
        "partner_id": flag.partner_id,
        "member_id": flag.member_id,
        "operation": flag.operation.value,
        "decision": flag.decision.value,
        "score": flag.score,
        "verdicts": verdicts_json(flag.verdicts),
        "points": flag.points,
        "order_id": flag.order_id or None,
        "transaction_id": flag.transaction_id,
        "hold_id": flag.hold_id,
        "status": flag.status.value,
        "resolved_at": flag.resolved_at,
        "resolved_by": flag.resolved_by or None,
        "note": flag.note or None,
        "dedupe_key": flag.dedupe_key,
    }
    scores: dict[str, int] = {}
    for verdict in flag.verdicts:
        scores[verdict.rule.value] = max(verdict.score, scores.get(verdict.rule.value, 0))
    rules = [{"flag_id": flag.id, "rule": rule, "score": score} for rule, score in scores.items()]
    return row, rules


def flag_from_row(row: Row) -> Flag:
    return Flag(
        id=row["id"],
        raised_at=row["raised_at"],
        partner_id=row["partner_id"],
        member_id=row["member_id"],
        operation=Operation(row["operation"]),
        decision=Decision(row["decision"]),
        score=row["score"],
        verdicts=verdicts_from_json(row["verdicts"]),
        points=row["points"],
        order_id=row["order_id"] or "",
        transaction_id=row["transaction_id"],
        hold_id=row["hold_id"],
        status=FlagStatus(row["status"]),
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"] or "",
        note=row["note"] or "",
        dedupe_key=row["dedupe_key"],
    )


def action_row(action: AnalystAction) -> dict[str, object]:
    return {
        "id": action.id,
        "at": action.at,
        "actor": action.actor,
        "action": action.action.value,
        "member_id": action.member_id,
        "reason": action.reason,
        "flag_id": action.flag_id,
        "hold_id": action.hold_id,
        "transaction_id": action.transaction_id,
        "points": action.points,
    }


def action_from_row(row: Row) -> AnalystAction:
    return AnalystAction(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=ActionKind(row["action"]),
        member_id=row["member_id"],
        reason=row["reason"],
        flag_id=row["flag_id"],
        hold_id=row["hold_id"],
        transaction_id=row["transaction_id"],
        points=row["points"],
    )


def point_of_sale(row: Row) -> PointOfSale | None:
    if row["channel"] is None:
        return None
    location = None
    if row["latitude"] is not None and row["longitude"] is not None:
        location = Location(row["latitude"], row["longitude"])
    return PointOfSale(
        Channel(row["channel"]),
        row["store_id"] or "",
        row["terminal_id"] or "",
        row["cashier_id"] or "",
        location,
    )


def account_transaction(row: Row) -> AccountTransaction:
    purchase = None
    if row["purchase_amount_minor"] is not None:
        purchase = Money(row["purchase_amount_minor"], currency(row["purchase_currency"]))
    return AccountTransaction(
        id=row["id"],
        kind=TransactionKind(row["kind"]),
        created_at=row["created_at"],
        partner_id=row["partner_id"],
        points=row["points"],
        order_id=row["order_id"],
        purchase=purchase,
        point_of_sale=point_of_sale(row),
        related_id=row["related_id"],
    )
