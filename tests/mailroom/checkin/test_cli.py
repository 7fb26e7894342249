import json

import numpy

from mailroom.scanning import simulate
from templates.loader import default_templates


def test_mailroom_check_prints_one_json_line_per_image_and_keeps_going_after_a_bad_one(cli, mailed, tmp_path, plan):
    m = mailed(1)
    image = m.printed_page(0, 2)
    simulate.fill_page(image, default_templates()["kakuninsho-hikazei"], 2, simulate.damage(plan, "phone"), 300, numpy.random.default_rng(0), simulate.Truth())
    good = tmp_path / "good.jpg"
    good.write_bytes(simulate.to_jpeg(simulate.scan(image, simulate.Feed(upside_down=True), 300,
                                                    numpy.random.default_rng(1)), 85))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(good.read_bytes()[:5000])
    result = cli("mailroom", "check", "--json", str(bad), str(good))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert lines[0]["error"]["code"] == "truncated" and lines[0]["form_id"] is None
    assert (lines[1]["form_id"], lines[1]["page"], lines[1]["error"]) == (m.form_id(0), 2, None)
    assert lines[1]["fields"]["phone"] == "blank" and lines[1]["fields"]["signature"] == "filled"
    assert [d["code"] for d in lines[1]["deficiencies"]] == ["blank:phone"]
