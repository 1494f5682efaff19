"""The versioned JSON API (``/api/v1/``) for the mobile app and integrations.

Thin shells over the same services, selectors and join logic as the dashboard, so the two can
never disagree. Bearer tokens (api.tokens), one error shape (api.errors), per-token rate limit.
"""

from __future__ import annotations

from ninja import NinjaAPI, Swagger
from ninja.operation import Operation

from api import errors
from api.auth import TokenAuth
from api.routes import auth, notifications, people, sessions
from booking import api as booking_api

DESCRIPTION = """\
Everything the Peerakeet dashboard does, for the mobile app and integrations.

Get a token with `POST /api/v1/auth/tokens`, then send `Authorization: Bearer <token>`.
Errors are `{"code": …, "message": …}`; times are ISO 8601: answers in UTC, inputs with an
offset. See docs/api.md.
"""


class PeerakeetAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # Short, stable ids ("create_session") for generated clients and stateful links.
        return operation.view_func.__name__


api = PeerakeetAPI(
    title="Peerakeet API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Served from ninja's own static files ("ninja" in INSTALLED_APPS): works offline and under
    # script-src 'self' (the settings travel in a JSON block, not an inline script). No
    # validator badge: it would fetch an image from swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
errors.install(api)
api.add_router("/auth", auth.router)
api.add_router("", people.router)
api.add_router("/sessions", sessions.router)
api.add_router("", notifications.router)
api.add_router("/booking", booking_api.router)
