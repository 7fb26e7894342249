from datetime import date

import pytest

from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.programmes.amounts import age_on, household_amount
from secretariat.core.programmes.service import create_programme, get_programme, list_programmes
from tests.factories import SYSTEM


def make(session, municipality, **overrides):
    arguments = dict(name="臨時特別給付金", reference_date="2026-12-01", opens_date="2026-12-01",
                     deadline_date="2027-02-28", amount_per_household_yen=70_000, amount_per_child_yen=50_000)
    return create_programme(session=session, actor=SYSTEM, municipality=municipality, **(arguments | overrides))


def test_a_programme_keeps_its_rules(factory, session):
    municipality = factory.tenant(households=0).municipality
    programme = make(session, municipality, channels=["paper", "push"], form_templates=["kakuninsho"])
    session.commit()
    stored = get_programme(session=session, actor=SYSTEM, programme_id=programme.id)
    assert (stored.deadline_date, stored.channels, stored.form_templates) == (date(2027, 2, 28), ["paper", "push"],
                                                                               ["kakuninsho"])


@pytest.mark.parametrize("field, value, problem", [
    ("deadline_date", "2027/02/30", "申請期限の「2027/02/30」は日付として読めません"),
    ("opens_date", "令和8年12月1日", "受付開始日の「令和8年12月1日」は日付として読めません"),
    ("reference_date", "", "基準日"),
])
def test_a_malformed_date_is_refused_naming_the_field(factory, session, field, value, problem):
    municipality = factory.tenant(households=0).municipality
    with pytest.raises(InvalidInput, match=problem):
        make(session, municipality, **{field: value})


def test_a_deadline_before_the_opening_is_refused(factory, session):
    municipality = factory.tenant(households=0).municipality
    with pytest.raises(InvalidInput, match="受付開始日.*より前です"):
        make(session, municipality, opens_date="2027-03-01")


def test_an_unknown_channel_is_refused(factory, session):
    with pytest.raises(InvalidInput, match="申請方法 fax はありません"):
        make(session, factory.tenant(households=0).municipality, channels=["paper", "fax"])


def test_two_programmes_of_one_municipality_need_different_names(factory, session):
    municipality = factory.tenant(households=0).municipality
    make(session, municipality)
    with pytest.raises(Conflict):
        make(session, municipality)


def test_a_liaison_cannot_see_another_municipalitys_programme(factory, session):
    ours, theirs = factory.tenant(households=0), factory.tenant(households=0)
    liaison = factory.actor("liaison", ours.municipality)
    assert [p.id for p, _ in list_programmes(session=session, actor=liaison)] == [ours.programme.id]
    with pytest.raises(NotFound):
        get_programme(session=session, actor=liaison, programme_id=theirs.programme.id)


def test_age_counts_completed_years():
    assert age_on(date(2008, 12, 2), date(2026, 12, 1)) == 17
    assert age_on(date(2008, 12, 1), date(2026, 12, 1)) == 18


def test_the_amount_is_per_household_plus_per_child_of_age():
    births = [date(1980, 1, 1), date(2010, 5, 5), date(2008, 12, 1), date(2008, 11, 30)]
    # 2010 (16) and 2008-12-01 (18) are children at 18 or younger; 2008-11-30 turned 18 the day before too.
    assert household_amount(per_household_yen=70_000, per_child_yen=50_000, child_max_age=18,
                            reference_date=date(2026, 12, 1), birth_dates=births) == 70_000 + 3 * 50_000
    assert household_amount(per_household_yen=70_000, per_child_yen=50_000, child_max_age=18,
                            reference_date=date(2026, 12, 1), birth_dates=[date(2007, 12, 1)]) == 70_000
