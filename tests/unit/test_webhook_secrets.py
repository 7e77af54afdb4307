"""Webhook secrets sealed at rest: only the partner's own row opens, retired keys still open,
a plaintext secret from before sealing passes through, and nothing shows the secret."""

from __future__ import annotations

import os

import pytest

from hub.domain.webhook_secrets import WebhookSecretCipher, WebhookSecretError, is_sealed

SECRET = "whsec_abcdefghijklmnopqrstuvwxyz0123456789"


def key() -> bytes:
    return os.urandom(32)


def test_a_sealed_secret_opens_for_its_partner_and_does_not_contain_the_secret():
    cipher = WebhookSecretCipher(key())
    sealed = cipher.seal("coffee", SECRET)
    assert is_sealed(sealed)
    assert SECRET not in sealed
    assert "whsec_" not in sealed
    assert cipher.open("coffee", sealed) == SECRET
    assert SECRET not in repr(cipher)


def test_a_sealed_secret_copied_onto_another_partner_fails_to_open():
    cipher = WebhookSecretCipher(key())
    with pytest.raises(WebhookSecretError, match="another partner") as failed:
        cipher.open("fuel", cipher.seal("coffee", SECRET))
    assert SECRET not in str(failed.value)


def test_a_retired_key_still_opens_and_an_unknown_key_is_named_not_guessed():
    old, new = key(), key()
    sealed = WebhookSecretCipher(old).seal("coffee", SECRET)
    assert WebhookSecretCipher(new, old).open("coffee", sealed) == SECRET
    with pytest.raises(WebhookSecretError, match="not configured"):
        WebhookSecretCipher(new).open("coffee", sealed)


def test_a_plaintext_secret_stored_before_sealing_is_used_as_it_is():
    assert not is_sealed(SECRET)
    assert WebhookSecretCipher(key()).open("coffee", SECRET) == SECRET


def test_a_malformed_sealed_value_is_refused():
    with pytest.raises(WebhookSecretError, match="malformed"):
        WebhookSecretCipher(key()).open("coffee", "sealed:v1:only-two:parts")
