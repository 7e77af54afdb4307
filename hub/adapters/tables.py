"""The schema, as SQLAlchemy Core tables. Alembic migrations create it; keep both in step.

Constraint names follow ``NAMING_CONVENTION`` so that a violated constraint can be recognised
by name (``hub.adapters.sql`` maps some of them to domain errors).
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.adapters.types import ExactDecimal, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

ID = sa.Uuid(as_uuid=True)
PARTNER_ID = sa.String(32)
SHORT_TEXT = sa.String(64)
POINTS = sa.BigInteger()

partners = sa.Table(
    "partners",
    metadata,
    sa.Column("id", PARTNER_ID, primary_key=True),
    sa.Column("name", SHORT_TEXT, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("rounding", sa.String(16), nullable=False),
    sa.Column("pending_period_s", sa.Integer, nullable=False),
    sa.Column("expiry", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("hold_ttl_s", sa.Integer, nullable=False, server_default="900"),
    sa.Column("burn_min_points", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("burn_max_share", ExactDecimal, nullable=False, server_default="1"),
    sa.Column("burn_min_cash_minor", sa.BigInteger, nullable=False, server_default="0"),
    # JSON list of line-item categories points cannot pay for.
    sa.Column("burn_excluded_categories", sa.Text, nullable=False, server_default="[]"),
    # Requests per second this partner may make; NULL takes the hub's default.
    sa.Column("rate_limit_per_s", sa.Integer, nullable=True),
    # ISO 3166 region national phone numbers from this partner are read in (e.g. RU); NULL:
    # only international ('+') numbers are accepted.
    sa.Column("phone_region", sa.String(2), nullable=True),
    # How the base points of an earn round: down, half_up or up (settlement has `rounding`).
    sa.Column("earn_rounding", sa.String(16), nullable=False, server_default="down"),
    # JSON object: category -> largest share of its lines payable with points (decimal string).
    sa.Column("burn_category_shares", sa.Text, nullable=False, server_default="{}"),
    # How long after a sale its earn may still be sent (store-and-forward), in seconds; 0:
    # only at the time of the sale.
    sa.Column("offline_window_s", sa.Integer, nullable=False, server_default="259200"),
)

partner_rates = sa.Table(
    "partner_rates",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=False),
    sa.Column("effective_from", UtcDateTime, nullable=False),
    sa.Column("earn_rate", ExactDecimal, nullable=False),
    sa.Column("burn_value", ExactDecimal, nullable=False),
    sa.Column("issue_price", ExactDecimal, nullable=False),
    sa.Column("redemption_price", ExactDecimal, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("partner_id", "effective_from"),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("enrolled_at", UtcDateTime, nullable=False),
    sa.Column("enrolled_by", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=False),
    # Set when the member's personal data was erased on request; the ledger keeps the id.
    sa.Column("erased_at", UtcDateTime, nullable=True),
    # The member's tier in the coalition's tier scheme; NULL is the scheme's base tier.
    sa.Column("tier", sa.String(32), nullable=True),
    # When the tier was last set (an upgrade, or a review): a review skips members set since
    # its period started, so running it twice changes nothing.
    sa.Column("tier_since", UtcDateTime, nullable=True),
    sa.Index("ix_members_tier", "tier"),
)

member_contacts = sa.Table(
    "member_contacts",
    metadata,
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), primary_key=True),
    # AES-256-GCM under the data key named by key_id; the member id is the associated data,
    # so a ciphertext moved to another member's row fails to decrypt.
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("nonce", sa.LargeBinary(12), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

member_identifiers = sa.Table(
    "member_identifiers",
    metadata,
    # HMAC-SHA256 of the normalized identifier; the raw value is never stored.
    sa.Column("digest", sa.LargeBinary(32), primary_key=True),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("code", sa.String(80), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=True, index=True),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=True),
    # Running totals; kept for member accounts only (hot accounts derive theirs from entries).
    sa.Column("debits_posted", POINTS, nullable=False, server_default="0"),
    sa.Column("credits_posted", POINTS, nullable=False, server_default="0"),
    sa.Column("debits_pending", POINTS, nullable=False, server_default="0"),
    sa.Column("credits_pending", POINTS, nullable=False, server_default="0"),
)

_PRICED_ELSEWHERE = "kind IN ('bonus', 'refund_earn', 'refund_redemption')"

transactions = sa.Table(
    "transactions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("points", POINTS, nullable=False),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=True),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=True),
    sa.Column("related_id", ID, sa.ForeignKey("transactions.id"), nullable=True),
    sa.Column("order_id", SHORT_TEXT, nullable=True),
    sa.Column("purchase_amount_minor", sa.BigInteger, nullable=True),
    sa.Column("purchase_currency", sa.String(3), nullable=True),
    # The rates this transaction used, copied so that no later change can alter its meaning.
    sa.Column("rate_version_id", ID, sa.ForeignKey("partner_rates.id"), nullable=True),
    sa.Column("earn_rate", ExactDecimal, nullable=True),
    sa.Column("burn_value", ExactDecimal, nullable=True),
    sa.Column("issue_price", ExactDecimal, nullable=True),
    sa.Column("redemption_price", ExactDecimal, nullable=True),
    sa.Column("rates_effective_from", UtcDateTime, nullable=True),
    sa.Column("channel", sa.String(16), nullable=True),
    sa.Column("store_id", SHORT_TEXT, nullable=True),
    sa.Column("terminal_id", SHORT_TEXT, nullable=True),
    sa.Column("cashier_id", SHORT_TEXT, nullable=True),
    sa.Column("line_items", sa.Text, nullable=True),
    sa.Column("available_at", UtcDateTime, nullable=True),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    # Earns: the breakdown as JSON, so support can explain every point whatever the rules
    # have become since.
    sa.Column("breakdown", sa.Text, nullable=True),
    # Of the points, those the coalition funds (campaigns and bonuses it pays for); the
    # partner funds the rest. Settlement bills by it.
    sa.Column("coalition_funded_points", POINTS, nullable=False, server_default="0"),
    # Earns: the partner's earn rounding mode that made the base points; NULL (earns from
    # before partners could choose) was down.
    sa.Column("earn_rounding", sa.String(16), nullable=True),
    # Bonuses: welcome, or the event (review, referral, referee, profile-completed), and the
    # rule that gave them.
    sa.Column("event", sa.String(32), nullable=True),
    sa.Column("rule_id", sa.String(64), nullable=True),
    # The store's location as the partner gave it: fraud checks compare consecutive tills.
    sa.Column("latitude", ExactDecimal, nullable=True),
    sa.Column("longitude", ExactDecimal, nullable=True),
    # The database transaction that wrote the row (migration 0009 sets it: a column default
    # on PostgreSQL, a trigger numbering in commit order on SQLite; NULL before it): settlement
    # takes a row its previous run could not see with the next open day, whatever its stamp.
    sa.Column("xid", sa.BigInteger, nullable=True),
    # Refunds of earns by line: JSON [[line index, "n/d" share of the line returned], ...].
    sa.Column("returned_lines", sa.Text, nullable=True),
    # Refunds of earns that took the member below its tier's threshold: the tier lost and the
    # tier it dropped to.
    sa.Column("tier_before", sa.String(32), nullable=True),
    sa.Column("tier_after", sa.String(32), nullable=True),
    # Earns a till queued while the hub was unreachable and sent later (store-and-forward):
    # when the sale was made; created_at is when the hub posted it. NULL: made when posted.
    sa.Column("purchased_at", UtcDateTime, nullable=True),
    sa.Index("ix_transactions_partner_id_created_at_id", "partner_id", "created_at", "id"),
    sa.Index("ix_transactions_member_id_created_at", "member_id", "created_at"),
    sa.Index("ix_transactions_created_at", "created_at"),
    sa.Index("ix_transactions_xid", "xid"),
    # Fraud checks: the member's latest earns (history, the latest earn at another partner),
    # read newest first. Without it the planner may AND the member's index with all the earns
    # of uq_transactions_earn_order, a read that grows with the ledger.
    sa.Index(
        "ix_transactions_member_earns",
        "member_id",
        "created_at",
        postgresql_where=sa.text("kind = 'earn'"),
        sqlite_where=sa.text("kind = 'earn'"),
    ),
    # Fraud checks: the member's last till with a location, without reading those without.
    sa.Index(
        "ix_transactions_member_sightings",
        "member_id",
        "created_at",
        postgresql_where=sa.text("latitude IS NOT NULL"),
        sqlite_where=sa.text("latitude IS NOT NULL"),
    ),
    # Settlement reads the few transactions priced from another row (refunds of earns take
    # their earn's price, bonuses the rate in force) without scanning the day's earns.
    sa.Index(
        "ix_transactions_priced_elsewhere",
        "created_at",
        postgresql_where=sa.text(_PRICED_ELSEWHERE),
        sqlite_where=sa.text(_PRICED_ELSEWHERE),
    ),
    # From an original to what followed it (captures of a hold, refunds): settlement finds
    # the capture a refunded redemption came from.
    sa.Index(
        "ix_transactions_related_id",
        "related_id",
        postgresql_where=sa.text("related_id IS NOT NULL"),
        sqlite_where=sa.text("related_id IS NOT NULL"),
    ),
    # One earn per order at a partner, decided by the database even under concurrent requests.
    sa.Index(
        "uq_transactions_earn_order",
        "partner_id",
        "order_id",
        unique=True,
        postgresql_where=sa.text("kind = 'earn'"),
        sqlite_where=sa.text("kind = 'earn'"),
    ),
)

entries = sa.Table(
    "entries",
    metadata,
    sa.Column("transaction_id", ID, sa.ForeignKey("transactions.id"), primary_key=True),
    sa.Column("line", sa.SmallInteger, primary_key=True),
    sa.Column("account_id", ID, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # Credits positive, debits negative.
    sa.Column("amount_points", POINTS, nullable=False),
    sa.Column("phase", sa.String(8), nullable=False),
)

lots = sa.Table(
    "lots",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=False),
    sa.Column("earn_transaction_id", ID, sa.ForeignKey("transactions.id"), nullable=False),
    sa.Column("points", POINTS, nullable=False),
    sa.Column("remaining_points", POINTS, nullable=False),
    sa.Column("reserved_points", POINTS, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("available_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    # The earn's issue price, copied so settlement values lots without rereading the earns;
    # NULL for bonuses (the issuer's price in force when granted).
    sa.Column("issue_price", ExactDecimal, nullable=True),
    # Its earn's database transaction, as on ``transactions.xid``.
    sa.Column("xid", sa.BigInteger, nullable=True),
    sa.CheckConstraint(
        "0 <= reserved_points AND reserved_points <= remaining_points"
        " AND remaining_points <= points",
        name="amounts",
    ),
    sa.Index("ix_lots_member_id_expires_at", "member_id", "expires_at"),
    # The sweeper's scans: pending lots by maturity, available ones by expiry.
    sa.Index("ix_lots_status_available_at", "status", "available_at"),
    sa.Index("ix_lots_status_expires_at", "status", "expires_at"),
    # Settlement's new lots of a day (BRIN on PostgreSQL: lots are written in about that
    # order, and a block range summary costs an earn next to nothing; a b-tree on SQLite).
    sa.Index("ix_lots_created_at", "created_at", postgresql_using="brin"),
    sa.Index("ix_lots_xid", "xid", postgresql_using="brin"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("partner_id", PARTNER_ID, primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("operation", sa.String(32), nullable=False),
    sa.Column("request_hash", sa.LargeBinary(32), nullable=False),
    # JSON of the result; written in the same database transaction as the effect.
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Open holds (hub.domain.holds.OPEN_HOLD_STATUSES), as the partial unique index spells them.
_OPEN_HOLD = "status IN ('pending', 'in_review')"

holds = sa.Table(
    "holds",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=False),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("order_id", SHORT_TEXT, nullable=False),
    sa.Column("points", POINTS, nullable=False),
    sa.Column("value_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("rate_version_id", ID, sa.ForeignKey("partner_rates.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("transaction_id", ID, sa.ForeignKey("transactions.id"), nullable=False),
    sa.Column("captured_points", POINTS, nullable=False, server_default="0"),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.Column("resolution_id", ID, sa.ForeignKey("transactions.id"), nullable=True),
    # The burn value the hold used: the rate's, or the member's tier's when it is better.
    # NULL for holds placed before tiers existed: the rate's.
    sa.Column("burn_value", ExactDecimal, nullable=True),
    sa.CheckConstraint("0 <= captured_points AND captured_points <= points", name="captured"),
    # The sweeper's scan: pending holds by expiry.
    sa.Index("ix_holds_status_expires_at", "status", "expires_at"),
    sa.Index("ix_holds_member_id", "member_id"),
    # One open hold per order: a till re-authorizing with a fresh key must not hold twice
    # (hub.adapters.constraints turns a violation into DUPLICATE_ORDER). Also finds an
    # order's holds for get_hold by order id.
    sa.Index(
        "uq_holds_open_order",
        "partner_id",
        "order_id",
        unique=True,
        postgresql_where=sa.text(_OPEN_HOLD),
        sqlite_where=sa.text(_OPEN_HOLD),
    ),
    sa.Index("ix_holds_partner_id_order_id", "partner_id", "order_id", "created_at"),
)

hold_lots = sa.Table(
    "hold_lots",
    metadata,
    sa.Column("hold_id", ID, sa.ForeignKey("holds.id"), primary_key=True),
    sa.Column("lot_id", ID, sa.ForeignKey("lots.id"), primary_key=True),
    sa.Column("points", POINTS, nullable=False),
)

lot_movements = sa.Table(
    "lot_movements",
    metadata,
    sa.Column("transaction_id", ID, sa.ForeignKey("transactions.id"), primary_key=True),
    sa.Column("line", sa.SmallInteger, primary_key=True),
    sa.Column("lot_id", ID, sa.ForeignKey("lots.id"), nullable=False, index=True),
    # Signed: negative leaves the lot, positive returns to it.
    sa.Column("points", POINTS, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    # Settlement's keys, written with the movement (migration 0013 filled older rows): its
    # transaction's stamp and database transaction (as on ``transactions.xid``: a column
    # default on PostgreSQL, a trigger on SQLite), the lot's issuer and issue price (NULL for
    # a bonus's lot), and for redemptions the redeeming partner and its hold's redemption
    # price; so a night's run sums the day's movements without reading a lot or a transaction.
    sa.Column("posted_at", UtcDateTime, nullable=False),
    sa.Column("xid", sa.BigInteger, nullable=True),
    sa.Column("issuer_id", PARTNER_ID, nullable=False),
    sa.Column("issue_price", ExactDecimal, nullable=True),
    sa.Column("redeemer_id", PARTNER_ID, nullable=True),
    sa.Column("redemption_price", ExactDecimal, nullable=True),
    # Append-only and written in stamp order: BRIN on PostgreSQL, a b-tree on SQLite.
    sa.Index("ix_lot_movements_posted_at", "posted_at", postgresql_using="brin"),
    sa.Index("ix_lot_movements_xid", "xid", postgresql_using="brin"),
)

# Goodwill credits staff asked for (``hub.domain.goodwill``): pending until another person
# approves (then posted: ``transaction_id``) or rejects them; small ones are posted at once.
goodwill_credits = sa.Table(
    "goodwill_credits",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("points", POINTS, nullable=False),
    # partner or coalition; partner_id names the paying partner (NULL: the coalition pays).
    sa.Column("funder", sa.String(16), nullable=False),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("requested_by", sa.String(160), nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("decided_by", sa.String(160), nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("decision_note", sa.Text, nullable=True),
    sa.Column("transaction_id", ID, sa.ForeignKey("transactions.id"), nullable=True),
    sa.CheckConstraint("points > 0", name="points"),
    sa.Index("ix_goodwill_credits_status_requested_at", "status", "requested_at"),
    sa.Index("ix_goodwill_credits_member_id", "member_id"),
)

credentials = sa.Table(
    "credentials",
    metadata,
    # The certificate's serial number, lower-case hex.
    sa.Column("serial", sa.String(40), primary_key=True),
    sa.Column("principal", sa.String(160), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("fingerprint_sha256", sa.String(64), nullable=False),
    sa.Column("not_before", UtcDateTime, nullable=False),
    sa.Column("not_after", UtcDateTime, nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Column("issued_by", sa.String(160), nullable=False),
    sa.Column("renews", sa.String(40), nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("revoked_by", sa.String(160), nullable=True),
    sa.Column("revoked_reason", sa.Text, nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    # Assigned by the writer as the head's seq + 1 under the head's lock: the chain's order.
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(160), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(160), nullable=False),
    # Canonical JSON (sorted keys, no spaces): the bytes the MAC covers.
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("prev_mac", sa.LargeBinary(32), nullable=False),
    sa.Column("mac", sa.LargeBinary(32), nullable=False),
)

audit_head = sa.Table(
    "audit_head",
    metadata,
    # One row: the last seq and a keyed MAC over (seq, last record MAC), so the tail cannot be
    # cut off and the head re-pointed without the key. Appenders lock it: that orders the chain.
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("mac", sa.LargeBinary(32), nullable=False),
)

rule_versions = sa.Table(
    "rule_versions",
    metadata,
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=True),
    sa.Column("effective_from", UtcDateTime, nullable=False),
    # The definition as JSON; NULL when this version ends the rule.
    sa.Column("definition", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(160), nullable=False),
)

rules_head = sa.Table(
    "rules_head",
    metadata,
    # One row, bumped by every rule change in its transaction: hub processes cache the rules
    # and read only this number (with the partner, at no extra round trip) to know they are
    # current.
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.BigInteger, nullable=False),
)

cache_versions = sa.Table(
    "cache_versions",
    metadata,
    # One row, raised by database triggers (migration 0015, which also sends a NOTIFY on
    # PostgreSQL) in the transaction of every change to credentials, partners, partner_rates,
    # rule_versions and rules_head: each hub process reads it at least once a second to know
    # its in-memory admission is current (hub.adapters.cache_refresher).
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

campaign_budgets = sa.Table(
    "campaign_budgets",
    metadata,
    # Bonus points a campaign gave; earns lock the row, so concurrent earns cannot overspend.
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("spent_points", POINTS, nullable=False, server_default="0"),
)

member_links = sa.Table(
    "member_links",
    metadata,
    # Keyed digests of a member's contact phone and e-mail (and phone identifiers), under the
    # identifier key: members sharing one are linked, which the fraud checks count.
    sa.Column("digest", sa.LargeBinary(32), primary_key=True),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), primary_key=True),
    # phone or email (the contact's), or identifier (a phone the member is identified by).
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Index("ix_member_links_member_id", "member_id"),
)

# The fraud checks' running counters, kept by the write of each earn and hold so that the hot
# path never scans the ledger (migration 0014). No foreign keys: they are counters, pruned
# by the sweeper once older than the longest window a rule may use.
fraud_member_minutes = sa.Table(
    "fraud_member_minutes",
    metadata,
    # A member's earns and holds in one minute, at one partner through one cashier ("" none):
    # velocity sums the member's minutes, the cashier-card rule those at one cashier.
    sa.Column("member_id", ID, primary_key=True),
    sa.Column("minute_start", UtcDateTime, primary_key=True),
    sa.Column("partner_id", PARTNER_ID, primary_key=True),
    sa.Column("cashier_id", SHORT_TEXT, primary_key=True),
    sa.Column("earns", sa.BigInteger, nullable=False),
    sa.Column("earned_points", POINTS, nullable=False),
    sa.Column("holds", sa.BigInteger, nullable=False),
    sa.Column("held_points", POINTS, nullable=False),
    sa.Index("ix_fraud_member_minutes_minute_start", "minute_start"),
)

fraud_till_members = sa.Table(
    "fraud_till_members",
    metadata,
    # Each member's latest earn at a terminal or through a cashier (till_kind) of a partner:
    # the members of a till's window are its rows from the window's start, counted up to a cap.
    # The member leads the key, so that a till's members are only ever found through
    # ix_fraud_till_members_till, from the window's start, whatever the planner estimates.
    sa.Column("member_id", ID, primary_key=True),
    sa.Column("partner_id", PARTNER_ID, primary_key=True),
    sa.Column("till_kind", sa.String(8), primary_key=True),
    sa.Column("till_id", SHORT_TEXT, primary_key=True),
    sa.Column("last_earn_at", UtcDateTime, nullable=False),
    sa.Index(
        "ix_fraud_till_members_till",
        "partner_id",
        "till_kind",
        "till_id",
        "last_earn_at",
    ),
    sa.Index("ix_fraud_till_members_last_earn_at", "last_earn_at"),
)

fraud_member_partners = sa.Table(
    "fraud_member_partners",
    metadata,
    # A member's earns at one partner, ever: their usual basket there, for "earn far above
    # history" (one row a member and partner, kept by the write of each earn).
    sa.Column("member_id", ID, primary_key=True),
    sa.Column("partner_id", PARTNER_ID, primary_key=True),
    sa.Column("earns", sa.BigInteger, nullable=False),
    sa.Column("earned_points", POINTS, nullable=False),
)

fraud_till_rates = sa.Table(
    "fraud_till_rates",
    metadata,
    # A few rows (shards, by member) a terminal or cashier (till_kind) of a partner: its earns
    # in the current clock hour and the one before, its busiest closed hour this week and last
    # week (the till's own norm, for the till velocity rules), and its earns ever (the
    # partner's usual basket there). Shards keep concurrent earns at one till apart.
    sa.Column("partner_id", PARTNER_ID, primary_key=True),
    sa.Column("till_kind", sa.String(8), primary_key=True),
    sa.Column("till_id", SHORT_TEXT, primary_key=True),
    sa.Column("shard", sa.SmallInteger, primary_key=True),
    sa.Column("hour_start", UtcDateTime, nullable=False),
    sa.Column("hour_earns", sa.BigInteger, nullable=False),
    sa.Column("previous_hour_start", UtcDateTime, nullable=False),
    sa.Column("previous_hour_earns", sa.BigInteger, nullable=False),
    sa.Column("week_start", UtcDateTime, nullable=False),
    sa.Column("peak_earns", sa.BigInteger, nullable=False),
    sa.Column("previous_peak_earns", sa.BigInteger, nullable=False),
    sa.Column("earns", sa.BigInteger, nullable=False),
    sa.Column("earned_points", POINTS, nullable=False),
)

fraud_flags = sa.Table(
    "fraud_flags",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=False),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("operation", sa.String(16), nullable=False),
    sa.Column("decision", sa.String(8), nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    # The verdicts as JSON, for the analyst; fraud_flag_rules has one row per rule, for reports.
    sa.Column("verdicts", sa.Text, nullable=False),
    sa.Column("points", POINTS, nullable=False),
    sa.Column("order_id", SHORT_TEXT, nullable=True),
    sa.Column("transaction_id", ID, sa.ForeignKey("transactions.id"), nullable=True),
    sa.Column("hold_id", ID, sa.ForeignKey("holds.id"), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.Column("resolved_by", sa.String(160), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    # Nightly flags: member, partner, rule and business date, so a second pass adds nothing.
    sa.Column("dedupe_key", sa.String(160), nullable=True, unique=True),
    # The queue: open flags by score.
    sa.Index("ix_fraud_flags_status_score", "status", "score", "raised_at"),
    sa.Index("ix_fraud_flags_member_id_raised_at", "member_id", "raised_at"),
    sa.Index("ix_fraud_flags_raised_at", "raised_at"),
)

fraud_flag_rules = sa.Table(
    "fraud_flag_rules",
    metadata,
    sa.Column("flag_id", ID, sa.ForeignKey("fraud_flags.id"), primary_key=True),
    sa.Column("rule", sa.String(32), primary_key=True),
    sa.Column("score", sa.Integer, nullable=False),
)

fraud_actions = sa.Table(
    "fraud_actions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(160), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("flag_id", ID, sa.ForeignKey("fraud_flags.id"), nullable=True),
    sa.Column("hold_id", ID, sa.ForeignKey("holds.id"), nullable=True),
    sa.Column("transaction_id", ID, sa.ForeignKey("transactions.id"), nullable=True),
    sa.Column("points", POINTS, nullable=False, server_default="0"),
    sa.Index("ix_fraud_actions_member_id_at", "member_id", "at"),
    sa.Index("ix_fraud_actions_at", "at"),
)

SETTLEMENT_DATE = sa.Date()

settlement_runs = sa.Table(
    "settlement_runs",
    metadata,
    # One run per business date: the first run locks the day, and running it again returns it.
    sa.Column("business_date", SETTLEMENT_DATE, primary_key=True),
    # The window of transactions it settled: from the previous run's end (NULL on the first
    # run: from the beginning) to this day's cutoff, so every transaction lands in one run.
    sa.Column("window_start", UtcDateTime, nullable=True),
    sa.Column("window_end", UtcDateTime, nullable=False, unique=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("run_at", UtcDateTime, nullable=False),
    sa.Column("run_by", sa.String(160), nullable=False),
    sa.Column("approved_at", UtcDateTime, nullable=True),
    sa.Column("approved_by", sa.String(160), nullable=True),
    sa.Column("approval_note", sa.Text, nullable=True),
    # The whole settlement as canonical JSON, and its Ed25519 signature under the named key.
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("summary_signature", sa.LargeBinary(64), nullable=False),
    sa.Column("signing_key_id", sa.String(16), nullable=False),
    # The snapshot the run read under, as transaction ids: rows of transactions below xmin, or
    # below xmax and not running, were visible to it; the next run settles the others that
    # are stamped before its window (late). On SQLite xmin = xmax, the next row number.
    sa.Column("snapshot_xmin", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("snapshot_xmax", sa.BigInteger, nullable=False, server_default="0"),
    # Comma-separated ids of the transactions running then.
    sa.Column("snapshot_running", sa.Text, nullable=False, server_default=""),
    # When the run started and when its work was done (just before this row's write): how
    # long the night's run took. NULL on runs settled before migration 0024.
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),
)

settlement_statements = sa.Table(
    "settlement_statements",
    metadata,
    sa.Column(
        "business_date",
        SETTLEMENT_DATE,
        sa.ForeignKey("settlement_runs.business_date"),
        primary_key=True,
    ),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), primary_key=True),
    # The exact bytes signed (UTF-8 text), so a statement fetched again verifies again.
    sa.Column("json", sa.Text, nullable=False),
    sa.Column("json_signature", sa.LargeBinary(64), nullable=False),
    sa.Column("csv", sa.Text, nullable=False),
    sa.Column("csv_signature", sa.LargeBinary(64), nullable=False),
)

settlement_outstanding = sa.Table(
    "settlement_outstanding",
    metadata,
    # Points outstanding at a settled day's cutoff per issuer and issue price; the next run
    # carries them forward with its window's lots and movements instead of rescanning history.
    sa.Column(
        "business_date",
        SETTLEMENT_DATE,
        sa.ForeignKey("settlement_runs.business_date"),
        primary_key=True,
    ),
    sa.Column("issuer_id", PARTNER_ID, sa.ForeignKey("partners.id"), primary_key=True),
    sa.Column("issue_price", ExactDecimal, primary_key=True),
    sa.Column("points", POINTS, nullable=False),
)

settlement_reports = sa.Table(
    "settlement_reports",
    metadata,
    # A partner's own report for a settled day; a new one replaces it until approval.
    sa.Column(
        "business_date",
        SETTLEMENT_DATE,
        sa.ForeignKey("settlement_runs.business_date"),
        primary_key=True,
    ),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), primary_key=True),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    sa.Column("submitted_by", sa.String(160), nullable=False),
    sa.Column("line_count", sa.Integer, nullable=False),
    sa.Column("sha256", sa.LargeBinary(32), nullable=False),
    sa.Column("matched", sa.Integer, nullable=False),
)

settlement_report_items = sa.Table(
    "settlement_report_items",
    metadata,
    sa.Column("business_date", SETTLEMENT_DATE, primary_key=True),
    sa.Column("partner_id", PARTNER_ID, primary_key=True),
    # 1 is the first line after the header.
    sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("transaction_id", ID, nullable=True),
    sa.Column("order_id", SHORT_TEXT, nullable=True),
    sa.Column("points", POINTS, nullable=False),
    sa.ForeignKeyConstraint(
        ["business_date", "partner_id"],
        ["settlement_reports.business_date", "settlement_reports.partner_id"],
    ),
)

settlement_exceptions = sa.Table(
    "settlement_exceptions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("business_date", SETTLEMENT_DATE, nullable=False),
    sa.Column("partner_id", PARTNER_ID, nullable=False),
    # missing_at_hub, missing_at_partner or amount_mismatch.
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("item_kind", sa.String(24), nullable=False),
    sa.Column("transaction_id", ID, nullable=True),
    sa.Column("order_id", SHORT_TEXT, nullable=True),
    sa.Column("hub_points", POINTS, nullable=True),
    sa.Column("partner_points", POINTS, nullable=True),
    sa.Column("report_line", sa.Integer, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("accepted_at", UtcDateTime, nullable=True),
    sa.Column("accepted_by", sa.String(160), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.ForeignKeyConstraint(
        ["business_date", "partner_id"],
        ["settlement_reports.business_date", "settlement_reports.partner_id"],
    ),
    sa.Index("ix_settlement_exceptions_business_date_status", "business_date", "status"),
)

# The event outbox (migration 0020): written in the posting's own transaction, read by the relay.
EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

outbox_events = sa.Table(
    "outbox_events",
    metadata,
    sa.Column("id", EVENT_ID, primary_key=True, autoincrement=True),
    # Events of one key (a member, or a partner for partner-wide events) are relayed in order.
    sa.Column("ordering_key", SHORT_TEXT, nullable=False),
    sa.Column("partner_id", PARTNER_ID, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # PostgreSQL: the writing transaction (a column default); never written by the hub.
    sa.Column("xact_id", sa.BigInteger, nullable=True),
    sqlite_autoincrement=True,
)

relay_progress = sa.Table(
    "relay_progress",
    metadata,
    sa.Column("destination", sa.String(80), primary_key=True),
    sa.Column("last_event_id", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

webhook_dead_letters = sa.Table(
    "webhook_dead_letters",
    metadata,
    sa.Column("id", EVENT_ID, primary_key=True, autoincrement=True),
    sa.Column("partner_id", PARTNER_ID, nullable=False),
    sa.Column("event_id", sa.BigInteger, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text, nullable=False),
    sa.Column("failed_at", UtcDateTime, nullable=False),
    sa.Column("replayed_at", UtcDateTime, nullable=True),
    sqlite_autoincrement=True,
)

partner_event_settings = sa.Table(
    "partner_event_settings",
    metadata,
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), primary_key=True),
    sa.Column("webhook_url", sa.Text, nullable=True),
    sa.Column("webhook_secret", sa.Text, nullable=True),
    sa.Column("expiry_notice_days", sa.Integer, nullable=False, server_default="14"),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Migration 0025: the secret is sealed (``hub.domain.webhook_secrets``); a start the relay
    # has not applied yet (the last event id the webhook must not receive).
    sa.Column("webhook_start_after", sa.BigInteger, nullable=True),
)

expiry_notices = sa.Table(
    "expiry_notices",
    metadata,
    sa.Column("lot_id", ID, primary_key=True),
    sa.Column("noticed_at", UtcDateTime, nullable=False),
)

member_merges = sa.Table(
    "member_merges",
    metadata,
    # The survivor absorbed the absorbed member (``hub.services.merge``); an unmerge sets the
    # unmerge columns and posts a correcting transaction, the merge's own rows stay.
    sa.Column("id", ID, primary_key=True),
    sa.Column("survivor_id", ID, sa.ForeignKey("members.id"), nullable=False, index=True),
    sa.Column("absorbed_id", ID, sa.ForeignKey("members.id"), nullable=False, index=True),
    sa.Column("merged_at", UtcDateTime, nullable=False),
    sa.Column("merged_by", sa.String(160), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    # NULL when the absorbed member had no points and no debt to move.
    sa.Column("transaction_id", ID, nullable=True),
    sa.Column("debt_points", POINTS, nullable=False),
    sa.Column("unmerged_at", UtcDateTime, nullable=True),
    sa.Column("unmerged_by", sa.String(160), nullable=True),
    sa.Column("unmerge_reason", sa.Text, nullable=True),
    sa.Column("unmerge_transaction_id", ID, nullable=True),
)

member_merge_lots = sa.Table(
    "member_merge_lots",
    metadata,
    # The absorbed member's lots the merge gave the survivor, with what they held then.
    sa.Column("merge_id", ID, sa.ForeignKey("member_merges.id"), primary_key=True),
    sa.Column("lot_id", ID, sa.ForeignKey("lots.id"), primary_key=True),
    sa.Column("points", POINTS, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
)

member_merge_identifiers = sa.Table(
    "member_merge_identifiers",
    metadata,
    # The absorbed member's identifiers the merge moved (their digests), for an unmerge.
    sa.Column("merge_id", ID, sa.ForeignKey("member_merges.id"), primary_key=True),
    sa.Column("digest", sa.LargeBinary(32), primary_key=True),
)

# Bulk imports of a partner's own programme (``hub import members``, migration 0022).
import_runs = sa.Table(
    "import_runs",
    metadata,
    # One run per partner and file (by its SHA-256): running the same file again resumes it.
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), primary_key=True),
    sa.Column("file_sha256", sa.LargeBinary(32), primary_key=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    # The first line of the file not yet committed (the header is line 1).
    sa.Column("next_line", sa.Integer, nullable=False),
    sa.Column("imported_members", sa.BigInteger, nullable=False),
    sa.Column("imported_points", POINTS, nullable=False),
    sa.Column("refused_rows", sa.BigInteger, nullable=False),
    # running, stopped (at a refused row, as the operator chose) or finished.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

import_refusals = sa.Table(
    "import_refusals",
    metadata,
    # The rows a run refused, committed with their chunk: the report lists each exactly once
    # however often the run was resumed.
    sa.Column("partner_id", PARTNER_ID, primary_key=True),
    sa.Column("file_sha256", sa.LargeBinary(32), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(
        ["partner_id", "file_sha256"], ["import_runs.partner_id", "import_runs.file_sha256"]
    ),
)

imported_members = sa.Table(
    "imported_members",
    metadata,
    # The partner's own member id: a member is imported once, whichever file names it again.
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), primary_key=True),
    sa.Column("external_id", SHORT_TEXT, primary_key=True),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    # A partner's key for the REST gateway. Only its SHA-256 is kept: the key is shown once.
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("key_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("partner_id", PARTNER_ID, sa.ForeignKey("partners.id"), nullable=False, index=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(160), nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("revoked_by", sa.String(160), nullable=True),
    sa.Column("revoked_reason", sa.Text, nullable=True),
)
