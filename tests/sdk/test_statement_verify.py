"""Partners check the hub's statements with the SDK alone: signed by the hub's signer, verified
by ``partner_sdk.statements``, any tampering detected."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import partner_sdk.statements
from hub.domain.money import Rounding
from partner_sdk.errors import HubError
from partner_sdk.statements import (
    SigningKey,
    Statement,
    StatementSignatureInvalid,
    key_id,
    verify_statement,
)
from settlement.signing import StatementSigner
from settlement.statements import statement_csv, statement_json
from tests.settlement.test_statements import CUTOFF, EUR, PARIS, sample_settlement

HUB_SIGNER = StatementSigner(bytes(range(32)))
OTHER_SIGNER = StatementSigner(bytes(range(1, 33)))


def _signed_statement(signer: StatementSigner = HUB_SIGNER) -> Statement:
    settlement = sample_settlement()
    options = {"currency": EUR, "rounding": Rounding.HALF_EVEN}
    json_bytes = statement_json(settlement, "coffee", PARIS, CUTOFF, **options)
    csv_bytes = statement_csv(settlement, "coffee", PARIS, CUTOFF, **options)
    return Statement(
        partner_id="coffee",
        business_date=date(2026, 11, 22),
        json=json_bytes,
        json_signature=signer.sign(json_bytes),
        csv=csv_bytes,
        csv_signature=signer.sign(csv_bytes),
        signing_key_id=signer.key_id,
    )


def test_a_statement_signed_by_the_hub_verifies_with_its_public_key():
    _signed_statement().verify(HUB_SIGNER.public_key_pem)


def test_one_document_verifies_on_its_own():
    statement = _signed_statement()

    verify_statement(statement.csv, statement.csv_signature, HUB_SIGNER.public_key_pem)


def test_a_changed_figure_in_the_json_is_detected():
    statement = _signed_statement()
    tampered = statement.json.replace(b'"amount_minor":730', b'"amount_minor":630')
    assert tampered != statement.json

    with pytest.raises(StatementSignatureInvalid, match="the signature does not match"):
        replace(statement, json=tampered).verify(HUB_SIGNER.public_key_pem)


def test_a_changed_figure_in_the_csv_is_detected():
    statement = _signed_statement()
    tampered = statement.csv.replace(
        b"transfer,coalition:clearing,pay,,730,", b"transfer,coalition:clearing,pay,,630,"
    )
    assert tampered != statement.csv

    with pytest.raises(StatementSignatureInvalid, match="the signature does not match"):
        replace(statement, csv=tampered).verify(HUB_SIGNER.public_key_pem)


def test_re_encoded_json_with_the_same_content_no_longer_verifies():
    # The signature covers bytes, not meaning: keep the bytes the hub sent.
    statement = _signed_statement()
    reencoded = statement.json.replace(b'{"adjustments":', b'{ "adjustments":')

    with pytest.raises(StatementSignatureInvalid):
        verify_statement(reencoded, statement.json_signature, HUB_SIGNER.public_key_pem)


def test_the_csv_signature_does_not_vouch_for_the_json():
    statement = _signed_statement()

    with pytest.raises(StatementSignatureInvalid):
        replace(statement, json_signature=statement.csv_signature).verify(HUB_SIGNER.public_key_pem)


def test_a_flipped_signature_byte_is_detected():
    statement = _signed_statement()
    signature = bytes([statement.json_signature[0] ^ 0x80]) + statement.json_signature[1:]

    with pytest.raises(StatementSignatureInvalid, match="the signature does not match"):
        verify_statement(statement.json, signature, HUB_SIGNER.public_key_pem)


def test_a_statement_signed_by_another_key_is_refused():
    forged = replace(_signed_statement(OTHER_SIGNER), signing_key_id=HUB_SIGNER.key_id)

    with pytest.raises(StatementSignatureInvalid, match="another key signed it"):
        forged.verify(HUB_SIGNER.public_key_pem)


def test_verifying_with_a_key_other_than_the_one_the_statement_names_says_which():
    statement = _signed_statement()

    with pytest.raises(StatementSignatureInvalid) as caught:
        statement.verify(OTHER_SIGNER.public_key_pem)

    assert str(caught.value) == (
        f"the statement was signed with key {HUB_SIGNER.key_id}, not with the key given "
        f"({OTHER_SIGNER.key_id})"
    )


def test_the_sdk_names_keys_as_the_hub_does():
    assert key_id(HUB_SIGNER.public_key_pem) == HUB_SIGNER.key_id
    key = SigningKey(key_id=HUB_SIGNER.key_id, public_key_pem=HUB_SIGNER.public_key_pem)
    assert key_id(key.public_key_pem) == key.key_id


def test_a_public_key_that_is_not_ed25519_is_refused():
    p256_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    statement = _signed_statement()

    with pytest.raises(StatementSignatureInvalid, match="not an Ed25519 key"):
        verify_statement(statement.json, statement.json_signature, p256_pem)


def test_bytes_that_are_not_a_pem_key_are_refused():
    statement = _signed_statement()

    with pytest.raises(StatementSignatureInvalid, match="not a PEM public key"):
        verify_statement(statement.json, statement.json_signature, b"not a key")


def test_a_bad_signature_is_not_a_hub_error():
    # ``except HubError`` around calls to the hub must not swallow a forged statement.
    assert not issubclass(StatementSignatureInvalid, HubError)


def _imported_modules(path: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_the_sdks_verification_imports_nothing_from_the_hub():
    modules = _imported_modules(partner_sdk.statements.__file__)

    assert {m for m in modules if m.split(".")[0] in {"hub", "settlement"}} == set()
    assert "cryptography.hazmat.primitives.asymmetric.ed25519" in modules
