"""Points without a purchase: a partner's events (reviews, referrals, completed profiles)."""

from __future__ import annotations

from hub.domain.clock import Clock
from hub.domain.members import IdentifierHasher
from hub.services.commands import GrantEvent
from hub.services.results import EventGranted
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import UnitOfWorkFactory


def grant_event(
    cmd: GrantEvent,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    rules: RuleCache,
) -> EventGranted:
    """Credit the points the partner's event rule gives, within its per-member limit."""
    raise NotImplementedError
