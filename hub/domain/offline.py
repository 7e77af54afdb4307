"""Earns a till made while the hub was unreachable (store-and-forward): when they may post.

A till queues the earn with the time of the sale and sends it when the hub is back. The hub
posts it now (``created_at``, the rates, maturity and expiry are the posting's) and records
the sale's time beside it, as long as the sale is no older than the partner's offline window.
Tills' clocks are off by a little: ``PURCHASE_CLOCK_SKEW_S`` either way is tolerated, so that
an earn sent at once with its sale's time is never refused, whatever the window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.domain.errors import InvalidField, OfflineWindowExceeded
from hub.domain.limits import OFFLINE_WINDOW_MAX_S, PURCHASE_CLOCK_SKEW_S

_SKEW = timedelta(seconds=PURCHASE_CLOCK_SKEW_S)


def check_offline_window(window_s: int, *, field: str = "offline_window_s") -> int:
    """A partner's offline window within the hub's bounds, or ``InvalidField``."""
    if not 0 <= window_s <= OFFLINE_WINDOW_MAX_S:
        raise InvalidField(
            f"{field} must be 0..{OFFLINE_WINDOW_MAX_S} seconds; got {window_s}", field=field
        )
    return window_s


def check_not_future(purchased_at: datetime | None, now: datetime) -> None:
    """Refuse a sale dated ahead of the hub's clock by more than the skew (bad input: a till
    cannot have sold in the future)."""
    if purchased_at is not None and purchased_at > now + _SKEW:
        raise InvalidField(
            f"purchased_at {purchased_at.isoformat()} is in the future "
            f"(the hub's clock says {now.isoformat()}; {PURCHASE_CLOCK_SKEW_S} s of skew allowed)",
            field="purchased_at",
        )


def check_within_window(purchased_at: datetime | None, window_s: int, now: datetime) -> None:
    """Refuse a sale older than the partner's window (plus the skew); ``None`` is now."""
    check_not_future(purchased_at, now)
    if purchased_at is None or purchased_at >= now - timedelta(seconds=window_s) - _SKEW:
        return
    raise OfflineWindowExceeded(
        f"the sale at {purchased_at.isoformat()} is older than this partner's offline window "
        f"of {window_s} s: earns are accepted up to {_window_text(window_s)} after the sale",
        offline_window_s=str(window_s),
        purchased_at=purchased_at.isoformat(),
    )


def _window_text(window_s: int) -> str:
    hours, seconds = divmod(window_s, 3600)
    return f"{hours} h" if hours and not seconds else f"{window_s} s"
