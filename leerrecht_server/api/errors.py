"""The one shape of every refusal (`ErrorBody`), and the handlers that give it: a 4xx is always an
ErrorBody, never a stack trace; a bug is a 500 in the same shape."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from leerrecht_core import protocol as p
from leerrecht_core.errors import LeerrechtError

log = logging.getLogger("leerrecht_server")

_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "bad_request",
                 409: "conflict", 413: "too_large", 415: "bad_request", 422: "bad_request", 429: "rate_limited"}


class ApiError(LeerrechtError):
    """A refusal for the client: HTTP status, the ErrorBody's fixed code, and its sentence."""

    def __init__(self, status: int, code: str, detail: str, *, revoked: p.RevokedProof | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.revoked = revoked


def error_response(status: int, code: str, detail: str, revoked: p.RevokedProof | None = None) -> JSONResponse:
    body = p.ErrorBody(code=code, detail=detail, revoked=revoked)
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail, exc.revoked)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
        return error_response(400, "bad_request", "Invalid request: " + "; ".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "bad_request")
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        return error_response(status, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # A bug, not the client's fault: say so in the same shape. The log names the error type
        # only; request bodies (sealed or not) are never logged.
        log.error("unexpected %s in request handler", type(exc).__name__)
        return error_response(500, "internal", "Unexpected server error; nothing was stored.")
