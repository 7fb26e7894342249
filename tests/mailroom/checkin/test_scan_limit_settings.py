"""The limits on scanned files come from the environment, read once at start (`SECRETARIAT_SCAN_MAX_*`)."""

import pytest

from mailroom.scanning.images import ScanLimits, scan_limits
from secretariat.core.config import Settings


def limits_from(tmp_path, **environ) -> ScanLimits:
    return scan_limits(Settings.from_env({"SECRETARIAT_SECRET_KEY": "k", **environ}, data_dir=tmp_path))


def test_unset_the_limits_are_40_million_pixels_and_12000_a_side_per_page_and_500_pages_per_file(tmp_path):
    assert limits_from(tmp_path) == ScanLimits(max_pixels=40_000_000, max_side=12_000, max_pages=500) == ScanLimits()


def test_each_limit_has_its_variable(tmp_path):
    chosen = limits_from(tmp_path, SECRETARIAT_SCAN_MAX_PIXELS="20_000_000", SECRETARIAT_SCAN_MAX_SIDE="8000",
                         SECRETARIAT_SCAN_MAX_PAGES="50")
    assert chosen == ScanLimits(max_pixels=20_000_000, max_side=8000, max_pages=50)


@pytest.mark.parametrize("value", ["0", "-1", "lots", "4e7"])
def test_a_limit_that_is_not_a_whole_number_above_zero_is_refused_at_start(tmp_path, value):
    with pytest.raises(ValueError, match="SECRETARIAT_SCAN_MAX_PAGES"):
        limits_from(tmp_path, SECRETARIAT_SCAN_MAX_PAGES=value)
