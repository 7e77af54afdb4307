"""Metadata keys the hub reads and writes."""

PARTNER_ID_HEADER = "x-hub-partner-id"
"""Names the calling partner on a plaintext (``--insecure``) server."""

REQUEST_ID_HEADER = "x-request-id"
"""Correlates a call across client, server and logs; echoed in trailing metadata."""

STAFF_HEADER = "x-hub-staff"
"""Names a staff caller as ``role/name`` on a plaintext (``--insecure``) loopback server."""
