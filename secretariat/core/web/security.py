"""Cookies, CSRF tokens and the security headers on every answer.

The session cookie carries a random token (only its hash is stored). CSRF tokens are an
HMAC of the cookie that identifies the browser: the pre-session cookie on the login form,
the session cookie on every other form. A forged cross-site post cannot read either, so it
cannot produce the token.
"""

import hashlib
import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGIN_PATH = "/login"
SESSION_COOKIE = "secretariat_session"
PRESESSION_COOKIE = "secretariat_presession"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_token_for(secret_key: str, binding: str) -> str:
    return hmac.new(secret_key.encode(), f"csrf:{binding}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret_key: str, binding: str | None, supplied: str | None) -> bool:
    if not binding or not supplied:
        return False
    return hmac.compare_digest(csrf_token_for(secret_key, binding), supplied)


def csrf_binding(request: Request) -> str | None:
    """The cookie this request's form token is bound to.

    The login form's is the pre-session cookie alone, whatever session cookie the browser still
    holds (live, expired or ended), so a browser can always log in again; every other form's is
    the session cookie alone, so a token from the login page passes nowhere else.
    """
    if request.url.path == LOGIN_PATH:
        return request.cookies.get(PRESESSION_COOKIE)
    return request.cookies.get(SESSION_COOKIE)


def new_presession() -> str:
    return secrets.token_urlsafe(24)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """HttpOnly and SameSite=Lax always; Secure whenever the request came over TLS."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


# No page runs script or carries inline styles (a test reads every template to keep it so), so
# everything comes from this origin and nothing from anywhere else; no site may frame our pages.
CONTENT_SECURITY_POLICY = ("default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def policy_with(**directives: str) -> str:
    """`CONTENT_SECURITY_POLICY` with some directives added (e.g. `connect_src="'self' wss://…"`), for
    a page that must reach another origin: the softphone talks to Twilio's servers."""
    added = "; ".join(f"{name.replace('_', '-')} {sources}" for name, sources in directives.items())
    return f"{CONTENT_SECURITY_POLICY}; {added}"


class SecurityHeaders:
    """ASGI middleware: every answer the app gives (pages, error pages, static files, downloads)
    carries `SECURITY_HEADERS`. Only a crash's bare 500, written by Starlette's outermost error
    handler, passes outside it. `page_policies` widens the policy for named paths only."""

    def __init__(self, app: ASGIApp, page_policies: dict[str, str] | None = None):
        self.app = app
        self.page_policies = page_policies or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if scope["path"] in self.page_policies:
                    headers["content-security-policy"] = self.page_policies[scope["path"]]
            await send(message)

        await self.app(scope, receive, send_with_headers)
