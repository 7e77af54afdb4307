"""Hatch hooks of the light SDK: its packages and version come from the repository.

The SDK's sources are not copied into ``sdk/``: ``partner_sdk`` lives at the repository's root
and the generated stubs under ``protos/``, where the hub's own distribution takes them too. The
build hook maps them into the wheel (and the sdist), file by file, leaving out bytecode; built
from an sdist, the same packages are read from the sdist's root, where the sdist put them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface

PACKAGES = {"partner_sdk": "partner_sdk", "coalition": "protos/coalition"}
"""Each package of the wheel, and where it lives in the repository."""
VERSION_FILE = "partner_sdk/_rpc.py"
_VERSION = re.compile(r'^SDK_VERSION: Final = "(?P<version>[^"]+)"$', re.MULTILINE)
_SKIPPED_DIRS = {"__pycache__"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def _package_dir(root: Path, package: str) -> Path:
    """The package's folder: in the repository beside ``sdk/``, else in an unpacked sdist."""
    in_repository = root.parent / PACKAGES[package]
    if in_repository.is_dir():
        return in_repository
    in_sdist = root / package
    if in_sdist.is_dir():
        return in_sdist
    raise FileNotFoundError(f"package {package!r} is in neither {in_repository} nor {in_sdist}")


def _files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix not in _SKIPPED_SUFFIXES
        and not _SKIPPED_DIRS.intersection(path.relative_to(folder).parts)
    )


class SdkSources(BuildHookInterface):
    """Maps ``partner_sdk`` and ``coalition`` into the wheel and the sdist."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for package in PACKAGES:
            folder = _package_dir(root, package)
            for path in _files(folder):
                target = Path(package, path.relative_to(folder)).as_posix()
                build_data["force_include"][str(path)] = target


class SdkVersion(MetadataHookInterface):
    """The version is ``partner_sdk._rpc.SDK_VERSION``, which the SDK also sends as its user
    agent: one place to bump."""

    def update(self, metadata: dict[str, Any]) -> None:
        source = _package_dir(Path(self.root), "partner_sdk") / Path(VERSION_FILE).name
        found = _VERSION.search(source.read_text(encoding="utf-8"))
        if found is None:
            raise ValueError(f"no SDK_VERSION in {source}")
        metadata["version"] = found["version"]
