"""For the tests of the station and the exceptions queue: whose a mailed form is, its application's
state, and a scan that ends in the exceptions queue."""

import numpy
from sqlmodel import select

from mailroom.scanning import simulate
from secretariat.core.applications.models import Application


def household_of(mailed, number: int) -> int:
    return int(mailed.form_id(number).split("-H")[1].split("-")[0])


def status_of(factory, mailed, number: int) -> str:
    with factory.session() as session:
        return session.exec(select(Application).where(
            Application.household_id == household_of(mailed, number))).one().status


def id_copy(folder, name="copy.jpg"):
    """A photocopied ID card on its own: no page code, no form before it in the batch."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = numpy.random.default_rng(7)
    copy = numpy.full((1200, 1700), 240, numpy.uint8)
    copy[200:900, 150:1500] = 120
    copy = numpy.clip(copy + rng.normal(0, 3, copy.shape), 0, 255).astype(numpy.uint8)
    (folder / name).write_bytes(simulate.to_jpeg(copy, 85))
    return folder
