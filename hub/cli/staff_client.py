"""How a staff member's ``hub`` commands reach the hub: over gRPC, as themselves.

``hub fraud``, ``hub settle``, ``hub partner`` and ``hub rules`` call the hub's services with
the person's own certificate, so a staff machine holds no database URL and no master key, and
the hub knows who acted from the TLS handshake, not from anything typed at the terminal.

Where the hub is and which certificate to present come from, in order: the flags
(``--hub``, ``--cert``, ``--key``, ``--ca``), a profile file (``--profile`` or ``$HUB_PROFILE``;
``hub certs issue staff`` writes one beside the certificate), else ``localhost:50051``::

    hub = "hub.coalition.example:50051"
    ca = "ca.crt"                      # paths are relative to the profile file
    certificate = "officer-olga.crt"
    key = "officer-olga.key"

A development hub served ``--insecure`` on loopback takes ``--insecure-as ROLE/NAME`` instead
(nothing proves who that is, so the hub only allows it on loopback).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import Message

from coalition.hub.v1 import (
    admin_pb2_grpc,
    fraud_pb2_grpc,
    rules_pb2_grpc,
    settlement_pb2_grpc,
)
from hub.api.headers import REQUEST_ID_HEADER, STAFF_HEADER
from hub.config import ConfigError
from partner_sdk.errors import from_rpc_error

DEFAULT_HUB_ADDRESS = "localhost:50051"
PROFILE_ENV = "HUB_PROFILE"
CALL_TIMEOUT_S = 60.0
"""A settlement run or a bulk acceptance is the longest a staff call waits."""
_PROFILE_KEYS = ("hub", "ca", "certificate", "key")


@dataclass(frozen=True, slots=True)
class Profile:
    """Where the hub is and who this person is to it."""

    hub: str = DEFAULT_HUB_ADDRESS
    ca_file: Path | None = None
    certificate_file: Path | None = None
    key_file: Path | None = None
    insecure_as: str | None = None
    """``role/name`` on a loopback ``--insecure`` hub; ``None`` with a certificate."""


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    """The flags every staff command takes to reach the hub as its person."""
    group = parser.add_argument_group("reaching the hub (as yourself)")
    group.add_argument(
        "--profile", metavar="FILE", help=f"a staff profile (default ${PROFILE_ENV})"
    )
    group.add_argument("--hub", metavar="HOST:PORT", help=f"default {DEFAULT_HUB_ADDRESS}")
    group.add_argument("--cert", metavar="FILE", help="your staff certificate (PEM)")
    group.add_argument("--key", metavar="FILE", help="its private key (PEM)")
    group.add_argument("--ca", metavar="FILE", help="the coalition CA certificate (PEM)")
    group.add_argument(
        "--insecure-as",
        metavar="ROLE/NAME",
        help="a plaintext development hub on loopback only: who you are (nothing proves it)",
    )


def profile_from(args: argparse.Namespace) -> Profile:
    """The profile file (if any), with each flag given overriding it."""
    base = _read_profile(getattr(args, "profile", None) or os.environ.get(PROFILE_ENV))
    insecure_as = getattr(args, "insecure_as", None)
    profile = Profile(
        hub=getattr(args, "hub", None) or base.hub,
        ca_file=_path(getattr(args, "ca", None)) or base.ca_file,
        certificate_file=_path(getattr(args, "cert", None)) or base.certificate_file,
        key_file=_path(getattr(args, "key", None)) or base.key_file,
        insecure_as=insecure_as,
    )
    _check(profile)
    return profile


def write_profile(directory: Path, stem: str, hub: str | None) -> Path:
    """A profile beside ``stem.crt``/``stem.key`` and the CA that ``hub certs issue`` wrote."""
    path = directory / f"{stem}.profile.toml"
    path.write_text(
        f'hub = "{hub or DEFAULT_HUB_ADDRESS}"\n'
        'ca = "ca.crt"\n'
        f'certificate = "{stem}.crt"\n'
        f'key = "{stem}.key"\n'
    )
    return path


class StaffClient:
    """The hub's staff services, called as the profile's person; failures raise the SDK's
    typed ``HubError`` (code, reason, request id)."""

    def __init__(self, channel: grpc.Channel, profile: Profile) -> None:
        self.channel = channel
        self.fraud = fraud_pb2_grpc.FraudReviewServiceStub(channel)  # type: ignore[no-untyped-call]
        self.settlement = settlement_pb2_grpc.SettlementServiceStub(channel)  # type: ignore[no-untyped-call]
        self.admin = admin_pb2_grpc.AdminServiceStub(channel)  # type: ignore[no-untyped-call]
        self.rules = rules_pb2_grpc.RulesServiceStub(channel)  # type: ignore[no-untyped-call]
        self._identity = ((STAFF_HEADER, profile.insecure_as),) if profile.insecure_as else ()

    def call(self, method: Any, request: Message, *, timeout_s: float = CALL_TIMEOUT_S) -> Any:
        """``method(request)`` with a request id; staff calls are not retried (a person
        re-runs a command once they have read why it failed)."""
        request_id = uuid.uuid4().hex
        metadata = ((REQUEST_ID_HEADER, request_id), *self._identity)
        try:
            return method(request, metadata=metadata, timeout=timeout_s)
        except grpc.RpcError as error:
            raise from_rpc_error(error, request_id=request_id) from error


@contextmanager
def connected(args: argparse.Namespace) -> Iterator[StaffClient]:
    """A client for the command's profile, for the length of a ``with`` block."""
    profile = profile_from(args)
    channel = _channel(profile)
    try:
        yield StaffClient(channel, profile)
    finally:
        channel.close()


def _channel(profile: Profile) -> grpc.Channel:
    if profile.insecure_as is not None:
        return grpc.insecure_channel(profile.hub)
    ca_file, certificate_file, key_file = _tls_files(profile)
    credentials = grpc.ssl_channel_credentials(
        _read(ca_file), _read(key_file), _read(certificate_file)
    )
    return grpc.secure_channel(profile.hub, credentials)


def _check(profile: Profile) -> None:
    if profile.insecure_as is not None:
        host = profile.hub.rsplit(":", 1)[0].strip("[]")
        if not _is_loopback(host):
            raise ConfigError(f"--insecure-as reaches a loopback hub only, not {profile.hub}")
        return
    _tls_files(profile)


def _tls_files(profile: Profile) -> tuple[Path, Path, Path]:
    """The CA, certificate and key files, or a ``ConfigError`` naming the missing ones."""
    ca_file, certificate_file, key_file = (
        profile.ca_file,
        profile.certificate_file,
        profile.key_file,
    )
    if ca_file and certificate_file and key_file:
        return ca_file, certificate_file, key_file
    given = {"--ca": ca_file, "--cert": certificate_file, "--key": key_file}
    missing = [flag for flag, value in given.items() if not value]
    raise ConfigError(
        f"staff commands call the hub with your certificate: give {', '.join(missing)} "
        f"or a profile (--profile, ${PROFILE_ENV}; `hub certs issue staff` writes one)"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read_profile(location: str | None) -> Profile:
    if not location:
        return Profile()
    path = Path(location)
    try:
        table = tomllib.loads(path.read_text())
    except OSError as error:
        raise ConfigError(f"cannot read the profile {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the profile {path} is not TOML: {error}") from None
    unknown = sorted(set(table) - set(_PROFILE_KEYS))
    if unknown or not all(isinstance(table.get(key, ""), str) for key in _PROFILE_KEYS):
        raise ConfigError(f"a profile holds text values for {', '.join(_PROFILE_KEYS)} only")
    return Profile(
        hub=table.get("hub") or DEFAULT_HUB_ADDRESS,
        ca_file=_relative(path, table.get("ca")),
        certificate_file=_relative(path, table.get("certificate")),
        key_file=_relative(path, table.get("key")),
    )


def _relative(profile: Path, value: str | None) -> Path | None:
    return profile.parent / value if value else None


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
