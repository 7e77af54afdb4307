"""``hub bench``: throughput and latency of hub workloads against a no-op on the same stack.

The server runs in its own process (``hub serve``), the load in this one, so they do not share
a GIL; both share the machine, which is why results are ratios measured in one run.
"""
