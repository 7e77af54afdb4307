"""The sync and async store-and-forward tills cannot drift: the same public methods with the
same signatures, the async one awaiting what reaches the hub."""

from __future__ import annotations

import inspect

import pytest

from partner_sdk import AsyncStoreAndForward, HubClient, StoreAndForward

from .test_client_parity import _public, _shape

SYNC, ASYNC = _public(StoreAndForward), _public(AsyncStoreAndForward)
CALLS_THE_HUB = {"earn", "forward"}
"""The rest is the constructor, the client, and the journal on the till's own disk."""


def test_both_tills_have_the_same_public_methods():
    assert set(SYNC) == set(ASYNC)


@pytest.mark.parametrize("name", sorted(SYNC.keys() - {"client", "__init__"}))
def test_each_method_has_the_same_signature_in_both_tills(name):
    assert _shape(SYNC[name], awaited=False) == _shape(ASYNC[name], awaited=True)


@pytest.mark.parametrize("name", sorted(CALLS_THE_HUB))
def test_the_async_till_awaits_the_hub_and_the_sync_one_does_not(name):
    assert inspect.iscoroutinefunction(ASYNC[name])
    assert not inspect.iscoroutinefunction(SYNC[name])


def test_both_tills_earn_with_the_clients_own_parameters():
    earn = inspect.signature(HubClient.earn).parameters
    assert list(inspect.signature(StoreAndForward.earn).parameters) == list(earn)
