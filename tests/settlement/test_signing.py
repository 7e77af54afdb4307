"""The hub's Ed25519 signatures over statements: what verifies, what is refused."""

from __future__ import annotations

import hashlib
import string

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from settlement.signing import SignatureInvalid, StatementSigner, key_id, verify

SEED = bytes(range(32))
OTHER_SEED = bytes(range(1, 33))
DATA = b'{"format":"coalition-hub-statement/1","partner_id":"coffee"}\n'


def _flipped(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_a_signature_verifies_over_the_data_it_signed():
    signer = StatementSigner(SEED)

    verify(DATA, signer.sign(DATA), signer.public_key_pem)


def test_signing_the_same_data_twice_gives_the_same_signature():
    # Ed25519 is deterministic: a re-run's statements carry byte-identical signatures.
    assert StatementSigner(SEED).sign(DATA) == StatementSigner(SEED).sign(DATA)


@pytest.mark.parametrize("index", [0, len(DATA) // 2, len(DATA) - 1])
def test_a_flipped_byte_in_the_data_is_detected(index):
    signer = StatementSigner(SEED)
    signature = signer.sign(DATA)

    with pytest.raises(SignatureInvalid, match="the signature does not match"):
        verify(_flipped(DATA, index), signature, signer.public_key_pem)


@pytest.mark.parametrize("index", [0, 31, 63])
def test_a_flipped_byte_in_the_signature_is_detected(index):
    signer = StatementSigner(SEED)

    with pytest.raises(SignatureInvalid, match="the signature does not match"):
        verify(DATA, _flipped(signer.sign(DATA), index), signer.public_key_pem)


def test_a_truncated_signature_is_refused():
    signer = StatementSigner(SEED)

    with pytest.raises(SignatureInvalid, match="the signature does not match"):
        verify(DATA, signer.sign(DATA)[:-1], signer.public_key_pem)


def test_a_signature_under_another_key_is_refused():
    signature = StatementSigner(OTHER_SEED).sign(DATA)

    with pytest.raises(SignatureInvalid, match="another key signed it"):
        verify(DATA, signature, StatementSigner(SEED).public_key_pem)


def test_the_key_id_is_16_hex_digits_of_the_raw_public_keys_sha256():
    signer = StatementSigner(SEED)
    raw = Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes_raw()

    assert signer.key_id == hashlib.sha256(raw).hexdigest()[:16]
    assert len(signer.key_id) == 16
    assert set(signer.key_id) <= set(string.hexdigits.lower())


def test_the_key_id_is_stable_and_names_one_key():
    assert StatementSigner(SEED).key_id == StatementSigner(SEED).key_id
    assert key_id(StatementSigner(SEED).public_key_pem) == StatementSigner(SEED).key_id
    assert StatementSigner(OTHER_SEED).key_id != StatementSigner(SEED).key_id


def test_the_public_key_is_a_subject_public_key_info_pem():
    pem = StatementSigner(SEED).public_key_pem

    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")


def _p256_public_pem() -> bytes:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def test_a_public_key_that_is_not_ed25519_is_refused_for_verifying():
    signer = StatementSigner(SEED)

    with pytest.raises(SignatureInvalid, match="not an Ed25519 key"):
        verify(DATA, signer.sign(DATA), _p256_public_pem())


def test_a_public_key_that_is_not_ed25519_has_no_key_id():
    with pytest.raises(SignatureInvalid, match="not an Ed25519 key"):
        key_id(_p256_public_pem())


def test_a_seed_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        StatementSigner(SEED[:31])
