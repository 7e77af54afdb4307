"""How the ``hub`` process logs: one JSON object per line for log shippers, or a human line
for the terminal (``HUB_LOG_FORMAT=json|text``, ``HUB_LOG_LEVEL``).

Log records never carry request bodies, identifiers or keys (the suite checks every line it
produces); the fields are the call's request id, caller, method, code and duration.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

from hub.config import ConfigError
from hub.telemetry import current_request_id

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_CALL_FIELDS = ("method", "code", "duration_ms", "caller")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time (UTC, ISO 8601), level, logger, message, the call's
    request id when written while serving one, and the access log's call fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(
            {name: getattr(record, name) for name in _CALL_FIELDS if hasattr(record, name)}
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(*, verbose: bool) -> None:
    """Logging for this process, from the environment; ``verbose`` (``-v``) means DEBUG."""
    log_format = os.environ.get("HUB_LOG_FORMAT", "text").lower()
    level = "DEBUG" if verbose else os.environ.get("HUB_LOG_LEVEL", "WARNING").upper()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"HUB_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    if level not in LOG_LEVELS:
        raise ConfigError(f"HUB_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    # A no-op where the root logger has handlers already (an embedding program, pytest).
    logging.basicConfig(level=level, handlers=[handler])
