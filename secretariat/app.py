"""The composition root of the web app: builds FastAPI and mounts every domain's routes.

Only this module (with `cli.py` and `demo.py`) imports every domain.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

import callcenter.models  # noqa: F401
import exchange.models  # noqa: F401  (installs the payment guard)
import secretariat.core.models  # noqa: F401  (installs the model guards)
from callcenter.router import router as callcenter_router
from callcenter.telephony.router import WEBHOOK_PREFIX, router as telephony_router
from exchange.router import router as exchange_router
from mailroom.checkin.router import router as mailroom_router
from mailroom.printing.router import router as print_router
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from secretariat.core.router import router as core_router
from secretariat.core.web.deps import csrf_protect
from secretariat.core.web.errors import install_error_handlers

STATIC_DIR = Path(__file__).parent / "core" / "web" / "static"


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    app = FastAPI(title="secretariat", docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None,
                  dependencies=[Depends(csrf_protect)])
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(core_router)
    app.include_router(print_router)
    app.include_router(mailroom_router)
    app.include_router(exchange_router)
    app.include_router(callcenter_router)
    app.include_router(telephony_router)
    app.state.csrf_exempt_prefixes = (WEBHOOK_PREFIX,)  # Twilio signs its webhooks instead

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True}

    return app
