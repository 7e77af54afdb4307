"""The heap of a long-running process, once it has started."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Move every object alive now out of the garbage collector's sight; how many it moved.

    What a server builds at start (SQLAlchemy's tables and compiled statements, protobuf
    descriptors, gRPC's machinery) lives as long as the process, yet each full collection
    walked all of it while every thread waited: 80 ms pauses, about 7 % of the hub's CPU at
    32 tills. Frozen, full collections see only what calls allocate since."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
