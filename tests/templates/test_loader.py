"""A broken layout file is refused with a message naming the file, the place and the problem."""

from pathlib import Path

import pytest
import yaml

from templates.loader import ROOT, TemplateError, default_templates, load_template


def write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((ROOT / "forms" / "kakuninsho-hikazei.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_templates_all_load():
    assert set(default_templates()) == {"kakuninsho-hikazei", "cover-letter", "address-sheet", "reply-envelope",
                                        "return-letter", "reminder-letter", "giftcode-letter",
                                        "push-notice-letter"}


def test_the_confirmation_form_has_two_pages_and_its_rules():
    form = default_templates()["kakuninsho-hikazei"]
    assert len(form.pages) == 2 and form.key == "kakuninsho-hikazei@1"
    assert form.fields()["account_number"].cells == 7
    assert [rule.rule for rule in form.rules] == ["exactly_one", "required_if", "required_if"]


@pytest.mark.parametrize("change, place, problem", [
    (lambda d: d["pages"][0]["fields"][0].update(box=[19, 99, 6]), "pages[0].fields[0].box[3]", "Field required"),
    (lambda d: d["pages"][0]["static"][1].update(box=[1, 2]), "pages[0].static[1].box[2]", "Field required"),
    (lambda d: d["pages"][0]["fields"][0].update(kind="slider"), "pages[0].fields[0].kind", "'text'"),
    (lambda d: d["pages"][0]["fields"][8].pop("cells"), "pages[0].fields[8]", "needs cells"),
    (lambda d: d["pages"][0]["fields"][0].update(box=[205, 99, 6, 6]), "pages[0].fields[0]", "outside the A4 page"),
    (lambda d: d["pages"][1]["fields"][0].update(name="confirm_tax_exempt"), "pages[1].fields[0].name",
     "defined twice"),
    (lambda d: d["rules"][0].update(fields=["receive", "refuse"]), "rules[0]", "'refuse'"),
    (lambda d: d["pages"][0]["prefilled"][0].update(binding="favourite_colour"), "pages[0].prefilled[0].binding",
     "address_block"),
    (lambda d: d.update(colour="red"), "colour", "Extra inputs"),
    (lambda d: d["pages"][1].update(number=3), "pages", "numbered 1, 2, 3"),
])
def test_a_broken_form_is_refused_naming_file_place_and_problem(tmp_path, change, place, problem):
    with pytest.raises(TemplateError) as refused:
        load_template(write(tmp_path, change))
    assert refused.value.place == place
    assert problem in refused.value.problem
    assert str(refused.value).startswith("broken.yaml: ")


def test_an_address_outside_the_envelope_window_is_refused(tmp_path):
    data = yaml.safe_load((ROOT / "letters" / "cover-letter.yaml").read_text(encoding="utf-8"))
    data["pages"][0]["prefilled"][0]["box"] = [24, 16, 95, 30]
    path = tmp_path / "cover.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TemplateError, match="does not sit inside the naga3-window window"):
        load_template(path)


def test_a_file_that_is_not_yaml_is_refused_with_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\npages: [\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"bad.yaml: line \d+"):
        load_template(path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "sjis.yaml"
    path.write_bytes("name: 確認書\n".encode("cp932"))
    with pytest.raises(TemplateError, match="not UTF-8"):
        load_template(path)
