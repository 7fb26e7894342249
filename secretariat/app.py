"""The composition root of the web app: builds FastAPI and mounts every domain's routes.

Only this module (with `cli.py` and `demo.py`) imports every domain.
"""

from __future__ import annotations

from pathlib import Path

import uvicorn
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import callcenter.models  # noqa: F401
import exchange.models  # noqa: F401  (registers the exchange's tables)
import secretariat.core.models  # noqa: F401  (installs the model guards)
from callcenter.router import router as callcenter_router
from callcenter.telephony.router import WEBHOOK_PREFIX, router as telephony_router
from exchange.decisions.router import router as decisions_router
from exchange.router import router as exchange_router
from mailroom.checkin.router import router as mailroom_router
from mailroom.keying.router import household_section as keying_household_section
from mailroom.keying.router import router as keying_router
from mailroom.printing.router import router as print_router
from secretariat.core.auth.passwords import warm_up
from secretariat.core.auth.roles import Role
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from secretariat.core.router import router as core_router
from secretariat.core.web.deps import csrf_protect, require_roles
from secretariat.core.web.errors import install_error_handlers
from secretariat.core.web.security import SecurityHeaders

STATIC_DIR = Path(__file__).parent / "core" / "web" / "static"
API_SCHEMA_PATH = "/api/openapi.json"


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    # FastAPI's own schema and Swagger routes would be open to anyone; the schema is served below
    # to admins and supervisors, and the Swagger page not at all (it runs a CDN's scripts).
    app = FastAPI(title="secretariat", docs_url=None, openapi_url=None, redoc_url=None,
                  dependencies=[Depends(csrf_protect)])
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    warm_up()
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(core_router)
    app.include_router(print_router)
    app.include_router(mailroom_router)
    app.include_router(keying_router)
    app.state.household_sections = (keying_household_section,)  # the keyed account beside the one on file
    app.include_router(exchange_router)
    app.include_router(decisions_router)
    app.include_router(callcenter_router)
    app.include_router(telephony_router)
    app.state.csrf_exempt_prefixes = (WEBHOOK_PREFIX,)  # Twilio signs its webhooks instead

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True}

    @app.get(API_SCHEMA_PATH, include_in_schema=False, dependencies=[require_roles(Role.admin, Role.supervisor)])
    def api_schema():
        return JSONResponse(app.openapi())

    return app


def server_config(app: FastAPI, *, host: str, port: int) -> uvicorn.Config:
    """How `secretariat serve` runs the app.

    uvicorn's own proxy-header handling is off: by default it believes X-Forwarded-For from
    127.0.0.1, so anything on the host could pick its own address and walk past an address
    lockout. The app believes only the proxies `SECRETARIAT_TRUSTED_PROXIES` lists.
    """
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, log_config=None)
