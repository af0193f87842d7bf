"""Every error the API answers has one shape: `{"detail": [{"field": "...", "message": "..."}]}`.

Errors raised by operations (ActionError, NotFound, Forbidden, Ninja's own validation, parsing, authentication
and throttling errors, and any unexpected exception) are answered by the handlers that `install` registers.
What never reaches an operation (an address the API does not have, a method an address does not take, a
request Django refuses before any view) is reshaped by the `api_error_shape` middleware.
"""

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from stoa.api.parsing import BodyNotJSON
from stoa.errors import ActionError, Forbidden, NotFound

API_PREFIX = "/api/"
# Kept from the response being reshaped: they tell the client what to do next.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
log = logging.getLogger("django.request")


def error_response(status: int, errors: dict[str, list[str]], headers: dict[str, str] | None = None) -> HttpResponse:
    detail = [{"field": field, "message": m} for field, messages in errors.items() for m in messages]
    return JsonResponse({"detail": detail}, status=status, headers=headers)


def general(status: int, message: str, headers: dict[str, str] | None = None) -> HttpResponse:
    """An error that belongs to no one field."""
    return error_response(status, {"__all__": [message]}, headers)


def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return error_response(422, exc.errors)


def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Ninja's (pydantic's) errors, each named by its place in the input: `variants.0.text`, `state`, `file`."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        source, *parts = [str(part) for part in error.get("loc", [])] or ["", "__all__"]
        if source == "body" and parts:
            parts = parts[1:] or ["body"]  # without the name of the operation's body parameter ("payload")
        errors.setdefault(".".join(parts) or "__all__", []).append(error.get("msg", "invalid"))
    return error_response(422, errors)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, ActionError):  # broken text in a JSON body (stoa/api/parsing.py)
        return error_response(422, cause.errors)
    if isinstance(cause, BodyNotJSON):
        return error_response(400, {"body": [str(cause)]})
    if isinstance(exc, AuthenticationError):
        return general(401, "Give a valid API token in the header `Authorization: Bearer stoa_...` "
                            "(make one with `stoa apitoken NAME`).", {"WWW-Authenticate": "Bearer"})
    if isinstance(exc, Throttled):
        wait = f" Try again in {int(exc.wait) + 1} s." if exc.wait is not None else ""
        return general(429, f"Too many requests.{wait}")
    return general(exc.status_code, str(exc))


def on_unreadable_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body Django cannot read (a multipart body without its boundary, too many fields, too large)."""
    if isinstance(exc, SuspiciousOperation):
        logging.getLogger(f"django.security.{type(exc).__name__}").error(str(exc))
    return error_response(400, {"body": [f"The request's body cannot be read: {exc}"]})


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return general(404, str(exc) if isinstance(exc, NotFound) and str(exc) else "Not found.")


def on_forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return general(403, str(exc))


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug: logged with its traceback (and signalled, as Django does, for error reporters), answered as JSON."""
    signals.got_request_exception.send(sender=None, request=request)
    log.error("Internal Server Error: %s", request.path, exc_info=exc,
              extra={"status_code": 500, "request": request})
    message = "Internal server error; it has been logged."
    if settings.DEBUG:
        message += f" {type(exc).__name__}: {exc}"
    response = general(500, message)
    # Logged by the line above, with the traceback: Django need not log it again (a private flag of Django's,
    # which its stubs do not declare).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def install(api: NinjaAPI) -> None:
    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        ActionError: on_action_error, NinjaValidationError: on_validation_error, HttpError: on_http_error,
        NotFound: on_not_found, Http404: on_not_found, Forbidden: on_forbidden,
        MultiPartParserError: on_unreadable_request, SuspiciousOperation: on_unreadable_request,
        UnreadablePostError: on_unreadable_request, Exception: on_unexpected,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


# -- Answers made outside the API's operations --------------------------------------------------------


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _message(request: HttpRequest, response: HttpResponse) -> str:
    status = response.status_code
    if status == 404:
        return f"The API has no address {request.path}; its operations are listed at /api/v1/docs."
    if status == 405:
        return f"{request.method} is not allowed on {request.path}; it takes {response.get('Allow', 'no method')}."
    if status >= 500:
        return "Internal server error; it has been logged."
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return f"Error {status}."


def api_error_shape(get_response: Callable[[HttpRequest], HttpResponse]):
    """Under /api/, an error answer that is not JSON (Django's HTML pages for 400, 404 and 500, Ninja's
    405) is answered again in the API's shape, with its status and its Allow or Retry-After header."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code < 400 or not request.path_info.startswith(API_PREFIX) or _is_json(response):
            return response
        headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        return general(response.status_code, _message(request, response), headers)

    return middleware

