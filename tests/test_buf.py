"""The protos pass ``buf lint`` under buf.yaml (STANDARD and COMMENTS, with the exceptions it
writes down) and break nothing since the last released version (its image is checked in under
protos/released/).

buf is found on PATH or where ``.ci/run`` installs it (``.tools/node_modules/.bin/buf``, from
the npm registry's ``@bufbuild/buf``). Without it the tests skip, except under ``CI=true``,
where a check that cannot run is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCAL_BUF = ROOT / ".tools" / "node_modules" / ".bin" / "buf"
MODULE = "protos"
GOOGLEAPIS_MODULE = "third_party/googleapis"
"""Google's google/api protos the REST options import (not ours: never linted)."""
BUF_TIMEOUT_S = 300
RELEASED_IMAGES = ROOT / MODULE / "released"
"""One buf image per released version (``v0.17.0.binpb``). A release adds its own, from the
repository root: ``buf build protos --exclude-source-info -o protos/released/v<version>.binpb``."""

GRANDFATHERED_TYPES = frozenset(
    {
        # admin.proto
        "Partner",
        "Credential",
        "ErasedMember",
        # fraud.proto
        "Account",
        "AccountStatus",
        "Annulment",
        "Flag",
        "Report",
        "ReviewHoldRequest",
        "ReviewedHold",
        # partner.proto
        "Balance",
        "Capture",
        "EarnRefund",
        "Hold",
        "Member",
        "RedemptionRefund",
        # rules.proto
        "RuleHistory",
        "RuleVersion",
        # settlement.proto
        "GetSigningKeyRequest",
        "GetStatementRequest",
        "Liabilities",
        "ListExceptionsResponse",
        "Reconciliation",
        "ReconciliationException",
        "SettlementRun",
        "SigningKey",
        "Statement",
    }
)
"""Request and response types that buf.yaml's RPC_* exceptions cover: the names RPCs shipped
with. A new RPC takes <Rpc>Request and <Rpc>Response (or is added here, with its reason in
buf.yaml)."""

RPC_NAMING_RULES = frozenset(
    {"RPC_REQUEST_STANDARD_NAME", "RPC_RESPONSE_STANDARD_NAME", "RPC_REQUEST_RESPONSE_UNIQUE"}
)
_TYPE_NAMED = re.compile(r'"(?:coalition\.hub\.v1\.)?(\w+)"')


def _buf() -> str:
    found = shutil.which("buf") or (str(LOCAL_BUF) if LOCAL_BUF.exists() else None)
    if found is not None:
        return found
    reason = (
        "buf is not installed: put it on PATH, or run `npm install --prefix .tools "
        "@bufbuild/buf@1.75.0` (.ci/run does)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the proto checks must run", pytrace=False)
    pytest.skip(reason)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_buf(), *args], cwd=ROOT, capture_output=True, text=True, timeout=BUF_TIMEOUT_S
    )


def _version_key(image: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in image.stem.removeprefix("v").split("."))


def _last_released_image() -> Path:
    """The image of the newest released version's protos, checked in under protos/released/
    (a release adds its own: see RELEASED_IMAGES). It is in the tree, not read from a git
    tag, so the check runs on any checkout, shallow or without tags."""
    images = sorted(RELEASED_IMAGES.glob("v*.binpb"), key=_version_key)
    assert images, f"no released image under {RELEASED_IMAGES}: the breaking check has no base"
    return images[-1]


def _findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_buf_lint_finds_nothing_under_buf_yaml():
    result = _run("lint")
    assert result.returncode == 0, f"buf lint:\n{result.stdout}{result.stderr}"
    assert result.stdout == ""


def test_buf_finds_no_breaking_change_since_the_last_released_version():
    against = _last_released_image()
    result = _run("breaking", MODULE, "--against", str(against))  # ours only, not Google's
    report = f"{result.stdout}{result.stderr}"
    assert result.returncode == 0, f"buf breaking against {against.name}:\n{report}"


def test_the_released_image_catches_a_removed_field(tmp_path):
    """The base is a real image of the released protos: dropping a field that shipped in it
    is reported as breaking."""
    copied = tmp_path / MODULE
    shutil.copytree(ROOT / MODULE / "coalition", copied / "coalition")
    partner = copied / "coalition" / "hub" / "v1" / "partner.proto"
    text = partner.read_text()
    shipped = "  string idempotency_key = 1;\n"
    assert shipped in text, "the field this test drops has moved: pick another shipped field"
    partner.write_text(text.replace(shipped, "", 1))
    shutil.copytree(ROOT / GOOGLEAPIS_MODULE, tmp_path / GOOGLEAPIS_MODULE)
    (tmp_path / "buf.yaml").write_text((ROOT / "buf.yaml").read_text())
    result = subprocess.run(
        [_buf(), "breaking", MODULE, "--against", str(_last_released_image())],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=BUF_TIMEOUT_S,
    )
    assert result.returncode != 0, "buf breaking passed a removed field"
    assert "idempotency_key" in result.stdout


def test_the_lint_exceptions_cover_only_the_names_buf_yaml_writes_down():
    """Under plain STANDARD, what buf.yaml ignores is exactly what it says it ignores: prefixes
    of ErrorReason's values only, and RPC naming only for the grandfathered types."""
    standard = {
        "version": "v2",
        "modules": [{"path": MODULE}, {"path": GOOGLEAPIS_MODULE}],
        "lint": {"use": ["STANDARD"], "ignore": [GOOGLEAPIS_MODULE]},
    }
    result = _run("lint", "--error-format=json", "--config", json.dumps(standard))
    assert result.returncode in (0, 100), result.stderr
    unexpected = []
    for finding in _findings(result):
        rule, message = finding["type"], finding["message"]
        named = _TYPE_NAMED.search(message)
        if rule == "ENUM_VALUE_PREFIX" and '"ERROR_REASON_"' in message:
            continue
        if rule in RPC_NAMING_RULES and named and named.group(1) in GRANDFATHERED_TYPES:
            continue
        unexpected.append(f"{finding['path']}:{finding['start_line']}: {rule}: {message}")
    assert not unexpected, "lint findings buf.yaml does not write down:\n" + "\n".join(unexpected)
