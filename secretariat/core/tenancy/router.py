"""Municipalities and their programmes, as staff and liaisons see them."""

from fastapi import APIRouter, Request

from secretariat.core.programmes.service import list_programmes
from secretariat.core.tenancy.service import list_municipalities
from secretariat.core.web.deps import CurrentActor, DbSession, ValidMunicipality
from secretariat.core.web.templating import render

router = APIRouter()


@router.get("/municipalities")
def municipalities_page(request: Request, session: DbSession, actor: CurrentActor):
    return render(request, "municipalities.html", actor=actor,
                  municipalities=list_municipalities(session=session, actor=actor))


@router.get("/municipalities/{municipality_code}")
def municipality_page(request: Request, session: DbSession, actor: CurrentActor, municipality: ValidMunicipality):
    programmes = [programme for programme, owner in list_programmes(session=session, actor=actor)
                  if owner.id == municipality.id]
    return render(request, "municipality.html", actor=actor, municipality=municipality, programmes=programmes)
