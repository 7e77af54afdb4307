"""``transactions.run``: one unit of work per attempt, committed, retried when it lost a race."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.domain.errors import ConcurrencyConflict, InsufficientPoints
from hub.services import retry, transactions
from hub.services.ports.conflicts import TransientConflict


class FakeUnitOfWork:
    """Records what happened to it; ``commit_fails_with`` makes its COMMIT refused."""

    def __init__(self, log: list[str], commit_fails_with: Exception | None = None) -> None:
        self.log = log
        self.commit_fails_with = commit_fails_with
        self.committed = False

    def __enter__(self) -> FakeUnitOfWork:
        self.log.append("enter")
        return self

    def __exit__(self, *_exc: object) -> None:
        self.log.append("exit")

    def commit(self) -> None:
        self.log.append("commit")
        if self.commit_fails_with is not None:
            raise self.commit_fails_with
        self.committed = True


class FakeUnitOfWorkFactory:
    """A fresh fake unit of work per call, remembering each one and the options it was asked."""

    def __init__(self, commit_failures: list[Exception] | None = None) -> None:
        self.log: list[str] = []
        self.made: list[FakeUnitOfWork] = []
        self.options: list[dict[str, Any]] = []
        self._commit_failures = list(commit_failures or [])

    def __call__(self, **options: Any) -> FakeUnitOfWork:
        failure = self._commit_failures.pop(0) if self._commit_failures else None
        uow = FakeUnitOfWork(self.log, failure)
        self.made.append(uow)
        self.options.append(options)
        return uow

    @property
    def commits(self) -> int:
        return sum(uow.committed for uow in self.made)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda _s: None)


def test_work_runs_in_one_unit_of_work_committed_once_and_its_result_is_returned():
    factory = FakeUnitOfWorkFactory()

    def work(uow):
        factory.log.append("work")
        return "done"

    assert transactions.run(work, uow_factory=factory) == "done"
    assert factory.log == ["enter", "work", "commit", "exit"]
    assert factory.commits == 1


def test_the_unit_of_work_options_reach_the_factory():
    factory = FakeUnitOfWorkFactory()

    transactions.run(lambda uow: None, uow_factory=factory, snapshot=True)

    assert factory.options == [{"snapshot": True}]


def test_work_that_lost_a_race_runs_again_in_a_fresh_unit_of_work_then_commits():
    factory = FakeUnitOfWorkFactory()
    seen: list[FakeUnitOfWork] = []

    def work(uow):
        seen.append(uow)
        if len(seen) < 3:
            raise TransientConflict("deadlock detected")
        return len(seen)

    assert transactions.run(work, uow_factory=factory) == 3
    assert len(set(map(id, seen))) == 3
    assert [uow.committed for uow in seen] == [False, False, True]
    assert factory.log.count("exit") == 3


def test_a_commit_refused_for_a_conflict_runs_the_whole_attempt_again():
    factory = FakeUnitOfWorkFactory(commit_failures=[TransientConflict("could not serialize")])
    attempts: list[object] = []

    assert transactions.run(lambda uow: attempts.append(uow), uow_factory=factory) is None
    assert len(attempts) == 2
    assert factory.log.count("commit") == 2
    assert factory.commits == 1


def test_work_that_keeps_losing_is_aborted_after_the_bounded_attempts_with_nothing_committed():
    factory = FakeUnitOfWorkFactory()
    attempts: list[object] = []

    def work(uow):
        attempts.append(uow)
        raise TransientConflict("could not serialize access")

    with pytest.raises(ConcurrencyConflict):
        transactions.run(work, uow_factory=factory)
    assert len(attempts) == retry.ATTEMPTS_MAX
    assert "commit" not in factory.log
    assert factory.log.count("exit") == retry.ATTEMPTS_MAX


def test_a_domain_error_is_not_retried_commits_nothing_and_reaches_the_caller():
    factory = FakeUnitOfWorkFactory()
    attempts: list[object] = []
    refusal = InsufficientPoints("the member has 10 points available")

    def work(uow):
        attempts.append(uow)
        raise refusal

    with pytest.raises(InsufficientPoints) as raised:
        transactions.run(work, uow_factory=factory)
    assert raised.value is refusal
    assert len(attempts) == 1
    assert factory.log == ["enter", "exit"]


def test_work_run_without_commit_is_left_uncommitted():
    factory = FakeUnitOfWorkFactory()

    assert transactions.run(lambda uow: "read", uow_factory=factory, commit=False) == "read"
    assert factory.log == ["enter", "exit"]


def test_a_request_field_added_later_and_left_unset_does_not_change_the_fingerprint():
    # An earn sent before purchased_at existed and retried after the upgrade must still match.
    import dataclasses

    from hub.domain.currencies import currency
    from hub.domain.money import Money
    from hub.domain.purchases import Purchase
    from hub.services import codec
    from hub.services.commands import Earn
    from hub.services.idempotency import IdempotentRequest

    purchase = Purchase(Money(1000, currency("EUR")), "r-1")
    command = Earn("coffee", "key-1", uuid.UUID(int=7), purchase)
    before_the_upgrade = codec.to_plain(command)
    before_the_upgrade["purchase"].pop("purchased_at")
    before_the_upgrade.pop("idempotency_key")
    message = f"earn\n{codec.encode(before_the_upgrade)}".encode()
    assert IdempotentRequest.of("earn", command).digest == hashlib.sha256(message).digest()
    later = dataclasses.replace(
        command,
        purchase=dataclasses.replace(purchase, purchased_at=datetime(2026, 12, 1, tzinfo=UTC)),
    )
    assert (
        IdempotentRequest.of("earn", later).digest != IdempotentRequest.of("earn", command).digest
    )
