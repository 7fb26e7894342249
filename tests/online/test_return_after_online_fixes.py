"""A resident who applied online and sent it again still deficient gets one return letter, about
the newest answers: the earlier deficient answer is not lettered too."""

from sqlmodel import select

from mailroom.checkin.models import Receipt
from mailroom.checkin.returns import awaiting_return, print_return_letters
from secretariat.core.applications.states import Status
from secretariat.core.programmes.models import Programme
from tests.factories import SYSTEM

from .conftest import photo
from .test_applying import answers, submit


def test_a_household_deficient_twice_online_awaits_one_letter_about_its_newest_answers(factory, linked, tmp_path):
    link = linked(1)
    household = link.household(0)
    submit(factory, tmp_path, household, answers(), {"id_copy": photo(seed=1)})  # the bank book's photo left out
    _, application = submit(factory, tmp_path, household, answers(), {"id_copy": photo(seed=3)})  # and again
    assert application.status == Status.deficient.value
    with factory.session() as session:
        programme = session.get(Programme, link.tenant.programme.id)
        newest = session.exec(select(Receipt.id).where(Receipt.household_id == household.id)
                              .order_by(Receipt.id.desc())).first()
        assert [r.id for r in awaiting_return(session, programme)] == [newest]
        batch = print_return_letters(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path / "r")
        session.commit()
        assert batch.letter_count == 1
