"""The sync and async clients cannot drift: every public method has the same signature in
both, the async one awaitable; the SDK ships its types."""

from __future__ import annotations

import inspect
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from importlib import resources
from typing import Any

import pytest

from partner_sdk import AsyncHubClient, HubClient

SYNC_IN_BOTH = {"__init__", "connect", "partner_id"}
"""Constructors and plain attributes: no I/O, so the async client's are synchronous too."""
CONTEXT_MANAGERS = {
    HubClient: ("__enter__", "__exit__"),
    AsyncHubClient: ("__aenter__", "__aexit__"),
}


def _public(client: type) -> dict[str, Callable[..., Any]]:
    members = {}
    for name, member in vars(client).items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, classmethod):
            member = member.__func__
        elif isinstance(member, property):
            member = member.fget
        members[name] = member
    return members


SYNC, ASYNC = _public(HubClient), _public(AsyncHubClient)


def _synchronous(annotation: Any) -> Any:
    """The type a sync method returns for an async method's ``annotation``."""
    origin = typing.get_origin(annotation)
    if origin in (Awaitable, Coroutine):
        return _synchronous(typing.get_args(annotation)[-1])
    if origin is AsyncIterator:
        (item,) = typing.get_args(annotation)
        return Iterator[item]  # type: ignore[valid-type]
    return annotation


def _shape(method: Callable[..., Any], *, awaited: bool) -> list[tuple[str, Any, Any, Any]]:
    """Each parameter's name, kind, default and resolved annotation, and the return type."""
    hints = typing.get_type_hints(method)
    parameters = [
        (parameter.name, parameter.kind, parameter.default, hints.get(parameter.name))
        for parameter in inspect.signature(method).parameters.values()
    ]
    returned = hints.get("return")
    return [*parameters, ("return", None, None, _synchronous(returned) if awaited else returned)]


def test_both_clients_have_the_same_public_methods():
    assert set(SYNC) == set(ASYNC)


@pytest.mark.parametrize("name", sorted(SYNC))
def test_each_method_has_the_same_signature_in_both_clients(name):
    assert _shape(SYNC[name], awaited=False) == _shape(ASYNC[name], awaited=True)


@pytest.mark.parametrize("name", sorted(set(ASYNC) - SYNC_IN_BOTH))
def test_the_async_client_awaits_every_call_and_the_sync_one_none(name):
    method = ASYNC[name]
    assert inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method)
    assert not inspect.iscoroutinefunction(SYNC[name])
    assert not inspect.isasyncgenfunction(SYNC[name])


@pytest.mark.parametrize("client", [HubClient, AsyncHubClient])
def test_each_client_is_its_own_kind_of_context_manager(client):
    assert all(callable(getattr(client, name, None)) for name in CONTEXT_MANAGERS[client])


def test_the_sdk_ships_py_typed_so_type_checkers_read_its_annotations():
    assert resources.files("partner_sdk").joinpath("py.typed").is_file()
