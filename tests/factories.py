"""One-line set-ups for tests: a municipality, a programme and its targets; staff of any role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from secretariat.core.applications.models import Application
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.assignments import assign_programmes, programmes_served
from secretariat.core.auth.models import User
from secretariat.core.auth.roles import Role
from secretariat.core.auth.service import actor_for, create_user
from secretariat.core.households.models import Household
from secretariat.core.households.service import import_households
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import create_programme
from secretariat.core.synthetic import HouseholdFactory
from secretariat.core.tenancy.codes import check_digit
from secretariat.core.tenancy.models import Municipality
from secretariat.core.tenancy.service import create_municipality

SYSTEM = Actor.system("tests")
PASSWORD = "correct-horse-battery"


@dataclass
class Tenant:
    """A municipality with one programme and its imported target households."""

    municipality: Municipality
    programme: Programme
    households: list[Household]
    applications: list[Application]


class Factory:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._codes = itertools.count(10_001)
        self._households = HouseholdFactory(seed=7)
        self._numbers = itertools.count(1)
        self._serving_all: set[int] = set()  # agents made to serve every programme, those made later too

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def municipality_code(self) -> str:
        first = f"{next(self._codes):05d}"
        return first + str(check_digit(first))

    def tenant(self, households: int = 3, name: str = "テスト市") -> Tenant:
        """A municipality, a programme and `households` targets, committed."""
        with self.session() as session:
            municipality = create_municipality(session=session, actor=SYSTEM, code=self.municipality_code(),
                                               name=name)
            programme = create_programme(session=session, actor=SYSTEM, municipality=municipality,
                                         name=f"{name} 臨時特別給付金", reference_date=date(2026, 12, 1),
                                         opens_date=date(2026, 12, 1), deadline_date=date(2027, 2, 28),
                                         amount_per_household_yen=30_000, amount_per_child_yen=20_000)
            if households:
                self.import_into(session, programme, households)
            for user_id in self._serving_all:
                self.assign(session, user_id, [*programmes_served(session, user_id), programme.id])
            session.commit()
            found = list(session.exec(select(Household).where(Household.programme_id == programme.id)
                                      .order_by(Household.id)))
            applications = list(session.exec(select(Application).where(Application.programme_id == programme.id)
                                             .order_by(Application.id)))
            return Tenant(municipality, programme, found, applications)

    def import_into(self, session: Session, programme: Programme, count: int):
        start = next(self._numbers)
        for _ in range(count - 1):
            next(self._numbers)
        return import_households(session=session, actor=SYSTEM, programme=programme,
                                 households=self._households.households(count, start=start))

    def user(self, role: Role | str, municipality: Municipality | None = None, username: str | None = None,
             password: str = PASSWORD, serves: list[Programme] | None = None) -> User:
        """A login; an agent serves the programmes `serves` names, or by default every programme,
        those the factory makes later included."""
        role = Role(role)
        with self.session() as session:
            user = create_user(session=session, actor=SYSTEM, username=username or f"{role.value}{next(self._codes)}",
                               password=password, role=role, municipality=municipality)
            if role is Role.agent:
                if serves is None:
                    self._serving_all.add(user.id)
                self.assign(session, user.id, [p.id for p in serves] if serves is not None
                            else session.exec(select(Programme.id)).all())
            session.commit()
            return user

    def assign(self, session: Session, user_id: int, programme_ids) -> list[int]:
        return assign_programmes(session, actor=SYSTEM, user_id=user_id, programme_ids=programme_ids)

    def actor(self, role: Role | str, municipality: Municipality | None = None,
              serves: list[Programme] | None = None) -> Actor:
        return actor_for(self.user(role, municipality, serves=serves), "127.0.0.1")

    def advance(self, application: Application, *path: Status) -> Application:
        """Walk an application along `path` through the real transition function."""
        with self.session() as session:
            current = session.get(Application, application.id)
            for status in path:
                transition(session=session, application=current, to=status, actor=SYSTEM)
            session.commit()
            return current
