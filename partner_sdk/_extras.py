"""Optional dependencies: imported only by the functions that need them.

The SDK's base install is grpcio, protobuf and the generated stubs. ``cryptography`` comes with
the ``statements`` extra (checking the hub's Ed25519 signatures) and the ``certificates`` extra
(checking a partner's certificate files, and reading the partner id from them, before
connecting); without it, those functions raise ``MissingExtra`` naming the extra to install.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from partner_sdk.errors import MissingExtra

CRYPTOGRAPHY: Final = "cryptography"
STATEMENTS: Final = "statements"
CERTIFICATES: Final = "certificates"


@contextmanager
def extra_required(
    *, feature: str, extra: str, module: str = CRYPTOGRAPHY, hint: str = ""
) -> Iterator[None]:
    """Turn the failed import of ``module`` (or of a submodule) in the block into
    ``MissingExtra``; any other failed import is left as it is (a bug, not an extra).

    ``hint`` ends the message, when there is another way than installing the extra."""
    try:
        yield
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing != module and not missing.startswith(f"{module}."):
            raise
        raise MissingExtra(feature=feature, extra=extra, module=module, hint=hint) from error
