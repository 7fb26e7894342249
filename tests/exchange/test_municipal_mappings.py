"""A municipality's mapping belongs to it: an admin stores it (CLI or web page), it is checked with
errors that name the place in the YAML, and every file the municipality sends (drop, web upload,
`exchange import`) is read with it. `--mapping` also takes a YAML file's path."""

import json

import pytest
from sqlmodel import select

from exchange.drop.processing import process_dropped_file
from exchange.drop.login import Login
from exchange.targets.mapping import MappingInvalid, parse_mapping
from exchange.targets.models import ColumnMapping, TargetFile
from exchange.targets.service import import_target_file
from exchange.targets.stored_mappings import set_municipal_mapping
from secretariat.core.errors import PermissionDenied
from secretariat.core.tenancy.models import Municipality
from tests.exchange.custom_mappings import DEFAULT_YAML, renamed_rows, renamed_yaml
from tests.exchange.upload_support import uploaded
from tests.factories import SYSTEM


def problems_of(text: str) -> list[str]:
    with pytest.raises(MappingInvalid) as refused:
        parse_mapping(text, name="t", source="t.yaml")
    return refused.value.problems


def store(factory, municipality, text: str) -> int:
    with factory.session() as session:
        record = set_municipal_mapping(session=session, actor=SYSTEM, municipality=municipality, source=text)
        session.commit()
        return record.id


# --- the YAML is checked, every problem named with its place --------------------------------------------------

def test_a_wrong_field_is_refused_naming_the_column_by_its_heading():
    text = DEFAULT_YAML.replace("{header: 氏名カナ, field: name_kana}", "{header: 氏名カナ, field: name_kan}")
    problems = problems_of(text)
    assert problems[0].startswith("columns.氏名カナ.field: 次のいずれかにしてください: ")
    assert "'name_kana'" in problems[0]


def test_every_problem_of_a_mapping_is_listed_with_its_place():
    text = (DEFAULT_YAML.replace("  - {header: 氏名カナ, field: name_kana}\n", "")
            .replace("check_digit: false", "check_digit: perhaps\nsex_value: {}"))
    assert problems_of(text) == ["check_digit: true か false にしてください",
                                 "sex_value: この項目は使えません（綴りを確かめてください）"]
    assert problems_of(DEFAULT_YAML.replace("  - {header: 氏名カナ, field: name_kana}\n", "")) == [
        "columns: 氏名カナ（field: name_kana）の列がありません。必須です"]


def test_a_field_given_two_columns_is_refused_at_the_second():
    text = DEFAULT_YAML.replace("{header: 方書, field: address_extra", "{header: 方書, field: address")
    assert problems_of(text) == ["columns.方書.field: address は列「住所」にも割り当てられています"]


def test_an_unquoted_code_is_refused_with_how_to_quote_it():
    problems = problems_of(DEFAULT_YAML.replace('  "02": 世帯主', "  02: 世帯主"))
    assert problems == ['relationship_codes.2: コードは引用符で囲んでください（例: "02"）。囲まないと 02 は数の 2 と読まれます']


def test_a_key_written_twice_is_refused_with_its_line():
    text = DEFAULT_YAML.replace('  "12": 妻', '  "12": 妻\n  "12": 夫')
    line = text.splitlines().index('  "12": 夫') + 1
    assert problems_of(text) == [f"{line}行目 3文字目: YAML として読めません（キー 12 が2回書かれています）"]


def test_a_yaml_alias_is_refused_before_it_can_expand():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    assert "別名" in problems_of(bomb)[0]


def test_a_file_that_is_not_a_mapping_is_refused():
    assert problems_of("- a\n- b\n") == ["ファイル全体が「キー: 値」の対応表になっていません"]


def test_the_shipped_default_mapping_is_a_valid_one():
    assert parse_mapping(DEFAULT_YAML, name="default", source="default.yaml").relationship_codes["02"] == "世帯主"


# --- stored per municipality, chosen for its files --------------------------------------------------------------

def test_an_imported_file_is_read_with_its_municipalitys_stored_mapping(factory, programme, rows, write):
    municipality_id = programme.municipality_id
    with factory.session() as session:
        municipality = session.get(Municipality, municipality_id)
    mapping_id = store(factory, municipality, renamed_yaml())
    with factory.session() as session:
        record, listing = import_target_file(session=session, actor=SYSTEM, programme=programme,
                                             path=write(renamed_rows(rows)))
    assert (record.status, record.mapping, record.mapping_id) == ("imported", municipality.code, mapping_id)


def test_another_municipality_keeps_the_default_mapping(factory, rows, write):
    ours, theirs = factory.tenant(households=0, name="甲市"), factory.tenant(households=0, name="乙市")
    store(factory, ours.municipality, renamed_yaml())
    with factory.session() as session:
        record, listing = import_target_file(session=session, actor=SYSTEM, programme=theirs.programme,
                                             path=write(renamed_rows(rows)))
    assert (record.status, record.mapping, record.mapping_id) == ("rejected", "default", None)
    assert {p.code for p in listing.errors} == {"missing_column"}


def test_the_latest_stored_mapping_reads_and_every_one_is_kept(factory, programme, rows, write):
    with factory.session() as session:
        municipality = session.get(Municipality, programme.municipality_id)
    store(factory, municipality, DEFAULT_YAML)
    latest = store(factory, municipality, renamed_yaml())
    with factory.session() as session:
        record, _ = import_target_file(session=session, actor=SYSTEM, programme=programme,
                                       path=write(renamed_rows(rows)))
        kept = session.exec(select(ColumnMapping.id)).all()
    assert record.mapping_id == latest and len(kept) == 2


def test_a_mapping_given_for_an_import_overrides_the_stored_one(factory, programme, rows, write):
    with factory.session() as session:
        municipality = session.get(Municipality, programme.municipality_id)
    store(factory, municipality, renamed_yaml())
    with factory.session() as session:
        record, _ = import_target_file(session=session, actor=SYSTEM, programme=programme, path=write(rows),
                                       mapping="default")
    assert (record.status, record.mapping, record.mapping_id) == ("imported", "default", None)


@pytest.mark.parametrize("role", ["supervisor", "liaison", "operator"])
def test_only_an_admin_sets_a_mapping(factory, role):
    tenant = factory.tenant(households=0)
    with factory.session() as session, pytest.raises(PermissionDenied):
        actor = factory.actor(role, tenant.municipality if role == "liaison" else None)
        set_municipal_mapping(session=session, actor=actor,
                              municipality=tenant.municipality, source=DEFAULT_YAML)


def test_a_broken_mapping_is_not_stored(factory):
    tenant = factory.tenant(households=0)
    with factory.session() as session, pytest.raises(MappingInvalid):
        set_municipal_mapping(session=session, actor=SYSTEM, municipality=tenant.municipality, source="columns: 1")
    with factory.session() as session:
        assert session.exec(select(ColumnMapping)).all() == []


def test_a_file_from_the_drop_is_read_with_its_municipalitys_mapping(factory, engine, rows, write, tmp_path):
    tenant = factory.tenant(households=0)
    store(factory, tenant.municipality, renamed_yaml())
    root = tmp_path / "drop" / tenant.municipality.code
    (root / "outbox").mkdir(parents=True)
    login = Login(username="chiba", account_id=1, municipality_id=tenant.municipality.id,
                  municipality_code=tenant.municipality.code, default_programme_id=tenant.programme.id, root=root,
                  address="127.0.0.1")
    report = process_dropped_file(engine, login, write(renamed_rows(rows)), "taisho.csv")
    assert "取込完了" in report.read_bytes().decode("cp932").splitlines()[1]
    with factory.session() as session:
        assert session.exec(select(TargetFile.mapping)).all() == [tenant.municipality.code]


def test_a_web_upload_is_read_with_its_municipalitys_mapping(factory, client, login, rows, write):
    tenant = factory.tenant(households=0)
    store(factory, tenant.municipality, renamed_yaml())
    token = login(factory.user("liaison", tenant.municipality))
    page = uploaded(client, tenant.programme, token, write(renamed_rows(rows)), "t.csv")
    assert "取込完了" in page.text and f"項目定義 <code>{tenant.municipality.code}</code>" in page.text


# --- the CLI --------------------------------------------------------------------------------------------------

def test_mappings_set_stores_a_yaml_file_and_show_prints_it(cli, factory, tmp_path):
    tenant = factory.tenant(households=0)
    path = tmp_path / "chiba.yaml"
    path.write_text(renamed_yaml(), encoding="utf-8")
    assert cli("exchange", "mappings", "set", tenant.municipality.code, path).exit_code == 0
    shown = cli("exchange", "mappings", "show", tenant.municipality.code)
    assert shown.exit_code == 0 and shown.stdout == renamed_yaml()
    listed = cli("exchange", "mappings", "list")
    assert f"{tenant.municipality.code} {tenant.municipality.name}: 住民記録システムの出力" in listed.stdout


def test_mappings_set_refuses_a_broken_file_listing_each_problem_and_stores_nothing(cli, factory, tmp_path):
    tenant = factory.tenant(households=0)
    path = tmp_path / "broken.yaml"
    path.write_text(DEFAULT_YAML.replace("field: name_kana}", "field: kana}").replace("check_digit: false",
                                                                                      "check_digit: 2"))
    result = cli("exchange", "mappings", "set", tenant.municipality.code, path)
    assert result.exit_code == 1
    assert "  check_digit: true か false にしてください" in result.stderr
    assert "  columns.氏名カナ.field: 次のいずれかにしてください" in result.stderr
    with factory.session() as session:
        assert session.exec(select(ColumnMapping)).all() == []


def test_mappings_check_tells_a_good_file_from_a_broken_one(cli, tmp_path):
    good, broken = tmp_path / "good.yaml", tmp_path / "broken.yaml"
    good.write_text(renamed_yaml(), encoding="utf-8")
    broken.write_text("columns: [", encoding="utf-8")
    assert cli("exchange", "mappings", "check", good).exit_code == 0
    result = cli("exchange", "mappings", "check", broken)
    assert result.exit_code == 1 and "YAML として読めません" in result.stderr


def test_validate_and_import_take_a_mapping_files_path(cli, factory, rows, write, tmp_path):
    tenant = factory.tenant(households=0)
    path = tmp_path / "chiba.yaml"
    path.write_text(renamed_yaml(), encoding="utf-8")
    listing = write(renamed_rows(rows))
    checked = cli("exchange", "validate", listing, "--mapping", path, "--json")
    assert checked.exit_code == 0 and json.loads(checked.stdout)["mapping"] == "chiba"
    assert cli("exchange", "validate", listing, "--json").exit_code == 1
    imported = cli("exchange", "import", listing, "--programme", tenant.programme.id, "--mapping", path)
    assert imported.exit_code == 0 and "取込済み（imported）" in imported.stdout


def test_validate_for_a_programme_uses_its_municipalitys_mapping(cli, factory, rows, write):
    tenant = factory.tenant(households=0)
    store(factory, tenant.municipality, renamed_yaml())
    checked = cli("exchange", "validate", write(renamed_rows(rows)), "--programme", tenant.programme.id, "--json")
    assert checked.exit_code == 0 and json.loads(checked.stdout)["mapping"] == tenant.municipality.code


# --- the admin's page -----------------------------------------------------------------------------------------

def upload_mapping(client, token, code: str, text: str, name: str = "chiba.yaml"):
    return client.post(f"/exchange/mappings/{code}", files={"file": (name, text.encode("utf-8"))},
                       data={"csrf_token": token}, follow_redirects=True)


def test_an_admin_uploads_a_mapping_on_its_page_and_sees_it(factory, client, login):
    tenant = factory.tenant(households=0)
    token = login(factory.user("admin"))
    assert "独自の対応表はありません" in client.get(f"/exchange/mappings/{tenant.municipality.code}").text
    page = upload_mapping(client, token, tenant.municipality.code, renamed_yaml())
    assert page.status_code == 200
    assert "住民記録システムの出力" in page.text and "氏名_フリガナ" in page.text


def test_a_broken_upload_shows_each_problem_with_its_place_and_stores_nothing(factory, client, login):
    tenant = factory.tenant(households=0)
    token = login(factory.user("admin"))
    page = upload_mapping(client, token, tenant.municipality.code,
                          DEFAULT_YAML.replace("field: name_kana}", "field: kana}"), "broken.yaml")
    assert page.status_code == 422
    assert "broken.yaml は登録していません" in page.text
    assert "columns.氏名カナ.field: 次のいずれかにしてください" in page.text
    with factory.session() as session:
        assert session.exec(select(ColumnMapping)).all() == []


def test_a_liaison_may_not_set_its_municipalitys_mapping(factory, client, login):
    tenant = factory.tenant(households=0)
    token = login(factory.user("liaison", tenant.municipality))
    assert upload_mapping(client, token, tenant.municipality.code, DEFAULT_YAML).status_code == 403
    assert client.get(f"/exchange/mappings/{tenant.municipality.code}").status_code == 403
