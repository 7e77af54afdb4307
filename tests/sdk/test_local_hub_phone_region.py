"""``LocalHub.add_partner(phone_region=...)``: a partner's tests send national numbers too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from partner_sdk import Identifier, InvalidIdentifier
from partner_sdk.testing import LocalHub
from tests.sdk.test_local_hub import _hub_cli_works

pytestmark = pytest.mark.slow


@pytest.fixture
def local_hub() -> Iterator[LocalHub]:
    if not _hub_cli_works():
        pytest.skip("`python -m hub --help` fails: the hub is not importable by this interpreter")
    with LocalHub() as hub:
        yield hub


def test_a_local_partner_with_a_phone_region_finds_members_by_national_numbers(local_hub):
    local_hub.add_partner("grocer", currency="RUB", phone_region="RU")
    local_hub.add_partner("coffee")
    with local_hub.client("grocer") as grocer, local_hub.client("coffee") as coffee:
        member = grocer.enroll(Identifier.phone("+7 (916) 123-45-67"))
        assert grocer.lookup(Identifier.phone("8 916 123-45-67")).member_id == member.member_id
        with pytest.raises(InvalidIdentifier):
            coffee.lookup(Identifier.phone("8 916 123-45-67"))
