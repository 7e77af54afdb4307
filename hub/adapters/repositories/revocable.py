"""What certificates and API keys share: a revocation written over the row, and the one
statement every call reads to admit its caller (the credential and the partner's access)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.adapters.sql import Row
from hub.adapters.tables import partners
from hub.adapters.types import UtcDateTime
from hub.domain.access import PartnerAccess
from hub.domain.partners import PartnerStatus


def revoke_statement(table: sa.Table, key: sa.Column[str]) -> sa.Update:
    """Set the revocation of the row whose ``key`` is ``b_key``."""
    return (
        sa.update(table)
        .where(key == sa.bindparam("b_key"))
        .values(
            revoked_at=sa.bindparam("b_revoked_at", type_=UtcDateTime()),
            revoked_by=sa.bindparam("b_revoked_by"),
            revoked_reason=sa.bindparam("b_revoked_reason"),
        )
    )


def access_statement(table: sa.Table, key: sa.Column[str], key_param: str) -> sa.Select[Any]:
    """Every call reads this, so it is one statement: a one-row anchor, then the credential
    and the partner, each of which may be missing (insecure hubs have no serial, staff no
    partner, an unknown key no row)."""
    anchor = sa.select(sa.literal(1).label("one")).subquery("anchor")
    return sa.select(
        table,
        partners.c.status.label("partner_status"),
        partners.c.rate_limit_per_s,
        partners.c.phone_region,
    ).select_from(
        anchor.outerjoin(table, key == sa.bindparam(key_param)).outerjoin(
            partners, partners.c.id == sa.bindparam("partner_id")
        )
    )


def partner_access(row: Row) -> PartnerAccess | None:
    """The partner's access from an ``access_statement`` row; ``None``: no such partner."""
    if row["partner_status"] is None:
        return None
    status = PartnerStatus(row["partner_status"])
    return PartnerAccess(status, row["rate_limit_per_s"], row["phone_region"])
