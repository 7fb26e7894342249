"""Cookies and CSRF tokens.

The session cookie carries a random token (only its hash is stored). CSRF tokens are an
HMAC of the cookie that identifies the browser: the session cookie once logged in, or a
pre-session cookie on the login page. A forged cross-site post cannot read either, so it
cannot produce the token.
"""

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

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


def browser_binding(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)


def new_presession() -> str:
    return secrets.token_urlsafe(24)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """HttpOnly and SameSite=Lax always; Secure whenever the request came over TLS."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""
