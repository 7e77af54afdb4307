"""Partners' webhook secrets sealed at rest, and a webhook's deliveries starting where it was set.

``webhook_secret`` now holds ``sealed:v1:<key id>:<nonce>:<ciphertext>`` (AES-256-GCM under the
hub's data key, the partner's id as associated data: ``hub.domain.webhook_secrets``). This
migration seals the plaintext secrets already stored when ``HUB_DATA_KEY`` is in its
environment (as it is for ``hub migrate`` run with the hub's settings); otherwise they are left
as they are and sealed on first use: by the relay at its next pass, or by the next change of the
partner's webhook. The relay opens either form.

``webhook_start_after``: a start the relay has not applied yet. Setting a webhook (or an
explicit ``--from``) records the last event id the webhook must not receive; the relay moves the
webhook's progress there at its next pass and clears it, so a new webhook does not receive the
partner's whole history.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

import base64
import hashlib
import os

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# Mirrored in ``hub.domain.webhook_secrets``; a migration does not import the code it outlives.
_PREFIX = "sealed:v1:"
_AAD_PREFIX = b"hub-webhook-secret-v1:"
_KEY_ID_PURPOSE = b"hub-data-key-id:"
_KEY_ID_LENGTH = 16
_NONCE_BYTES = 12
_DATA_KEY_BYTES = 32

_settings = sa.table(
    "partner_event_settings",
    sa.column("partner_id", sa.String),
    sa.column("webhook_secret", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("partner_event_settings") as table:
        table.add_column(sa.Column("webhook_start_after", sa.BigInteger(), nullable=True))
    key = _data_key()
    if key is not None:
        _seal_plaintext_secrets(key)


def downgrade() -> None:
    with op.batch_alter_table("partner_event_settings") as table:
        table.drop_column("webhook_start_after")


def _data_key() -> bytes | None:
    text = os.environ.get("HUB_DATA_KEY", "").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        return None
    return key if len(key) == _DATA_KEY_BYTES else None


def _seal_plaintext_secrets(key: bytes) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_settings.c.partner_id, _settings.c.webhook_secret).where(
            _settings.c.webhook_secret.is_not(None),
            _settings.c.webhook_secret.not_like(f"{_PREFIX}%"),
        )
    ).all()
    for partner_id, secret in rows:
        connection.execute(
            _settings.update()
            .where(_settings.c.partner_id == partner_id)
            .values(webhook_secret=_sealed(key, partner_id, secret))
        )


def _sealed(key: bytes, partner_id: str, secret: str) -> str:
    key_id = hashlib.sha256(_KEY_ID_PURPOSE + key).hexdigest()[:_KEY_ID_LENGTH]
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, secret.encode(), _AAD_PREFIX + partner_id.encode())
    return f"{_PREFIX}{key_id}:{_b64(nonce)}:{_b64(ciphertext)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
