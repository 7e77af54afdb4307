"""Checking the hub's webhook deliveries before trusting them.

The hub signs each delivery with the partner's webhook secret: ``X-Hub-Signature`` is
``v1=<hex HMAC-SHA256 over "<X-Hub-Timestamp>.<body>">``. ``verify`` recomputes it over the
raw body (before any JSON parsing), compares in constant time, and refuses a timestamp further
than ``tolerance_s`` from now, so a captured delivery cannot be replayed later. Deliveries are
at least once: de-duplicate by ``X-Hub-Event-Id`` (the event's ``id``).

Usage::

    from partner_sdk.webhooks import WebhookVerificationError, verify

    try:
        event = verify(request.body, request.headers, secret)
    except WebhookVerificationError:
        return 400  # not from the hub, tampered with, or too old
    if not seen_before(event["id"]):
        handle(event["kind"], event["data"])
    return 204

Exceptions::

    WebhookVerificationError
    ├── SignatureMissing   no X-Hub-Signature or X-Hub-Timestamp header
    ├── SignatureInvalid   the signature does not match the body and the secret
    └── SignatureStale     the timestamp is further from now than the tolerance
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

__all__ = [
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_DEFAULT_S",
    "SignatureInvalid",
    "SignatureMissing",
    "SignatureStale",
    "WebhookVerificationError",
    "signature",
    "verify",
    "verify_webhook",
]

SIGNATURE_HEADER = "X-Hub-Signature"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
EVENT_ID_HEADER = "X-Hub-Event-Id"
TOLERANCE_DEFAULT_S = 300
_VERSION = "v1"


class WebhookVerificationError(Exception):
    """A delivery that must not be trusted."""


class SignatureMissing(WebhookVerificationError):
    pass


class SignatureInvalid(WebhookVerificationError):
    pass


class SignatureStale(WebhookVerificationError):
    pass


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature the hub sends for ``body`` at ``timestamp`` (tests can sign with it)."""
    signed = str(timestamp).encode() + b"." + body
    return f"{_VERSION}={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance_s: int = TOLERANCE_DEFAULT_S,
    now_s: float | None = None,
) -> dict[str, Any]:
    """The event ``body`` carries, once its signature and timestamp are checked; raises a
    ``WebhookVerificationError`` otherwise. ``headers`` are matched without regard to case."""
    given = {name.lower(): value for name, value in headers.items()}
    sent_signature = given.get(SIGNATURE_HEADER.lower())
    sent_timestamp = given.get(TIMESTAMP_HEADER.lower())
    if not sent_signature or not sent_timestamp:
        raise SignatureMissing(f"the delivery has no {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
    try:
        timestamp = int(sent_timestamp)
    except ValueError:
        raise SignatureInvalid(f"{TIMESTAMP_HEADER} is not a Unix time") from None
    if not hmac.compare_digest(signature(secret, timestamp, body), sent_signature.strip()):
        raise SignatureInvalid("the signature does not match the body and the secret")
    age_s = abs((time.time() if now_s is None else now_s) - timestamp)
    if age_s > tolerance_s:
        raise SignatureStale(f"the delivery was signed {age_s:.0f} s away from now")
    event: dict[str, Any] = json.loads(body)
    return event


verify_webhook = verify
"""``verify``, under the name ``partner_sdk`` exports it by (beside ``verify_statement``)."""
