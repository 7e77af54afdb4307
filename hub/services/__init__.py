"""Use cases: one function per use case, one unit of work per call."""
