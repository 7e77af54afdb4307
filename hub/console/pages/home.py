"""The landing page and the stylesheet."""

from __future__ import annotations

from importlib import resources

from hub.console.app import NAV, Desk, Route
from hub.console.http import Refusal, Response

_STATIC_TYPES = {"css": "text/css; charset=utf-8"}


def home(desk: Desk) -> Response:
    """Straight to the person's first desk; the welcome page when their role has none."""
    for item in NAV:
        if desk.person.role in item.roles:
            return Response.redirect(item.path)
    return desk.render("home.html")


def static(desk: Desk, name: str, ext: str) -> Response:
    file = resources.files("hub.console").joinpath("static", f"{name}.{ext}")
    if ext not in _STATIC_TYPES or not file.is_file():
        raise Refusal(404, "No such file.")
    return Response(200, file.read_bytes(), _STATIC_TYPES[ext])


ROUTES = (
    Route("GET", r"/", home),
    Route("GET", r"/static/(?P<name>[a-z-]+)\.(?P<ext>[a-z]+)", static),
)
