"""``hub serve`` logs one JSON object per line, for log shippers; no secrets in them."""

from __future__ import annotations

import json

import grpc
import pytest

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub.api.headers import PARTNER_ID_HEADER, REQUEST_ID_HEADER
from hub.cli import main
from tests.conftest import KEYS_ENV
from tests.e2e.hub_process import hub_serve

pytestmark = pytest.mark.slow

REQUEST_ID = "req-json-logs-0001"


def test_each_call_is_one_json_line_with_its_request_id(sqlite_url: str) -> None:
    with hub_serve(sqlite_url, HUB_LOG_FORMAT="json", HUB_LOG_LEVEL="INFO") as hub:
        with grpc.insecure_channel(hub.target) as channel:
            stub = partner_pb2_grpc.PartnerServiceStub(channel)
            with pytest.raises(grpc.RpcError):  # no such partner: refused, and logged so
                stub.Ping(
                    partner_pb2.PingRequest(),
                    metadata=((PARTNER_ID_HEADER, "ghost"), (REQUEST_ID_HEADER, REQUEST_ID)),
                )
        assert hub.terminate() == 0
        lines = [line for line in hub.logs().splitlines() if line.startswith("{")]

    records = [json.loads(line) for line in lines]
    (access,) = [r for r in records if r["logger"] == "hub.access"]
    assert access["request_id"] == REQUEST_ID
    assert access["method"] == "/coalition.hub.v1.PartnerService/Ping"
    assert access["code"] == "UNAUTHENTICATED"
    assert access["caller"] == "unauthenticated"
    assert isinstance(access["duration_ms"], float)
    assert {"time", "level", "message"} <= set(access)
    assert not any(key in line for line in lines for key in KEYS_ENV.values())


def test_an_unknown_log_format_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUB_LOG_FORMAT", "xml")

    assert main(["keygen"]) == 2
    assert "HUB_LOG_FORMAT must be one of text, json" in capsys.readouterr().err
