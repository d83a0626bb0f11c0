"""ASGI middleware of the API's own (the request log is in leerrecht_server/observe.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from leerrecht_core.protocol import has_control_character
from leerrecht_server.api.errors import error_response


def _path_and_query_refused(scope: MutableMapping[str, Any]) -> bool:
    """The path and the query string, percent-decoded, hold a control character. No path or query
    parameter of the API may hold one (ids, cursors, limits), and whatever the routes do with them
    never meets the database with one: PostgreSQL answers a NUL with an error, not a refusal."""
    # Undecodable bytes become lone surrogates, which count as control characters: no valid query has them.
    query = scope.get("query_string", b"").decode("utf-8", errors="surrogateescape")
    decoded = unquote(query.replace("+", " "), errors="surrogateescape")
    return has_control_character(scope.get("path", "")) or has_control_character(decoded)


class BodyLimit:
    """The edge of the API, before any route: refuses a control character in the path or the query
    string (400), and request bodies above protocol.MAX_BODY_BYTES before they are read into memory,
    by Content-Length when there is one and by counting otherwise (chunked uploads)."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int) -> None:
        self.app = app
        self.limit = limit

    async def _refuse(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                      send: Callable[[Any], Awaitable[None]]) -> None:
        await error_response(413, "too_large", f"Request body above {self.limit} bytes.")(scope, receive, send)

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _path_and_query_refused(scope):
            await error_response(400, "bad_request", "Invalid request: control characters (such as NUL) in the "
                                                     "address or its query.")(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(scope, receive, send)
                    return
        # Read the body here, counting (uploads without Content-Length too), and hand it on whole:
        # the JSON endpoints read all of it anyway, and a refusal is a clean 413 before any parsing.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
