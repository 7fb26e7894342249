"""A programme whose packs are printed and mailed, each household with its online link."""

from dataclasses import dataclass
from datetime import date

import cv2
import numpy
import pytest
from sqlmodel import select

from mailroom.printing.runs import print_programme, record_mailing
from online.flows import issue_tokens
from secretariat.core.households.models import Household, Person
from tests.factories import SYSTEM, Tenant

MAILED_ON = date(2026, 11, 20)


@dataclass
class Linked:
    tenant: Tenant
    tokens: list[str]  # in household order
    births: list[date]  # each household's head's birth date

    def household(self, number: int) -> Household:
        return self.tenant.households[number]


@pytest.fixture
def linked(factory, tmp_path):
    """linked(households=2) -> Linked: printed, mailed, and a link issued for each household."""

    def make(households: int = 2) -> Linked:
        tenant = factory.tenant(households=households)
        with factory.session() as session:
            programme = session.merge(tenant.programme)
            run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path / "print")
            record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=MAILED_ON)
            by_number = dict(issue_tokens(session=session, actor=SYSTEM, programme=programme))
            tokens = [by_number[h.household_number] for h in tenant.households]
            births = [session.exec(select(Person.birth_date).where(Person.household_id == h.id,
                                                                   Person.is_head.is_(True))).one()
                      for h in tenant.households]
            session.commit()
        return Linked(tenant, tokens, births)

    return make


def photo(width: int = 800, height: int = 600, seed: int = 1) -> bytes:
    """A phone photo of a document, as JPEG bytes."""
    pixels = numpy.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=numpy.uint8)
    return cv2.imencode(".jpg", pixels)[1].tobytes()
