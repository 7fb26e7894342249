"""Every route of the core, gathered for the composition root (`secretariat.app`)."""

from fastapi import APIRouter

from secretariat.core.applications.router import router as applications
from secretariat.core.audit.router import router as audit
from secretariat.core.auth.router import router as auth
from secretariat.core.households.router import router as households
from secretariat.core.programmes.router import router as programmes
from secretariat.core.tenancy.router import router as tenancy

router = APIRouter()
for part in (auth, programmes, households, applications, tenancy, audit):
    router.include_router(part)
