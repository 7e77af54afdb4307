"""The one way an idempotent use case runs: claim, read, decide, write, in one transaction.

An attempt sends the idempotency claim and the use case's reads together (one round trip on
PostgreSQL); a key already answered replays its stored response; otherwise the use case decides
on what it read and queues its writes, which travel with the stored response and the COMMIT
(the second round trip). An attempt that lost a race in the database is run again from the
start (``retrying``); nothing of a failed attempt is stored, so a retry by the caller runs it
again too. An operation the fraud checks refuse (``FlaggedRefusal``) posts nothing, and its flag is
then recorded in a transaction of its own, so analysts see attempts that never posted.

A use case without an idempotency key (staff's changes, background work) runs with ``run``:
one unit of work per attempt, committed, and run again from the start when it lost a race.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from hub.domain.clock import Clock
from hub.domain.flags import Flag
from hub.services import codec
from hub.services.idempotency import IdempotentRequest
from hub.services.ports.reads import Later
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.retry import retrying
from hub.services.screening import FlaggedRefusal

S = TypeVar("S")
R = TypeVar("R")

Read = Callable[[UnitOfWork, datetime], Later[S]]
"""Send what the use case reads; called once per attempt, before anything is answered."""
Apply = Callable[[UnitOfWork, S, datetime], R]
"""Decide on what was read and queue the writes; returns the caller's answer."""


def nothing(_uow: UnitOfWork, _now: datetime) -> Later[None]:
    """For a use case that sends no read of its own with the claim."""
    return lambda: None


def run_idempotent(
    request: IdempotentRequest,
    result_type: type[R],
    read: Read[S],
    apply: Apply[S, R],
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> R:
    """Apply the request once per idempotency key; see the module docstring."""

    def attempt() -> R:
        now = clock.now()
        with uow_factory() as uow:
            claimed = uow.idempotency.claim_later(
                request.partner_id, request.key, request.operation, request.digest, now
            )
            state = read(uow, now)
            if (stored := claimed()) is not None:
                return request.replay(stored, result_type)
            result = apply(uow, state(), now)
            uow.idempotency.save(request.partner_id, request.key, codec.encode(result))
            uow.commit()
            return result

    try:
        return retrying(attempt)
    except FlaggedRefusal as refused:
        _record(refused.flag, uow_factory)
        raise refused.error from None


def execute(
    request: IdempotentRequest,
    result_type: type[R],
    effect: Callable[[UnitOfWork, datetime], R],
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> R:
    """``run_idempotent`` for a use case that reads as it goes (``effect(uow, now)``)."""
    return run_idempotent(
        request,
        result_type,
        nothing,
        lambda uow, _state, now: effect(uow, now),
        uow_factory=uow_factory,
        clock=clock,
    )


def run(
    work: Callable[[UnitOfWork], R],
    *,
    uow_factory: UnitOfWorkFactory,
    commit: bool = True,
    **uow_options: bool,
) -> R:
    """``work(uow)`` in a unit of work of its own (``uow_options``: the factory's, such as
    ``snapshot``), committed unless ``commit=False``; see the module docstring.

    Each attempt gets a fresh unit of work, so ``work`` reads again what a concurrent
    transaction changed (and takes ``clock.now()`` itself when it needs the time). An error it
    raises rolls the attempt back and reaches the caller as it is: only a lost race runs it
    again, ``retry.ATTEMPTS_MAX`` times at most, then ``ConcurrencyConflict``.
    """

    def attempt() -> R:
        with uow_factory(**uow_options) as uow:
            result = work(uow)
            if commit:
                uow.commit()
            return result

    return retrying(attempt)


def _record(flag: Flag, uow_factory: UnitOfWorkFactory) -> None:
    run(lambda uow: uow.fraud.add_flag(flag), uow_factory=uow_factory)
