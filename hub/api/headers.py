"""Metadata keys the hub reads and writes."""

PARTNER_ID_HEADER = "x-hub-partner-id"
"""Names the calling partner on a plaintext (``--insecure``) server."""

REQUEST_ID_HEADER = "x-request-id"
"""Correlates a call across client, server and logs; echoed in trailing metadata."""

STAFF_HEADER = "x-hub-staff"
"""Names a staff caller as ``role/name`` on a plaintext (``--insecure``) loopback server."""

STAFF_SERIAL_HEADER = "x-hub-staff-serial"
"""The serial of the certificate a console's signed-in person presented (hex); admission
checks it is on the hub's records for that person and not revoked."""

PARTNER_SERIAL_HEADER = "x-hub-partner-serial"
"""The serial of the client certificate a REST gateway's partner presented (hex); admission
checks it is on the hub's records for that partner and not revoked."""

API_KEY_HEADER = "x-hub-api-key"
"""The API key a REST gateway's partner presented instead of a certificate; the hub, not the
gateway, checks it (by its hash) and names the partner from it."""
