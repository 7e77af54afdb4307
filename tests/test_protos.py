"""The committed stubs are exactly what grpcio-tools generates from ``protos/`` today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "protos"


def _generator():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_stubs_are_not_stale(tmp_path):
    generator = _generator()
    generator.generate(tmp_path)
    generated = {
        path.relative_to(tmp_path): path.read_bytes() for path in tmp_path.rglob("*_pb2*.py*")
    }
    committed = {path.relative_to(ROOT): path.read_bytes() for path in ROOT.rglob("*_pb2*.py*")}
    assert generated.keys() == committed.keys(), (
        "a proto was added or removed; run python protos/generate.py"
    )
    stale = sorted(str(name) for name in generated if generated[name] != committed[name])
    assert not stale, f"stale stubs {stale}; run python protos/generate.py"
