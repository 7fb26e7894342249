"""Sample packs from synthetic households, for form design review and the mailroom's checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mailroom.printing import notice_links
from mailroom.printing.addressee import Addressee
from mailroom.printing.render import TemplateRenderer, new_canvas
from secretariat.core.synthetic import HouseholdFactory
from templates.schema import Template


@dataclass(frozen=True)
class SamplePage:
    pdf_page: int  # 1-based
    form_id: str
    target: int
    page: int


def synthetic_addressees(count: int, seed: int = 0) -> list[Addressee]:
    factory = HouseholdFactory(seed=seed)
    addressees = []
    for number, household in enumerate(factory.households(count), start=1):
        head = next(person for person in household.persons if person.is_head)
        account = (f"{household.bank_code}-{household.branch_code} 普通 {household.account_number} "
                   f"{household.account_holder_kana}") if household.account_number else ""
        addressees.append(Addressee(
            household_id=number, household_number=household.household_number, postal_code=household.postal_code,
            address=household.address, address_extra=household.address_extra, head_name=head.name,
            head_name_kana=head.name_kana, amount_yen=30_000 + 20_000 * (len(household.persons) > 2),
            programme_name="令和8年度 住民税非課税世帯等臨時特別給付金", municipality_name="千葉市長",
            deadline=date(2027, 2, 28), issue_date=date(2026, 12, 1), account_on_file=account,
            pay_by=date(2027, 1, 29), decline_by=date(2027, 1, 15),
            deficiencies=("口座番号が記入されていません。通帳を見て7桁で記入してください。",
                          "署名又は記名押印がありません。世帯主が署名してください。")))
    return addressees


# What a sample's link slot shows: a sample's households are made up, so it must never ask the
# store for a real household's link (a design review would otherwise issue links for households 1…N).
SPECIMEN_LINK = notice_links.NoticeLink(url="https://example.invalid/a/specimen", typed="example.invalid/a/specimen")


def write_sample(template: Template, count: int, out, seed: int = 0) -> list[SamplePage]:
    """`out` is a path or a writable binary file. Notices carry the specimen link, whatever the
    caller's link hook."""
    with notice_links.using(lambda _addressee, _form_id: SPECIMEN_LINK):
        return _write_sample(template, count, out, seed)


def _write_sample(template: Template, count: int, out, seed: int) -> list[SamplePage]:
    canvas = new_canvas(out if hasattr(out, "write") else str(out), template, f"{template.title} (sample)")
    renderer = TemplateRenderer(template, canvas)
    pages: list[SamplePage] = []
    for addressee in synthetic_addressees(count, seed):
        form_id = f"S{addressee.household_id:08d}"
        for page in template.pages:
            pages.append(SamplePage(pdf_page=len(pages) + 1, form_id=form_id, target=addressee.household_id,
                                    page=page.number))
        renderer.draw(addressee, form_id)
    canvas.save()
    return pages
