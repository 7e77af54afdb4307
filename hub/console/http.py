"""Requests and responses as the pages see them: small values, no HTTP plumbing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.domain.principals import Principal


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    form: Mapping[str, list[str]]
    headers: Mapping[str, str]
    """Names in lower case."""
    person: Principal
    csrf_token: str

    def arg(self, name: str, default: str = "") -> str:
        """A query parameter, stripped; ``default`` when absent or empty."""
        return (self.query.get(name, [""])[0].strip()) or default

    def field(self, name: str, default: str = "") -> str:
        """A form field, stripped; ``default`` when absent or empty."""
        return (self.form.get(name, [""])[0].strip()) or default

    def fields(self, name: str) -> list[str]:
        """Every value of a repeated form field (checkboxes), non-empty ones only."""
        return [value.strip() for value in self.form.get(name, []) if value.strip()]


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def redirect(cls, location: str) -> Response:
        """POST-redirect-GET: the browser's back button never re-submits an action."""
        return cls(303, headers=(("Location", location),))

    @classmethod
    def download(cls, body: bytes, filename: str, content_type: str) -> Response:
        disposition = f'attachment; filename="{filename}"'
        return cls(200, body, content_type, (("Content-Disposition", disposition),))


class Refusal(Exception):
    """A page cannot be shown as asked (bad input, nothing there): status and a sentence."""

    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
