"""Absurd files are refused early, with the problem and the limit named (security review, issue 12,
finding 8b): a file too large, a row too long, a header with too many columns. Before, a 2 MB
header of a million columns took 76 s of CPU to check and a 500 MB file on one line was read
into memory whole."""

import json
import os
import subprocess
import sys

from sqlmodel import select

from exchange.targets.encoding import Limits
from exchange.targets.mapping import load_mapping
from exchange.targets.models import TargetFile
from exchange.targets.service import import_target_file
from exchange.targets.validate import read_target_list
from secretariat.core.auth.actor import Actor

ADDRESS = 8


def codes(listing):
    return [(p.row, p.code) for p in listing.errors]


def test_a_header_of_a_million_columns_is_refused_as_a_row_too_long(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["x"] * 1_000_000) + "\r\n", encoding="ascii")
    assert codes(read_target_list(path, load_mapping())) == [(1, "row_too_long")]


def test_a_header_with_more_columns_than_the_limit_is_refused_before_its_headings_are_checked(rows, write):
    rows[0] += [f"列{n}" for n in range(201 - len(rows[0]))]
    listing = read_target_list(write(rows[:1]), load_mapping())
    assert [(p.row, p.value, p.code) for p in listing.errors] == [(1, "201 列", "too_many_columns")]
    assert "200" in listing.errors[0].message


def test_a_header_at_the_column_limit_is_checked_heading_by_heading(rows, write):
    rows[0] += [f"列{n}" for n in range(200 - len(rows[0]))]
    listing = read_target_list(write(rows[:1]), load_mapping())
    assert listing.ok and {p.code for p in listing.warnings} == {"unknown_column"}
    assert len(listing.warnings) == 200 - 16


def test_a_row_longer_than_the_limit_is_refused_where_it_starts_and_nothing_after_it_is_read(rows, write):
    rows[5][ADDRESS] = "あ" * 70_000
    listing = read_target_list(write(rows), load_mapping())
    assert (6, "row_too_long") in codes(listing)
    assert listing.rows == 4  # the rows before it; none after it
    assert "65,536" in next(p for p in listing.errors if p.code == "row_too_long").message


def test_a_quoted_field_spread_over_many_short_lines_is_one_row_for_the_limit(rows, write):
    rows[5][ADDRESS] = "\n".join(["あ" * 100] * 700)
    listing = read_target_list(write(rows), load_mapping())
    assert (6, "row_too_long") in codes(listing)


def test_a_row_at_the_limit_is_read(rows, write):
    rows[5][ADDRESS] = ""
    rows[5][ADDRESS] = "あ" * (Limits().row_chars - len(",".join(rows[5]) + "\r\n"))
    listing = read_target_list(write(rows), load_mapping())
    assert "row_too_long" not in {p.code for p in listing.errors}
    assert listing.rows == len(rows) - 1


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(rows, write):
    listing = read_target_list(write(rows), load_mapping(), limits=Limits(file_bytes=1024))
    assert codes(listing) == [(0, "file_too_large")]
    assert listing.sha256 == "" and listing.rows == 0  # not even hashed
    assert "1,024" in listing.errors[0].message


def test_an_absurd_file_sent_for_import_is_recorded_as_rejected_with_its_problem(factory, programme, rows, write):
    rows[5][ADDRESS] = "x" * 100_000
    with factory.session() as session:
        record, _ = import_target_file(session=session, actor=Actor.system("test"), programme=programme,
                                       path=write(rows))
        session.commit()
    with factory.session() as session:
        stored = session.exec(select(TargetFile)).one()
    assert stored.status == "rejected"
    assert [(p["row"], p["code"]) for p in stored.report["errors"]] == [(6, "row_too_long")]


# Started from a small Python rather than from the test run: Linux gives a process the peak of
# the one it was forked from, so a child of a large pytest would report pytest's size.
_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
output = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}\\n")
sys.stdout.buffer.write(output)
"""


def peak_rss_mib(*command: str, cwd) -> tuple[int, float, bytes]:
    """Exit status, peak resident memory and output of a child process, measured by the kernel."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], cwd=cwd, capture_output=True,
                          env={**os.environ, "SECRETARIAT_DATA_DIR": str(cwd)}, timeout=300)
    status, peak_kib = done.stderr.decode().split()[-2:]
    return int(status), int(peak_kib) / 1024, done.stdout


def test_exchange_validate_refuses_a_50_mb_line_without_holding_it_in_memory(rows, write, tmp_path):
    secretariat = os.path.join(os.path.dirname(sys.executable), "secretariat")
    small = write(rows[:2], "small.csv")
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        for _ in range(50):
            handle.write(b"a" * (1 << 20))
    _, baseline, _ = peak_rss_mib(secretariat, "exchange", "validate", str(small), "--json", cwd=tmp_path)
    status, peak, output = peak_rss_mib(secretariat, "exchange", "validate", str(huge), "--json", cwd=tmp_path)
    assert status == 1
    assert [(p["row"], p["code"]) for p in json.loads(output)["errors"]] == [(1, "row_too_long")]
    assert peak < baseline + 20 and peak < 400, (baseline, peak)


def test_a_payment_result_file_on_one_enormous_line_is_refused_as_a_row_too_long(factory, programme, tmp_path):
    from exchange.results.payments import import_payment_results
    huge = tmp_path / "payment-result.csv"
    huge.write_bytes(b"a" * (5 << 20))
    with factory.session() as session:
        result = import_payment_results(session=session, actor=Actor.system("t"), programme=programme, path=huge,
                                        limits=Limits(row_chars=1 << 16))
    assert [(p.row, p.code) for p in result.errors] == [(1, "row_too_long")]
    assert result.paid == result.failed == 0


def test_a_payment_result_file_larger_than_the_limit_is_refused_unread(factory, programme, tmp_path):
    from exchange.results.payments import import_payment_results
    path = tmp_path / "payment-result.csv"
    path.write_bytes("世帯番号,結果,不能事由\r\n".encode("cp932") * 1000)
    with factory.session() as session:
        result = import_payment_results(session=session, actor=Actor.system("t"), programme=programme, path=path,
                                        limits=Limits(file_bytes=1000))
    assert [(p.row, p.code) for p in result.errors] == [(0, "file_too_large")]


def test_the_limits_come_from_the_settings(tmp_path):
    from exchange.targets.encoding import limits_of
    from secretariat.core.config import Settings
    settings = Settings.from_env({"SECRETARIAT_UPLOAD_MAX_BYTES": "1000", "SECRETARIAT_ROW_MAX_CHARS": "300",
                                  "SECRETARIAT_HEADER_MAX_COLUMNS": "30"}, data_dir=tmp_path)
    assert limits_of(settings) == Limits(file_bytes=1000, row_chars=300, columns=30)


def test_exchange_validate_follows_the_column_limit_setting(rows, write, tmp_path):
    path = write(rows[:2])
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "secretariat"), "exchange", "validate",
                           str(path), "--json"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SECRETARIAT_DATA_DIR": str(tmp_path),
                               "SECRETARIAT_HEADER_MAX_COLUMNS": "5"})
    assert [(p["row"], p["code"]) for p in json.loads(done.stdout)["errors"]] == [(1, "too_many_columns")]
