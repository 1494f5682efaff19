"""The product's own 404 page in the demo too (issue #17).

The demo runs with DEBUG on for its console, and Django then answers an unknown address with
its technical 404 list of URL patterns. People trying the demo should see Peerakeet's page;
developers keep the console's traceback for errors (only the 404 page is replaced).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from peerakeet.views import page_not_found


class ProductNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(response, "product_page", False)
        ):
            return page_not_found(request)
        return response
