"""Limits on everything a caller can send or ask for, in one place."""

from __future__ import annotations

from decimal import Decimal

PURCHASE_AMOUNT_MAX_MAJOR = 100_000_000
"""Largest single purchase, in major units of its currency (a hundred million)."""

POINTS_PER_OPERATION_MAX = 10**12
LINE_ITEMS_MAX = 200
LINE_ITEM_QUANTITY_MAX = 1_000_000
IDENTIFIERS_PER_ENROLLMENT_MAX = 5
IDENTIFIERS_PER_MEMBER_MAX = 20
TEXT_FIELD_LENGTH_MAX = 64
"""Order ids, SKUs, categories, store, terminal and cashier ids."""

IDEMPOTENCY_KEY_LENGTH_MAX = 128
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 500
HOLD_EXPIRY_WARNING_S = 5 * 60
"""Analysts are warned of held redemptions this close to expiring. Not the 15 minutes of a
default hold's whole life (``HOLD_TTL_DEFAULT_S``), or every new hold would warn."""
RATE_MAX = Decimal(1_000_000)
RATE_DECIMAL_PLACES_MAX = 10
PENDING_PERIOD_MAX_S = 365 * 24 * 3600
EXPIRY_MONTHS_MAX = 120
EXPIRING_WINDOW_S = 30 * 24 * 3600
"""The balance reports points expiring within this window."""

HOLD_TTL_DEFAULT_S = 15 * 60
"""A partner's hold lifetime unless it sets its own."""
HOLD_TTL_MAX_S = 7 * 24 * 3600
"""No hold lives longer, whatever the partner or the call asks."""
SWEEP_BATCH_MAX = 200
"""Holds, or members' lots, the sweeper handles in one database transaction."""
EXPIRY_NOTICE_DAYS_DEFAULT = 14
"""Members are told their points expire this many days ahead, unless the partner sets its own."""
EXPIRY_NOTICE_DAYS_MAX = 365
EXPIRY_NOTICE_PASS_INTERVAL_S = 3600
"""How often the sweeper looks for lots entering their notice days once none is left."""
FRAUD_COUNTERS_PRUNE_BATCH_MAX = 1000
"""Old rows of each fraud counter table the sweeper deletes in one database transaction."""

TIERS_MAX = 10
RULE_CATEGORIES_MAX = 100
"""Categories one exclusions list or campaign may name."""
MULTIPLIER_MAX = Decimal(100)
MULTIPLIER_DECIMAL_PLACES_MAX = 4
CAMPAIGN_PRIORITY_MAX = 1000
"""Campaign priorities are -CAMPAIGN_PRIORITY_MAX..CAMPAIGN_PRIORITY_MAX."""
EVENT_PER_MEMBER_MAX = 1000
OFFLINE_WINDOW_DEFAULT_S = 72 * 3600
"""How long after a sale a partner's tills may still send its earn, unless it sets its own:
a till cut off from Friday evening to Monday morning still credits the weekend's sales."""
OFFLINE_WINDOW_MAX_S = 30 * 24 * 3600
"""No partner's window is longer: points surfacing a month late would escape the fraud
checks' windows and make the member's statement confusing."""
PURCHASE_CLOCK_SKEW_S = 5 * 60
"""How far a till's clock may be off the hub's: a sale this far in the future is still now,
and this much older than the window still within it."""
