"""Generate the Python stubs for ``protos/`` with grpcio-tools.

The stubs are committed next to their ``.proto`` files so that a plain ``pip install`` needs no
code generation; ``tests/test_protos.py`` fails when they are stale. Run after editing a proto:

    python protos/generate.py
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parent


def proto_files(root: Path = PROTO_ROOT) -> list[Path]:
    """Every ``.proto`` under ``root``, in a stable order."""
    return sorted(root.rglob("*.proto"))


GOOGLEAPIS_ROOT = PROTO_ROOT.parent / "third_party" / "googleapis"
"""``google/api/annotations.proto`` and ``http.proto``, for the REST mapping's options: copies of
the googleapis-common-protos distribution's files (which supplies their Python modules), so
protoc here and buf compile the same files offline."""


def generate(out_dir: Path = PROTO_ROOT) -> None:
    """Write ``*_pb2.py``, ``*_pb2.pyi`` and ``*_pb2_grpc.py`` for every proto into ``out_dir``."""
    well_known = resources.files("grpc_tools") / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"-I{GOOGLEAPIS_ROOT}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(str(path.relative_to(PROTO_ROOT)) for path in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed; see the messages above")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else PROTO_ROOT)
