"""The composition root of background work: every domain's job kinds, and the periodic jobs.

`secretariat worker` needs only this, not the web app: importing the pages (the call center's
staffing solver, FastAPI's routing, the drop's SSH server…) would cost every worker process
seconds of start-up for nothing it runs. `secretariat.app` builds the embedded worker from here too.
"""

from __future__ import annotations

from dataclasses import replace

import callcenter.models  # noqa: F401  (registers the call center's tables)
import exchange.models  # noqa: F401  (registers the exchange's tables)
import secretariat.core.models  # noqa: F401  (installs the model guards)
from callcenter.telephony.sms_jobs import TelephonyFactory, sms_jobs, telephony_from
from exchange.drop_jobs import JOBS as DROP_JOBS
from exchange.results_jobs import JOBS as RESULT_JOBS
from exchange.targets.upload_jobs import JOBS as TARGET_UPLOAD_JOBS
from mailroom.checkin.ingest_jobs import JOBS as INGEST_JOBS
from mailroom.checkin.return_jobs import JOBS as RETURN_JOBS
from mailroom.printing import notice_links
from mailroom.printing.jobs import JOBS as PRINT_JOBS
from mailroom.printing.reminder_jobs import DAILY_REMINDERS, JOBS as REMINDER_JOBS
from online.flows import NoticeLinkIssuer
from online.push_jobs import JOBS as PUSH_JOBS
from secretariat.core.config import Settings
from secretariat.core.jobs.registry import JobContext, JobKind, Registry
from secretariat.core.jobs.schedule import Daily, Every, Schedule, ScheduleEntry
from secretariat.core.programmes.expiry import EXPIRY_JOB, JOBS as EXPIRY_JOBS
from secretariat.core.sms.service import SEND_SMS_JOB


def job_registry(telephony: TelephonyFactory | None = None, public_base_url: str | None = None) -> Registry:
    """Every domain's job functions: what a worker (`secretariat worker`, or the one embedded in
    `secretariat serve`) can run. `telephony` gives the SMS job its Twilio client, and
    `public_base_url` the links printed on notices (both by default from the environment's
    settings, read when the job runs)."""
    telephony = telephony or (lambda: telephony_from(Settings.from_env()))
    return Registry([*with_notice_links(PRINT_JOBS, public_base_url), *RETURN_JOBS, *INGEST_JOBS,
                     *sms_jobs(telephony), *REMINDER_JOBS, *EXPIRY_JOBS,
                     *PUSH_JOBS, *DROP_JOBS, *RESULT_JOBS, *TARGET_UPLOAD_JOBS])


def with_notice_links(kinds, public_base_url: str | None) -> list[JobKind]:
    """The print room's jobs drawing each household's online link on its notice (issued by the
    residents' side as it is drawn; mailroom cannot import online, so it is wired here)."""
    def wrapped(function):
        def run(context: JobContext, **args):
            base_url = public_base_url or Settings.from_env().public_base_url
            with notice_links.using(NoticeLinkIssuer(base_url, engine=context.engine)):
                return function(context, **args)
        return run
    return [replace(kind, function=wrapped(kind.function)) for kind in kinds]


def job_schedule(settings: Settings) -> Schedule:
    """The periodic jobs every worker queues when they are due (once per period across all workers)."""
    entries = []
    if settings.expiry_at is not None:
        entries.append(ScheduleEntry("daily-expiry", EXPIRY_JOB, Daily(settings.expiry_at)))
    if settings.reminders_at is not None:
        entries.append(ScheduleEntry("daily-reminders", DAILY_REMINDERS, Daily(settings.reminders_at),
                                     dict(out_root=str(settings.data_dir / "print-runs"))))
    schedule_on = settings.expiry_at is not None or settings.reminders_at is not None  # SECRETARIAT_SCHEDULE
    if schedule_on and telephony_from(settings) is not None:
        # a text requested just as the SMS job was ending waits at most this long (see sms_jobs)
        entries.append(ScheduleEntry("sms-outbox", SEND_SMS_JOB, Every(10)))
    return Schedule(entries)
