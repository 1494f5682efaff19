"""``/api/v1/``: the ninja API, and JSON (never an HTML page) for anything else under it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt

from api.api import api


# Exempt from CSRF: it changes nothing, and a DELETE to a wrong API address must get this JSON
# 404, not the HTML page the CSRF check answers with (the API uses tokens, never cookies).
@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse({"code": "not_found", "message": "No such API endpoint."}, status=404)


def json_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a method a path does not have with a plain-text 405: say it in JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        message = f"{request.method} is not allowed here. Allowed: {response['Allow']}."
        answer = JsonResponse({"code": "method_not_allowed", "message": message}, status=405)
        answer["Allow"] = response["Allow"]
        return answer

    return wrapper


def _api_patterns() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.callback is not None:
            pattern.callback = json_not_allowed(pattern.callback)
    return patterns, app_name, namespace


urlpatterns: list[URLPattern | URLResolver] = [
    path("", _api_patterns()),
    re_path(r"^(?P<rest>.*)$", not_found, name="api-not-found"),
]
