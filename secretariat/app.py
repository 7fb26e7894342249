"""The composition root of the web app: builds FastAPI and mounts every domain's routes.

Only this module (with `cli.py` and `demo.py`) imports every domain.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
import uvicorn
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import callcenter.models  # noqa: F401
import exchange.models  # noqa: F401  (registers the exchange's tables)
import secretariat.core.models  # noqa: F401  (installs the model guards)
from callcenter.agents.token import SOFTPHONE_PAGE_POLICIES
from callcenter.inquiries.service import open_escalation_count
from callcenter.router import router as callcenter_router
from callcenter.telephony.router import WEBHOOK_PREFIX, router as telephony_router
from callcenter.telephony.sms_jobs import telephony_from
from exchange.decisions.router import router as decisions_router
from exchange.giftcodes.router import router as giftcodes_router
from exchange.giftcodes.setting import pays_by_gift_code
from exchange.router import router as exchange_router
from mailroom.checkin.by_hand_router import router as by_hand_router
from mailroom.checkin.returns_router import router as returns_router
from mailroom.checkin.router import receipts_section, router as mailroom_router
from mailroom.keying.router import household_section as keying_household_section
from online.channels import programme_section as channels_section
from online.channels import router as channels_router
from mailroom.keying.router import router as keying_router
from mailroom.printing.router import router as print_router
from online.push_router import router as push_router
from online.router import PREFIX as ONLINE_PREFIX, router as online_router
from secretariat.background import job_registry, job_schedule
from secretariat.core.auth.passwords import warm_up
from secretariat.core.auth.roles import Role
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from secretariat.core.heap import freeze_startup_heap
from secretariat.core.jobs.router import router as jobs_router
from secretariat.core.jobs.worker import EmbeddedWorker
from secretariat.core.router import router as core_router
from secretariat.core.web.deps import csrf_protect, require_roles
from secretariat.core.web.errors import install_error_handlers
from secretariat.core.web.http_protocol import BoundedHttpToolsProtocol
from secretariat.core.web.security import SecurityHeaders

STATIC_DIR = Path(__file__).parent / "core" / "web" / "static"
API_SCHEMA_PATH = "/api/openapi.json"


def create_app(settings: Settings, engine: Engine | None = None, *, embedded_worker: bool = True) -> FastAPI:
    """`embedded_worker`: run one job worker inside the web process while it serves (the embedded
    default needs no other server); off when `secretariat worker` processes take the jobs."""
    # FastAPI's own schema and Swagger routes would be open to anyone; the schema is served below
    # to admins and supervisors, and the Swagger page not at all (it runs a CDN's scripts).
    app = FastAPI(title="secretariat", docs_url=None, openapi_url=None, redoc_url=None,
                  dependencies=[Depends(csrf_protect)],
                  lifespan=_with_embedded_worker if embedded_worker else None)
    app.state.settings = settings
    # the SMS job's Twilio client; tests put a local HTTP client in `app.state.twilio_http_client`
    app.state.job_registry = job_registry(
        lambda: telephony_from(settings, getattr(app.state, "twilio_http_client", None)), settings.public_base_url)
    app.state.engine = engine or make_engine(settings.database_url)
    warm_up()
    app.add_middleware(SecurityHeaders, page_policies=SOFTPHONE_PAGE_POLICIES)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(core_router)
    app.include_router(jobs_router)
    app.include_router(print_router)
    app.include_router(mailroom_router)
    app.include_router(by_hand_router)
    app.include_router(returns_router)
    app.include_router(keying_router)
    app.state.menu_counters = {"escalations": menu_escalation_count}
    # the forms that came back (with an online application's 受付番号), the keyed account beside the one on file
    app.state.household_sections = (receipts_section, keying_household_section)
    app.state.programme_sections = (channels_section,)  # how households answered, channel by channel
    app.state.resident_gift_code = pays_by_gift_code  # a push household's page: paid by gift code, not transfer
    app.include_router(channels_router)
    app.include_router(exchange_router)
    app.include_router(decisions_router)
    app.include_router(giftcodes_router)
    app.include_router(callcenter_router)
    app.include_router(telephony_router)
    app.include_router(push_router)
    app.include_router(online_router)
    # Twilio signs its webhooks instead; the residents' pages check their own token (online/router.py)
    app.state.csrf_exempt_prefixes = (WEBHOOK_PREFIX, ONLINE_PREFIX)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True}

    @app.get(API_SCHEMA_PATH, include_in_schema=False, dependencies=[require_roles(Role.admin, Role.supervisor)])
    def api_schema():
        return JSONResponse(app.openapi())

    return app


@asynccontextmanager
async def _with_embedded_worker(app: FastAPI) -> AsyncIterator[None]:
    """One worker for the app's life; at shutdown its running job goes back to the queue (and the
    next start, or another worker, resumes it)."""
    worker = EmbeddedWorker(app.state.engine, app.state.job_registry, schedule=job_schedule(app.state.settings))
    worker.start()
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(worker.stop)


def server_config(app: FastAPI, *, host: str, port: int) -> uvicorn.Config:
    """How `secretariat serve` runs the app.

    uvicorn's own proxy-header handling is off: by default it believes X-Forwarded-For from
    127.0.0.1, so anything on the host could pick its own address and walk past an address
    lockout. The app believes only the proxies `SECRETARIAT_TRUSTED_PROXIES` lists.

    HTTP is parsed by httptools and the event loop is uvloop's, both in C: with uvicorn's
    pure-Python defaults (h11, asyncio's loop) the server's own share of each request was what
    kept 150 staff over the latency target (benchmarks/README.md, load). The httptools protocol
    is bounded as h11 was: a request's head over 16 KiB is refused (`http_protocol`).
    """
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, log_config=None,
                          http=BoundedHttpToolsProtocol, loop="uvloop")


def run_server(app: FastAPI, *, host: str, port: int) -> None:
    """Serve `app` until stopped, its start-up heap set aside from the collector first."""
    freeze_startup_heap()
    uvicorn.Server(server_config(app, host=host, port=port)).run()


def menu_escalation_count(*, session, actor) -> int:
    """照会 open in the actor's view, for the menu: only those who answer or watch them see a count."""
    if actor.role not in (Role.liaison, Role.supervisor, Role.admin):
        return 0
    return open_escalation_count(session=session, actor=actor)
