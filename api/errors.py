"""One error shape for every answer that is not a success: ``{"code", "message", ...}``.

``code`` is stable (clients branch on it), ``message`` is for people. Scheduling refusals keep
the ``SessionError.code`` the services gave them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from scheduling.services import SessionError

log = logging.getLogger(__name__)


class FieldProblem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    details: list[FieldProblem] | None = None
    opens_at: datetime | None = None
    retry_after: int | None = None


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra


# Everything not listed is a broken rule about the input: 400.
STATUS_OF_SESSION_CODE = {
    "forbidden": 403,
    "not_a_peer": 403,
    "illegal_transition": 409,
    "overlap": 409,
    "slot_taken": 409,
    "not_started": 409,
    "ask_pending": 409,
    "bad_reason": 400,
}

CODE_OF_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
}


def session_error(error: SessionError, *, conflict: bool = False) -> ApiError:
    """A refused scheduling change. ``conflict``: the request had no input to blame (an action
    on a session), so any refusal but a permission one is a 409."""
    code = error.code or "invalid"
    status = STATUS_OF_SESSION_CODE.get(code, 409 if conflict else 400)
    return ApiError(status, code, " ".join(error.messages))


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    body = {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="peerakeet"'
    return response


def install(api: NinjaAPI) -> None:
    """Replace ninja's default handlers (``{"detail": ...}``, tracebacks in DEBUG) with ours."""

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        response = error_response(api, request, exc.status, exc.code, exc.message, **exc.extra)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(SessionError)
    def _session_error(request: HttpRequest, exc: SessionError) -> HttpResponse:
        return _api_error(request, session_error(exc))

    @api.exception_handler(DjangoValidationError)
    def _model_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return error_response(api, request, 400, "invalid", " ".join(exc.messages))

    @api.exception_handler(NinjaValidationError)
    def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        details = [_problem(error) for error in exc.errors]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        return error_response(
            api, request, 422, "invalid_input", f"Check the input. {summary}", details=details
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = "Send a token: Authorization: Bearer <token> (POST /api/v1/auth/tokens)."
        return error_response(api, request, 401, "not_authenticated", message)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = CODE_OF_STATUS.get(exc.status_code, "error")
        return error_response(api, request, exc.status_code, code, str(exc))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(BadRequest)
    @api.exception_handler(SuspiciousOperation)
    def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A body Django cannot parse (e.g. multipart/form-data without a boundary) or one it
        # refuses to (too big): the client's fault, never a 500.
        message = "The request body could not be read. Send JSON (Content-Type: application/json)."
        return error_response(api, request, 400, "bad_request", message)

    @api.exception_handler(Exception)
    def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API error on %s %s", request.method, request.path)
        message = "Something went wrong on our side. Try again in a moment."
        return error_response(api, request, 500, "server_error", message)


def _problem(error: dict[str, Any]) -> dict[str, str]:
    # ninja puts the parameter source first ("body", "query", "path"); keep it: it says where.
    location = ".".join(str(part) for part in error.get("loc", ()))
    return {"field": location, "message": str(error.get("msg", "Invalid value."))}
