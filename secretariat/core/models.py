"""Every table of the core, imported in one place so metadata (and Alembic) sees them all,
and the guards that protect them are installed whenever the models are."""

from secretariat.core.applications import guard as _application_guard  # noqa: F401
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.audit import guard as _audit_guard  # noqa: F401
from secretariat.core.audit.models import AuditEvent
from secretariat.core.auth.models import ApiToken, LoginAttempt, LoginSession, StaffProgramme, User
from secretariat.core.households.models import Household, Person
from secretariat.core.jobs.models import Job
from secretariat.core.programmes.models import Programme
from secretariat.core.sms.models import SmsRequest
from secretariat.core.tenancy.models import Municipality

__all__ = [
    "ApiToken", "Application", "ApplicationEvent", "AuditEvent", "Household", "Job", "LoginAttempt",
    "LoginSession", "Municipality", "Person", "Programme", "SmsRequest", "StaffProgramme", "User",
]
