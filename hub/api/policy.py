"""Who may call what: one table, every RPC of every hub service, checked before the call runs.

A method missing from the table is refused to everyone, so a new RPC is closed until someone
decides who may call it (``tests/e2e/test_authorization.py`` walks the whole table).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from google.protobuf.descriptor import ServiceDescriptor

from coalition.hub.v1 import (
    admin_pb2,
    fraud_pb2,
    goodwill_pb2,
    merge_pb2,
    partner_pb2,
    rules_pb2,
    settlement_pb2,
    tuning_pb2,
)
from hub.domain.errors import RoleNotAllowed
from hub.domain.principals import Principal, Role

PARTNER_SERVICE = partner_pb2.DESCRIPTOR.services_by_name["PartnerService"]
ADMIN_SERVICE = admin_pb2.DESCRIPTOR.services_by_name["AdminService"]
RULES_SERVICE = rules_pb2.DESCRIPTOR.services_by_name["RulesService"]
FRAUD_SERVICE = fraud_pb2.DESCRIPTOR.services_by_name["FraudReviewService"]
SETTLEMENT_SERVICE = settlement_pb2.DESCRIPTOR.services_by_name["SettlementService"]
PARTNER_SETTLEMENT_SERVICE = settlement_pb2.DESCRIPTOR.services_by_name["PartnerSettlementService"]
TUNING_SERVICE = tuning_pb2.DESCRIPTOR.services_by_name["FraudTuningService"]
GOODWILL_SERVICE = goodwill_pb2.DESCRIPTOR.services_by_name["GoodwillService"]
MERGE_SERVICE = merge_pb2.DESCRIPTOR.services_by_name["MergeService"]
HUB_SERVICES = (
    PARTNER_SERVICE,
    ADMIN_SERVICE,
    RULES_SERVICE,
    FRAUD_SERVICE,
    SETTLEMENT_SERVICE,
    PARTNER_SETTLEMENT_SERVICE,
    TUNING_SERVICE,
    GOODWILL_SERVICE,
    MERGE_SERVICE,
)


def _every_method(service: ServiceDescriptor, *roles: Role) -> dict[str, frozenset[Role]]:
    return {f"/{service.full_name}/{method.name}": frozenset(roles) for method in service.methods}


POLICY: Mapping[str, frozenset[Role]] = MappingProxyType(
    {
        # Partners act only on their own business; the use cases scope every read and write
        # to the calling partner, so other partners' ids answer NOT_FOUND.
        **_every_method(PARTNER_SERVICE, Role.PARTNER),
        **_every_method(ADMIN_SERVICE, Role.ADMIN),
        **_every_method(RULES_SERVICE, Role.ADMIN),
        # Analysts work fraud; admins configure its thresholds (RulesService) but do not act
        # on members' accounts, so neither role can both set a rule and quietly clear its hits.
        **_every_method(FRAUD_SERVICE, Role.ANALYST),
        # Officers settle and approve; partners fetch and reconcile only their own day.
        **_every_method(SETTLEMENT_SERVICE, Role.OFFICER),
        **_every_method(PARTNER_SETTLEMENT_SERVICE, Role.PARTNER),
        # A preview reads and writes nothing: operators try thresholds before they save them,
        # analysts see what a setting would put in their queue.
        **_every_method(TUNING_SERVICE, Role.ADMIN, Role.ANALYST),
        # Goodwill credits: analysts (who hear members' complaints in their reviews) and
        # operators request and approve them, four eyes being two persons of either role.
        # Officers do not: they settle what the credits bill to partners, and approving that
        # settlement should not also be creating its issues.
        **_every_method(GOODWILL_SERVICE, Role.ADMIN, Role.ANALYST),
        # Merging accounts is account administration: operators only. Analysts freeze and
        # annul; a merge could move an account under review out of their sight.
        **_every_method(MERGE_SERVICE, Role.ADMIN),
    }
)


def require_allowed(method: str, principal: Principal) -> None:
    """Refuse ``principal`` unless its role may call ``method``."""
    if principal.role not in POLICY.get(method, frozenset()):
        raise RoleNotAllowed(f"a caller with the {principal.role.value} role may not call {method}")
