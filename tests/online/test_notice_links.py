"""The notice of a programme open to the web carries the household's own link: a QR code and a short
URL to type. Read back by independent readers (pdfium's raster and OpenCV's QR decoder; pypdf's text),
both open that household's application through the second factor, and only the current link works."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import cv2
import numpy
import pypdfium2
import pytest
from pypdf import PdfReader
from sqlmodel import select

from mailroom.printing.jobs import start_print_run
from mailroom.printing.notice_links import using
from mailroom.printing.page_code import parse
from mailroom.printing.runs import print_programme, record_mailing, reissue
from online.flows import NoticeLinkIssuer
from online.models import OnlineToken
from secretariat.app import create_app
from secretariat.core.households.models import Household, Person
from secretariat.core.jobs.worker import Worker
from secretariat.core.programmes.models import Programme
from tests.factories import SYSTEM

from .conftest import MAILED_ON
from .test_second_factor import answer

BASE = "https://kyufu.example.jp"
SHORT = re.compile(r"https://kyufu\.example\.jp/a/([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})")


@pytest.fixture
def printed(factory, engine, tmp_path):
    """printed(channels) -> (tenant, run directory): the programme's packs printed with the online
    issuer, and mailed (a household applies once its notice is out)."""

    def make(channels=("paper", "web"), households: int = 2):
        tenant = factory.tenant(households=households)
        with factory.session() as session:
            programme = session.get(Programme, tenant.programme.id)
            programme.channels = list(channels)
            session.add(programme)
            session.commit()
            with using(NoticeLinkIssuer(BASE, engine=engine)):
                run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path / "print")
            record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=MAILED_ON)
            session.commit()
        return tenant, Path(run.directory)

    return make


def manifest(directory: Path) -> dict[str, dict]:
    with open(directory / "manifest.csv", encoding="utf-8-sig") as handle:
        return {row["household_number"]: row for row in csv.DictReader(handle)}


def cover_letter(directory: Path, household: Household) -> tuple[Path, int]:
    row = manifest(directory)[household.household_number]
    return directory / row["file"], int(row["first_page"]) - 1


def raster(pdf: Path, page: int, dpi: int = 300) -> numpy.ndarray:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[page].render(scale=dpi / 72, grayscale=True).to_numpy()
    finally:
        document.close()
    return numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image)


def qr_urls(pdf: Path, page: int) -> list[str]:
    """Every QR code OpenCV reads on the page, rasterised by pdfium at 300 dpi."""
    found, texts, _points, _ = cv2.QRCodeDetector().detectAndDecodeMulti(raster(pdf, page))
    assert found
    return [text for text in texts if text]


def printed_link(pdf: Path, page: int) -> str:
    """The QR code where the cover letter's layout prints the link (its `notice_link` box at 24, 225 mm),
    read alone: OpenCV's reader of several codes sometimes passes over one of the four on the page."""
    image = raster(pdf, page)
    px = 300 / 25.4
    region = image[int(221 * px):int(259 * px), int(19 * px):int(58 * px)]
    # OpenCV's detector misses a code now and then, depending on its content (each run's link is new):
    # read again as a phone would, from a little nearer or further, and with the other detector
    for scale in (1.0, 0.75, 1.5, 0.5):
        seen = region if scale == 1.0 else cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
            url, _points, _ = detector.detectAndDecode(seen)
            if url.startswith("http"):
                return url
    raise AssertionError("no link read on the notice")


def printed_short(pdf: Path, page: int) -> str:
    text = PdfReader(str(pdf)).pages[page].extract_text()
    return SHORT.search(text.replace(" ", "")).group(1)


def head_birth(factory, household: Household):
    with factory.session() as session:
        return session.exec(select(Person.birth_date).where(Person.household_id == household.id,
                                                            Person.is_head.is_(True))).one()


def opens_application_of(client, factory, token: str, household: Household) -> bool:
    """The second factor with the household's head's birth date, then its application page."""
    answered = answer(client, token, head_birth(factory, household))
    if answered.status_code != 303:
        return False
    page = client.get(answered.headers["location"])
    return page.status_code == 200 and household.household_number in page.text


def test_the_qr_code_on_the_notice_opens_that_households_application(factory, client, printed):
    tenant, directory = printed()
    for household in tenant.households:
        url = printed_link(*cover_letter(directory, household))
        token = urlsplit(url).path.removeprefix("/a/")
        assert opens_application_of(client, factory, token, household)


def test_the_short_url_printed_under_it_opens_the_same_household(factory, client, printed):
    tenant, directory = printed()
    household = tenant.households[1]
    code = printed_short(*cover_letter(directory, household))
    assert opens_application_of(client, factory, code, household)


def test_the_short_code_is_read_without_regard_to_case_or_hyphens(factory, client, printed):
    tenant, directory = printed(households=1)
    household = tenant.households[0]
    code = printed_short(*cover_letter(directory, household))
    assert opens_application_of(client, factory, code.replace("-", "").lower(), household)


def test_wrong_answers_to_the_short_code_in_other_spellings_count_against_one_link(factory, client, printed):
    tenant, directory = printed(households=1)
    household = tenant.households[0]
    code = printed_short(*cover_letter(directory, household))
    born = head_birth(factory, household)
    for spelling in (code, code.lower(), code.replace("-", ""), code.replace("-", " "), code.lower().replace("-", "")):
        answer(client, spelling, born + timedelta(days=1))
    assert "15分ほどたってから" in answer(client, code, born).text


def test_the_page_codes_beside_it_still_read(printed):
    tenant, directory = printed(households=1)
    pdf, page = cover_letter(directory, tenant.households[0])
    row = manifest(directory)[tenant.households[0].household_number]
    [window_code] = {text for text in qr_urls(pdf, page) if not text.startswith("http")}  # one code, drawn in several places
    assert parse(window_code).form_id == row["form_id"]


def test_a_programme_not_open_to_the_web_prints_no_link(factory, printed):
    tenant, directory = printed(channels=("paper",), households=1)
    pdf, page = cover_letter(directory, tenant.households[0])
    assert not any(url.startswith(BASE) for url in qr_urls(pdf, page))
    with factory.session() as session:
        assert session.exec(select(OnlineToken)).all() == []


def test_a_reissued_pack_prints_a_new_link_and_the_old_one_stops_working(factory, engine, client, printed,
                                                                         tmp_path):
    tenant, directory = printed(households=1)
    household = tenant.households[0]
    old = urlsplit(printed_link(*cover_letter(directory, household))).path.removeprefix("/a/")
    with factory.session() as session, using(NoticeLinkIssuer(BASE, session=session)):
        made = reissue(session=session, actor=SYSTEM, household=session.get(Household, household.id),
                       out_dir=tmp_path / "reissue")
        session.commit()
    new = urlsplit(printed_link(made.path, 0)).path.removeprefix("/a/")
    assert new != old
    assert not opens_application_of(client, factory, old, household)
    assert opens_application_of(client, factory, new, household)


def test_a_print_run_started_from_the_web_prints_the_links_through_its_job(factory, settings, engine, tmp_path):
    app = create_app(settings, engine, embedded_worker=False)
    tenant = factory.tenant(households=1)
    operator = factory.actor("operator")
    with factory.session() as session:
        programme = session.get(Programme, tenant.programme.id)
        programme.channels = ["paper", "web"]
        session.add(programme)
        started = start_print_run(session=session, actor=operator, programme=programme, out_root=tmp_path / "print")
        session.commit()
    Worker(engine, app.state.job_registry).run(burst=True)
    pdf, page = cover_letter(Path(started.run.directory), tenant.households[0])
    assert printed_link(pdf, page).startswith(f"{settings.public_base_url}/a/")


def test_a_print_run_rendered_in_worker_processes_prints_each_households_link(factory, engine, client, tmp_path):
    """Renderers in other processes cannot issue links: the process that holds the store issues each
    form's link once, before the batch goes out, and the renderer draws it."""
    tenant = factory.tenant(households=3)
    with factory.session() as session:
        programme = session.get(Programme, tenant.programme.id)
        programme.channels = ["paper", "web"]
        session.add(programme)
        session.commit()
        with using(NoticeLinkIssuer(BASE, engine=engine)):
            run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path / "print",
                                  batch_size=2, workers=2)
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=MAILED_ON)
        session.commit()
    for household in tenant.households:
        token = urlsplit(printed_link(*cover_letter(Path(run.directory), household))).path.removeprefix("/a/")
        assert opens_application_of(client, factory, token, household)


def test_secretariat_print_run_prints_the_links(factory, cli, settings, tmp_path):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        programme = session.get(Programme, tenant.programme.id)
        programme.channels = ["paper", "web"]
        session.add(programme)
        session.commit()
    printed = cli("print", "run", "--programme", tenant.programme.id, "--workers", 2)
    assert printed.exit_code == 0, printed.output
    pdf, page = cover_letter(tmp_path / "print-runs" / "run-0001", tenant.households[0])
    assert "/a/" in printed_link(pdf, page)
