import csv
from datetime import date, timedelta

import numpy
import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlmodel import select

from mailroom.printing import runs
from mailroom.printing.models import IssuedForm, PrintBatch
from mailroom.printing.page_code import parse
from mailroom.printing.runs import form_by_id, print_programme, record_mailing, reissue
from secretariat.core.applications.models import Application
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from secretariat.core.households.models import Household
from tests.factories import SYSTEM

PACK_PAGES = 3  # cover letter + two-page confirmation form


def run_print(factory, tenant, tmp_path, **options):
    with factory.session() as session:
        programme = session.merge(tenant.programme)
        return print_programme(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path, **options)


def statuses(factory, tenant) -> list[str]:
    with factory.session() as session:
        return [session.get(Application, a.id).status for a in tenant.applications]


def manifest(run) -> list[dict]:
    from pathlib import Path

    with open(Path(run.directory) / "manifest.csv", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_a_run_prints_every_household_in_postal_code_order_in_batches(factory, tmp_path):
    tenant = factory.tenant(households=7)
    run = run_print(factory, tenant, tmp_path, batch_size=3)
    assert (run.household_count, run.page_count) == (7, 7 * PACK_PAGES)
    rows = manifest(run)
    assert [r["file"] for r in rows] == ["batch-0001.pdf"] * 3 + ["batch-0002.pdf"] * 3 + ["batch-0003.pdf"]
    postal = [r["postal_code"] for r in rows]
    assert postal == sorted(postal)
    assert [(r["first_page"], r["last_page"]) for r in rows[:2]] == [("1", "3"), ("4", "6")]
    assert rows[0]["customer_barcode"].startswith("STC ") and rows[0]["customer_barcode"].endswith(" SPC")
    assert sum(len(PdfReader(f"{run.directory}/batch-000{n}.pdf").pages) for n in (1, 2, 3)) == 21
    assert set(statuses(factory, tenant)) == {"printed"}


def test_each_household_s_pages_carry_its_own_form_id(factory, tmp_path):
    tenant = factory.tenant(households=2)
    run = run_print(factory, tenant, tmp_path)
    rows = manifest(run)
    document = pypdfium2.PdfDocument(f"{run.directory}/batch-0001.pdf")
    for row in rows:
        for page in range(int(row["first_page"]), int(row["last_page"]) + 1):
            image = document[page - 1].render(scale=200 / 72, grayscale=True).to_numpy()
            image = numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image)
            codes = {parse(c.text).form_id for c in zxingcpp.read_barcodes(image)
                     if c.format == zxingcpp.BarcodeFormat.QRCode}
            assert codes == {row["form_id"]}
    document.close()


def test_running_it_again_prints_nothing_new(factory, tmp_path):
    tenant = factory.tenant(households=2)
    run_print(factory, tenant, tmp_path)
    assert run_print(factory, tenant, tmp_path) is None
    with factory.session() as session:
        assert len(session.exec(select(IssuedForm)).all()) == 2


def test_a_limit_prints_part_and_the_next_run_the_rest(factory, tmp_path):
    tenant = factory.tenant(households=5)
    first = run_print(factory, tenant, tmp_path, limit=2)
    second = run_print(factory, tenant, tmp_path, wave=2)
    assert (first.household_count, second.household_count, second.wave) == (2, 3, 2)
    assert set(statuses(factory, tenant)) == {"printed"}


def test_a_run_that_dies_mid_way_resumes_without_printing_anyone_twice_or_skipping_anyone(factory, tmp_path,
                                                                                          monkeypatch):
    tenant = factory.tenant(households=7)
    real_render = runs.render_job
    died = []

    def dies_on_the_second_batch(job):
        if job.target.endswith("batch-0002.pdf") and not died:
            died.append(job.target)
            raise OSError("the disk filled up")
        return real_render(job)

    monkeypatch.setattr(runs, "render_job", dies_on_the_second_batch)
    with pytest.raises(OSError):
        run_print(factory, tenant, tmp_path, batch_size=3)
    resumed = run_print(factory, tenant, tmp_path, batch_size=3)
    with factory.session() as session:
        forms = session.exec(select(IssuedForm)).all()
        batches = session.exec(select(PrintBatch).order_by(PrintBatch.number)).all()
    assert sorted(f.household_id for f in forms) == sorted(h.id for h in tenant.households)
    assert [b.number for b in batches] == [1, 2, 3] and all(b.written_at for b in batches)
    assert resumed.household_count == 7 and len(manifest(resumed)) == 7
    assert not list(tmp_path.rglob("*.partial"))


def test_the_manifest_is_the_same_whether_workers_wrote_its_parts_or_the_database_rebuilds_them(factory, tmp_path):
    tenant = factory.tenant(households=5)
    run = run_print(factory, tenant, tmp_path, batch_size=2)
    from_parts = manifest(run)
    assert not list(tmp_path.rglob("*.manifest.csv"))  # the parts are folded into manifest.csv
    with factory.session() as session:
        runs.write_manifest(session, session.merge(run))  # no parts left: every row from the database
    assert manifest(run) == from_parts and len(from_parts) == 5


def test_batches_render_in_worker_processes_with_the_same_result(factory, tmp_path):
    tenant = factory.tenant(households=5)
    run = run_print(factory, tenant, tmp_path, batch_size=2, workers=2)
    assert (run.household_count, run.page_count) == (5, 5 * PACK_PAGES)
    assert [r["first_page"] for r in manifest(run)] == ["1", "4", "1", "4", "1"]
    with factory.session() as session:
        assert all(b.sha256 and b.written_at for b in session.exec(select(PrintBatch)))


def test_a_reissue_voids_the_old_form_and_prints_a_new_one(factory, tmp_path):
    tenant = factory.tenant(households=1)
    run_print(factory, tenant, tmp_path)
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        made = reissue(session=session, actor=SYSTEM, household=household, out_dir=tmp_path / "reissues")
        session.commit()
        old = form_by_id(session=session, form_id=f"P{tenant.programme.id}-H{household.id}-1")
        assert old.voided_at is not None and "再発行" in old.void_reason
        assert made.form.form_id.endswith("-2") and made.form.voided_at is None
    assert len(PdfReader(made.path).pages) == PACK_PAGES


def test_a_household_never_printed_cannot_be_reissued(factory, tmp_path):
    tenant = factory.tenant(households=1)
    with factory.session() as session, pytest.raises(Conflict, match="まだ印刷されていません"):
        reissue(session=session, actor=SYSTEM, household=session.get(Household, tenant.households[0].id),
                out_dir=tmp_path)


def test_recording_the_mail_out_moves_the_run_to_mailed_once(factory, tmp_path):
    tenant = factory.tenant(households=3)
    run = run_print(factory, tenant, tmp_path)
    with factory.session() as session:
        run = session.merge(run)
        assert record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=date(2026, 11, 20)) == 3
        session.commit()
        with pytest.raises(Conflict, match="すでに 2026-11-20"):
            record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=date(2026, 11, 21))
    assert set(statuses(factory, tenant)) == {"mailed"}


def test_a_mail_out_date_in_the_future_is_refused(factory, tmp_path):
    tenant = factory.tenant(households=1)
    run = run_print(factory, tenant, tmp_path)
    with factory.session() as session, pytest.raises(InvalidInput, match="未来の日付"):
        record_mailing(session=session, actor=SYSTEM, run=session.merge(run),
                       mailed_on=date.today() + timedelta(days=3))


def test_a_programme_naming_an_unknown_template_is_refused(factory, tmp_path):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        programme = session.merge(tenant.programme)
        programme.form_templates = ["kakuninsho-hikazei", "no-such-form"]
        with pytest.raises(InvalidInput, match="no-such-form"):
            print_programme(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path)


def test_a_liaison_may_not_start_a_print_run(factory, tmp_path):
    tenant = factory.tenant(households=1)
    liaison = factory.actor("liaison", tenant.municipality)
    with factory.session() as session, pytest.raises(PermissionDenied):
        print_programme(session=session, actor=liaison, programme=session.merge(tenant.programme), out_root=tmp_path)


@pytest.mark.parametrize("name", ["../secret.key", "..", "/etc/passwd", "batch-0001.pdf.partial", "nope.pdf"])
def test_only_a_plain_file_of_the_run_s_folder_can_be_fetched(factory, tmp_path, name):
    tenant = factory.tenant(households=1)
    run = run_print(factory, tenant, tmp_path)
    (tmp_path / "secret.key").write_text("x")
    with pytest.raises(NotFound):
        runs.run_file(run=run, file_name=name)
    assert runs.run_file(run=run, file_name="manifest.csv").name == "manifest.csv"
