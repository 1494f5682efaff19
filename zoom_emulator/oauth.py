"""The OAuth server: authorize (sign-in, consent), token and revoke (zoom-api.md §1)."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from zoom_emulator import grants, pages
from zoom_emulator.config import EmulatorConfig
from zoom_emulator.emulator import Emulator
from zoom_emulator.state import AuthCode, AuthRequest, User
from zoom_emulator.web import base_url, emulator

SIGNED_IN_COOKIE = "zm_emulator_user"
PKCE_METHODS = ("S256", "plain")
BAD_CLIENT = grants.OAuthError("invalid_client", "Invalid client_id or client_secret")


def with_query(url: str, **params: str | None) -> str:
    """`url` with params appended, keeping any query it already has."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def check_authorize(cfg: EmulatorConfig, params: Mapping[str, str]) -> str | None:
    """Why Zoom would refuse to start this authorization, or None. No redirect on these."""
    if params.get("response_type", "code") != "code":
        return "Unsupported response_type; only 'code' is supported."
    if params.get("client_id") != cfg.client_id:
        return f"Invalid client_id: {params.get('client_id', '')}"
    # Strict mode: the redirect URI must equal a registered one exactly.
    if params.get("redirect_uri") not in cfg.redirect_uris:
        return f"Invalid redirect: {params.get('redirect_uri', '')}"
    if params.get("code_challenge_method", "plain") not in PKCE_METHODS:
        return "Invalid code_challenge_method; use S256 or plain."
    return None


def new_auth_request(em: Emulator, params: Mapping[str, str]) -> AuthRequest:
    request = AuthRequest(
        id=secrets.token_urlsafe(12),
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        state=params.get("state"),
        code_challenge=params.get("code_challenge") or None,
        code_challenge_method=params.get("code_challenge_method", "plain"),
    )
    with em.store.lock:
        em.store.auth_requests[request.id] = request
    return request


def grant_code(em: Emulator, auth: AuthRequest, user: User, scopes: list[str] | None = None) -> str:
    """What clicking Allow does: a single-use code bound to client, redirect URI and PKCE."""
    code = AuthCode(
        user_id=user.id,
        client_id=auth.client_id,
        redirect_uri=auth.redirect_uri,
        code_challenge=auth.code_challenge,
        code_challenge_method=auth.code_challenge_method,
        scopes=list(em.config.scopes if scopes is None else scopes),
        expires_at=0.0,
    )
    return grants.issue_code(em.store, em.config, em.now(), code)


def _consent(em: Emulator, auth: AuthRequest, user: User) -> Response:
    switch = f"/oauth/signin?request_id={auth.id}"
    response = pages.consent_page(auth.id, user, em.config.app_name, em.config.scopes, switch)
    response.set_cookie(SIGNED_IN_COOKIE, user.id, httponly=True, samesite="lax")
    return response


async def authorize(request: Request) -> Response:
    em = emulator(request)
    params = dict(request.query_params)
    if problem := check_authorize(em.config, params):
        return pages.error_page(problem)
    auth = new_auth_request(em, params)
    user = em.store.users.get(request.cookies.get(SIGNED_IN_COOKIE, ""))
    if user is not None:  # Already signed in to Zoom in this browser: straight to consent.
        return _consent(em, auth, user)
    return pages.signin_page(auth.id, em.store.users.values())


async def signin_form(request: Request) -> Response:
    em = emulator(request)
    auth = em.store.auth_requests.get(request.query_params.get("request_id", ""))
    if auth is None:
        return pages.error_page("This authorization request has expired. Start again.")
    return pages.signin_page(auth.id, em.store.users.values())


async def signin(request: Request) -> Response:
    em = emulator(request)
    form = await request.form()
    auth = em.store.auth_requests.get(str(form.get("request_id", "")))
    if auth is None:
        return pages.error_page("This authorization request has expired. Start again.")
    email = str(form.get("email") or form.get("account") or "")
    user = em.store.user_by_email(email)
    if user is None:
        return pages.signin_page(
            auth.id, em.store.users.values(), "No Zoom account uses that email address."
        )
    return _consent(em, auth, user)


async def consent(request: Request) -> Response:
    em = emulator(request)
    form = await request.form()
    with em.store.lock:
        auth = em.store.auth_requests.pop(str(form.get("request_id", "")), None)
    user = em.store.users.get(str(form.get("user_id", "")))
    if auth is None or user is None:
        return pages.error_page("This authorization request has expired. Start again.")
    if form.get("decision") != "allow":
        # (uncertain in zoom-api.md §1) Deny redirects with error=access_denied.
        url = with_query(auth.redirect_uri, error="access_denied", state=auth.state)
    else:
        url = with_query(auth.redirect_uri, code=grant_code(em, auth, user), state=auth.state)
    return RedirectResponse(url, 302)


def oauth_error(exc: grants.OAuthError) -> JSONResponse:
    return JSONResponse(exc.body(), 400)


def client_authenticated(request: Request, cfg: EmulatorConfig) -> bool:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        client_id, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(client_id, cfg.client_id) and hmac.compare_digest(
        secret, cfg.client_secret
    )


async def _params(request: Request) -> dict[str, str]:
    """Zoom reads the query string too; the form body wins where both are given."""
    params = dict(request.query_params)
    form = await request.form()
    params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


async def token(request: Request) -> Response:
    em = emulator(request)
    cfg = em.config
    params = await _params(request)
    if not client_authenticated(request, cfg):
        return oauth_error(BAD_CLIENT)
    try:
        issued = _issue(em, cfg, params)
    except grants.OAuthError as exc:
        return oauth_error(exc)
    return JSONResponse(issued.body(base_url(request)), headers={"Cache-Control": "no-store"})


def _issue(em: Emulator, cfg: EmulatorConfig, params: dict[str, str]) -> grants.TokenSet:
    grant_type = params.get("grant_type")
    if grant_type == "authorization_code":
        return grants.exchange_code(
            em.store,
            cfg,
            em.now(),
            code=params.get("code"),
            redirect_uri=params.get("redirect_uri"),
            verifier=params.get("code_verifier"),
        )
    if grant_type == "refresh_token":
        return grants.refresh(em.store, cfg, em.now(), token=params.get("refresh_token"))
    raise grants.OAuthError("unsupported_grant_type", "Unsupported grant type")


async def revoke(request: Request) -> Response:
    em = emulator(request)
    params = await _params(request)
    if not client_authenticated(request, em.config):
        return oauth_error(BAD_CLIENT)
    try:
        grants.revoke(em.store, em.config, em.now(), token=params.get("token"))
    except grants.OAuthError as exc:
        return oauth_error(exc)
    return JSONResponse({"status": "success"})
