"""The residents' online application (ファストパス), each business step one flow function here.

An online application is a form like any other, on the same records and the same rules as paper:

1. `issue_tokens` (or `issue_token` for one household) makes each household's link for its notice;
   the CSV for the print room (`secretariat online tokens`) is the only place the links exist whole.
2. `application_page` is what the resident sees once the second factor is answered (`access.py`): the
   household's prefilled data, the paper form's own confirmations (its required checkboxes and the
   sentence printed beside each), receive or decline, the account on file or a new one, and the
   attachments the template asks for.
3. `submit` turns the answers into what an operator's check by hand would record
   (`mailroom.checkin.by_hand`): the receipt through `check_in_code` (channel `web`), one reading per
   box of the template with no scanned page, and the verdict from `record_check`, with the template's
   deficiency codes and sentences; a complete application with a new account queues for keying.
   A deficient one is shown what to fix at once; when the resident fixes it, the application goes
   back to the resident through the one owner of deficient → returned (`return_to_resident`) and
   comes in again through `check_in_code` (returned → received), as a corrected paper form does.
   Left unfixed, it gets a printed return letter like any deficient form.

Signing: the online form has no signature box to sign. The resident proved who they are with the
link from their own notice and the second factor, and submits after reading the declaration: that
submission stands for the signature and the date (the readings of `signature` and `signed_date`
are filled, confirmed by `resident:web`).

The account the resident typed (keying, 申請データ入力): double entry exists so that one person's
misreading of handwriting cannot pay the wrong account. Here nobody reads handwriting: the resident
typed their own account, validated at once against the Zengin list and the banks' kana. It counts
as the first entry of the keying task (`submit_entry` by `resident:web`); an operator keys the
second blind from the uploaded bank-book photo (shown where a scan's crops are), so the typed account
is still checked against a document by a second person, and a difference goes to a verifier as
for paper. Two operators keying it again would check nothing the photo does not.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from mailroom.checkin.by_hand import boxes_of, box_key
from mailroom.checkin.models import UNREAD, DeficiencyRecord, FieldReading, Receipt
from mailroom.checkin.receipt_numbers import receipt_number
from mailroom.checkin.returns import return_to_resident
from mailroom.checkin.service import check_in_code, record_check, template_of
from mailroom.keying.flows import HOLDER_MAX, WAITING_FIRST, normalise, submit_entry
from mailroom.keying.models import KeyingTask
from mailroom.printing.models import IssuedForm
from mailroom.printing.page_code import PageCode
from mailroom.scanning.images import JPEG_STANDALONE_MARKERS, ScanLimits, decode_pages, kind_of, png_bytes
from mailroom.scanning.verdict import Outcome, Verdict
from mailroom.printing.addressee import Addressee
from mailroom.printing.notice_links import NoticeLink
from online.accounts import account_parts, masked_account
from online.access import grouped, new_short_code, new_token, resident_actor, sha256
from online.catalogue import ResidentConflict, ResidentError, ResidentInvalid, Said
from online.models import OnlineAttachment, OnlineSubmission, OnlineToken
from secretariat.core.applications.models import Application
from secretariat.core.applications.service import application_for_household
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.banking import (NotTransferable, account_line, bank_named, branch_named, find_banks,
                                      find_branches, transfer_kana)
from secretariat.core.clock import today_jst, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import Household, Person
from secretariat.core.programmes.models import Channel, Programme
from secretariat.core.sms.service import request_sms
from secretariat.core.text import to_halfwidth_digits
from templates.schema import Template

WEB = "web"  # a receipt's channel
LINK_PATH = "/a/"
ISSUERS = (Role.admin, Role.supervisor, Role.operator)
PHOTO_MAX_BYTES = 15 * 1024 * 1024  # a phone's photo is 2–8 MB
PHOTO_LONGEST = 2400  # pixels kept along the longer side: a bank book's digits stay legible
# Which checkbox of the paper form says an attachment is enclosed (the online form knows it from the photo).
ATTACHMENT_BOXES = {"id_copy": "attach_id", "bank_book_copy": "attach_bank"}
ACCOUNT_FIELDS = ("bank_name", "branch_name", "account_type", "account_number", "account_holder_kana")
RECEIPT_SMS = "online_receipt"  # the kind of the receipt text in the SMS outbox
OPEN_TO_APPLY = (Status.mailed.value, Status.returned.value, Status.deficient.value)


# --- links ---------------------------------------------------------------------------------------

def short_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{LINK_PATH}{token}"


@dataclass(frozen=True)
class IssuedLink:
    token: str  # the whole link's secret, for the QR code
    code: str   # its short form to type (Crockford base32, canonical, ungrouped)


def issue_token(*, session: Session, actor: Actor, household: Household) -> str:
    """A new link for the household (its earlier one stops working); the token is returned once, and
    only its hash is kept."""
    return issue_link(session=session, actor=actor, household=household).token


def issue_link(*, session: Session, actor: Actor, household: Household) -> IssuedLink:
    """A new link and short code for the household, replacing its earlier ones; both are returned
    once, and only their hashes are kept."""
    actor.require(*ISSUERS)
    if not actor.can_see(household.municipality_id):
        raise NotFound(f"世帯 {household.id} は見つかりません")
    issued = IssuedLink(new_token(), new_short_code())
    row = session.exec(select(OnlineToken).where(OnlineToken.household_id == household.id)).first()
    row = row or OnlineToken(household_id=household.id, municipality_id=household.municipality_id,
                             programme_id=household.programme_id, token_sha256="", issued_by="")
    row.token_sha256, row.short_sha256 = sha256(issued.token), sha256(issued.code)
    row.issued_at, row.issued_by = utcnow(), actor.username
    session.add(row)
    session.flush()
    return issued


class NoticeLinkIssuer:
    """The print room's `NoticeLinks` hook (mailroom.printing.notice_links), filled by the composition
    root: for a household of a programme open to the web, a new link issued as its notice is drawn
    (so a drawn notice always holds the current link), its QR URL and the short URL.

    With `session`, the link is issued in that transaction (a reissue, which renders inside its own
    transaction: the link stands only if the reissue commits). With `engine`, each link is committed
    on its own as it is drawn: for print runs, which commit their reservations before rendering and
    hold no transaction open while they draw (a batch drawn again after a crash gets new links).

    Each pack's sheets ask in turn for the same household and form: the link is issued once and
    handed to each of them, not issued again (which would kill the one drawn on the sheet before)."""

    def __init__(self, base_url: str, *, engine: Engine | None = None, session: Session | None = None,
                 actor: Actor = Actor.system("print")):
        if (engine is None) == (session is None):
            raise ValueError("NoticeLinkIssuer takes an engine or a session")
        self.base_url, self.engine, self.session, self.actor = base_url.rstrip("/"), engine, session, actor
        self._last: tuple[tuple[int, str], NoticeLink | None] | None = None

    def __call__(self, addressee: Addressee, form_id: str) -> NoticeLink | None:
        key = (addressee.household_id, form_id)
        if self._last is None or self._last[0] != key:
            self._last = (key, self._issue(addressee.household_id))
        return self._last[1]

    def _issue(self, household_id: int) -> NoticeLink | None:
        if self.session is not None:
            return self._issue_in(self.session, household_id)
        with Session(self.engine) as session:
            link = self._issue_in(session, household_id)
            session.commit()
        return link

    def _issue_in(self, session: Session, household_id: int) -> NoticeLink | None:
        household = session.get(Household, household_id)
        programme = session.get(Programme, household.programme_id)
        if Channel.web.value not in programme.channels:
            return None
        issued = issue_link(session=session, actor=self.actor, household=household)
        return NoticeLink(url=short_url(self.base_url, issued.token),
                          typed=short_url(self.base_url, grouped(issued.code)))


def issue_tokens(*, session: Session, actor: Actor, programme: Programme,
                 reissue: bool = False) -> list[tuple[str, str]]:
    """(世帯番号, token) for every household of the programme without a link yet (every household,
    with `reissue`), in household-number order. The tokens exist only in what this returns."""
    actor.require(*ISSUERS)
    if not actor.can_see(programme.municipality_id):
        raise NotFound(f"事業 {programme.id} は見つかりません")
    having = set(session.exec(select(OnlineToken.household_id).where(OnlineToken.programme_id == programme.id)))
    households = session.exec(select(Household).where(Household.programme_id == programme.id)
                              .order_by(Household.household_number))
    issued = [(household.household_number, issue_token(session=session, actor=actor, household=household))
              for household in households if reissue or household.id not in having]
    record_audit(session=session, actor=actor, action="online_tokens", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id, detail=f"issued={len(issued)} reissue={reissue}")
    return issued


# --- what the resident sees ----------------------------------------------------------------------

@dataclass(frozen=True)
class Confirmation:
    name: str
    label: str
    sentence: str  # the sentence printed beside the box on the paper form


@dataclass(frozen=True)
class AttachmentAsked:
    name: str
    label: str
    only_for_new_account: bool


@dataclass
class ApplicationPage:
    household: Household
    head_name: str
    amount_yen: int
    account_on_file: str  # masked (online.accounts): a shared phone shows no more than the last digits
    status: str
    deadline: date
    confirmations: list[Confirmation]
    attachments: list[AttachmentAsked]
    answers: dict = field(default_factory=dict)  # the last submission's, to fix a deficient one
    deficiencies: list[DeficiencyRecord] = field(default_factory=list)
    photos_kept: set[str] = field(default_factory=set)
    receipt: Receipt | None = None

    @property
    def account_parts(self) -> dict[str, str] | None:
        """The account on file, masked, in parts: the page words its kind in the resident's language."""
        return account_parts(self.household)

    @property
    def may_apply(self) -> bool:
        return self.status in OPEN_TO_APPLY


def confirmations_of(template: Template) -> list[Confirmation]:
    """The paper form's required checkboxes, each with the sentence printed on its line."""
    found = []
    for page in template.pages:
        texts = [item for item in page.static if getattr(item, "type", "") == "text"]
        for item in page.fields:
            if item.kind != "checkbox" or not item.required or item.box is None:
                continue
            x, y, width, height = item.box
            beside = [text.text for text in texts if text.at[0] > x and y <= text.at[1] <= y + height + 2]
            found.append(Confirmation(item.name, item.label, beside[0] if beside else item.label))
    return found


def attachments_of(template: Template) -> list[AttachmentAsked]:
    return [AttachmentAsked(a.name, a.label, a.required_when is not None and a.required_when.equals == "new")
            for a in template.attachments if a.required or a.required_when is not None]


def current_form(session: Session, household: Household) -> IssuedForm | None:
    return session.exec(select(IssuedForm).where(IssuedForm.household_id == household.id,
                                                 IssuedForm.voided_at.is_(None))
                        .order_by(IssuedForm.id.desc())).first()


def form_template(session: Session, household: Household) -> Template:
    """The household's form template: the one its notice was printed with."""
    form = current_form(session, household)
    if form is None:
        raise ResidentConflict(Said("problem.not_mailed"))
    probe = Receipt(municipality_id=household.municipality_id, programme_id=household.programme_id,
                    household_id=household.id, form_id=form.form_id, arrived_on=today_jst(), received_by="")
    return template_of(session, probe)


def latest_web_receipt(session: Session, household: Household) -> Receipt | None:
    return session.exec(select(Receipt).where(Receipt.household_id == household.id, Receipt.channel == WEB)
                        .order_by(Receipt.id.desc())).first()


def application_page(*, session: Session, household: Household) -> ApplicationPage:
    template = form_template(session, household)
    application = application_for_household(session=session, household_id=household.id)
    head = session.exec(select(Person.name).where(Person.household_id == household.id,
                                                  Person.is_head.is_(True))).first()
    programme = session.get(Programme, household.programme_id)
    page = ApplicationPage(household=household, head_name=head or "", amount_yen=application.amount_yen,
                           account_on_file=masked_account(household), status=application.status,
                           deadline=programme.deadline_date,
                           confirmations=confirmations_of(template), attachments=attachments_of(template))
    receipt = latest_web_receipt(session, household)
    if receipt is not None:
        page.receipt = receipt
        submitted = session.exec(select(OnlineSubmission).where(OnlineSubmission.receipt_id == receipt.id)).first()
        page.answers = dict(submitted.answers) if submitted else {}
        if application.status in (Status.deficient.value, Status.returned.value):
            page.deficiencies = list(session.exec(select(DeficiencyRecord).where(
                DeficiencyRecord.receipt_id == receipt.id).order_by(DeficiencyRecord.id)))
    page.photos_kept = set(kept_photos(session, household))
    return page


# --- answers -------------------------------------------------------------------------------------

@dataclass
class Answers:
    """What the resident chose and typed, as the form posted it."""

    confirmations: list[str] = field(default_factory=list)
    choice: str = ""  # receive | decline
    account_choice: str = ""  # on_file | new
    bank: str = ""  # a bank's code or name
    branch: str = ""
    account_type: str = ""
    account_number: str = ""
    account_holder_kana: str = ""
    phone: str = ""

    def as_json(self) -> dict:
        return dict(self.__dict__)


def account_values(answers: Answers) -> dict[str, str]:
    """The new account as keying takes it (bank and branch found by name or code), or ResidentInvalid
    naming every problem (in the resident's language on the page, in Japanese as its message)."""
    problems: list[Said] = []
    bank = _code_of(answers.bank, find_banks, 4, "bank", problems)
    branch = _code_of(answers.branch, lambda text, limit=8: find_branches(bank, text, limit) if bank else [],
                      3, "branch", problems)
    raw = {"bank_code": bank, "branch_code": branch, "account_type": answers.account_type,
           "account_number": answers.account_number, "account_holder_kana": answers.account_holder_kana,
           "phone": answers.phone}
    problems.extend(_unknown_codes(answers, bank, branch))
    problems.extend(_account_problems(answers))
    if problems:
        raise ResidentInvalid(*problems)
    try:
        normalise(raw)  # the keying step's own checks: Zengin list, 普通/当座, 7 digits, the banks' kana
    except InvalidInput as error:  # its sentences are the keying step's, in Japanese
        raise ResidentInvalid(Said("problem.account", {"detail": error.message})) from error
    return raw


YUCHO = "9900"  # ゆうちょ銀行: its passbook's 記号・番号 are not the 店番・口座番号 a transfer takes


def _unknown_codes(answers: Answers, bank: str, branch: str) -> list[Said]:
    """A bank or branch typed as a code that the Zengin list does not hold."""
    if bank and bank_named(bank) is None:
        return [Said("problem.bank_unknown", {"text": answers.bank.strip()})]
    if bank == YUCHO and len(branch) == 5:
        return [Said("problem.yucho")]
    if bank and branch and branch_named(bank, branch) is None:
        return [Said("problem.branch_unknown", {"text": answers.branch.strip()})]
    return []


def _account_problems(answers: Answers) -> list[Said]:
    """What the keying step would refuse in the account itself, said in the resident's words (the
    keying step's own sentences are staff's Japanese)."""
    problems: list[Said] = []
    if answers.account_type not in ("ordinary", "current"):
        problems.append(Said("problem.account_type"))
    number = unicodedata.normalize("NFKC", answers.account_number or "").strip().replace("-", "")
    if not (number.isascii() and number.isdigit() and len(number) <= 7):
        problems.append(Said("problem.account_number"))
    holder = (answers.account_holder_kana or "").strip()
    if not holder:
        problems.append(Said("problem.holder_missing"))
        return problems
    try:
        if len(transfer_kana(holder)) > HOLDER_MAX:
            problems.append(Said("problem.holder_too_long", {"limit": HOLDER_MAX}))
    except NotTransferable as refused:
        problems.append(Said("problem.holder_chars", {"chars": refused.characters}))
    return problems


def _code_of(text: str, search, digits: int, what: str, problems: list[Said]) -> str:
    """`what` is bank or branch."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        problems.append(Said(f"problem.{what}_missing"))
        return ""
    if to_halfwidth_digits(text).isdigit():
        return to_halfwidth_digits(text).zfill(digits)
    # the Zengin list names みずほ, not みずほ銀行; a branch by its name without 支店
    bare = text.removesuffix("銀行").removesuffix("支店").removesuffix("店") or text
    found = search(bare, limit=8)
    exact = [match for match in found if bare in (match.name, match.kana)]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0].code
    if not found:
        problems.append(Said(f"problem.{what}_unknown", {"text": text}))
    else:
        names = "、".join(f"{match.name}（{match.code}）" for match in found)
        problems.append(Said(f"problem.{what}_several", {"text": text, "names": names}))
    return ""


def phone_problem(phone: str) -> Said | None:
    digits = to_halfwidth_digits(phone or "").replace("-", "").replace("ー", "").replace(" ", "")
    if digits and not (digits.isascii() and digits.isdigit() and 10 <= len(digits) <= 11):
        return Said("problem.phone")
    return None


# --- photos --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Photo:
    name: str
    png: bytes
    sha256: str
    width: int
    height: int


def read_photo(name: str, label: str, data: bytes, limits: ScanLimits) -> Photo:
    """An uploaded photo, checked from its headers before it is decoded (size, kind, pixels)."""
    named = Said(f"attachment.{name}", fallback=label)
    if len(data) > PHOTO_MAX_BYTES:
        raise ResidentInvalid(Said("problem.photo_too_big", {"label": named,
                                                             "limit": PHOTO_MAX_BYTES // 1048576}))
    if kind_of(data) not in ("jpeg", "png"):
        raise ResidentInvalid(Said("problem.photo_kind", {"label": named}))
    page = next(decode_pages(image_only(data), name, limits, only=1), None)
    if page is None or page.pixels is None:
        raise ResidentInvalid(Said("problem.photo_unreadable", {"label": named}))
    height, width = page.pixels.shape[:2]
    png = png_bytes(page.pixels, longest=PHOTO_LONGEST)
    return Photo(name, png, hashlib.sha256(data).hexdigest(), width, height)


def image_only(data: bytes) -> bytes:
    """A JPEG up to the end of its image (EOI), without what a phone's camera appends after it (a
    motion photo's video, a maker's trailer), which the scanners' check would take for a cut-off
    file. The end is the first EOI after the first scan begins: entropy-coded data never holds FF D9,
    and the embedded thumbnail's own EOI sits in a segment before. Other files come back as they are."""
    if kind_of(data) != "jpeg":
        return data
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
        elif marker in JPEG_STANDALONE_MARKERS:
            at += 2
        elif marker == 0xDA:  # start of scan
            end = data.find(b"\xff\xd9", at)
            return data[:end + 2] if end >= 0 else data
        else:
            at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return data


def kept_photos(session: Session, household: Household) -> dict[str, OnlineAttachment]:
    """The household's newest photo of each attachment, whichever submission brought it."""
    rows = session.exec(select(OnlineAttachment).where(OnlineAttachment.household_id == household.id)
                        .order_by(OnlineAttachment.id))
    return {row.name: row for row in rows}


def _store_photo(session: Session, data_dir: Path, household: Household, photo: Photo) -> OnlineAttachment:
    folder = data_dir / "online" / str(household.municipality_id) / str(household.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{photo.name}-{photo.sha256[:16]}.png"
    path.write_bytes(photo.png)
    row = OnlineAttachment(household_id=household.id, municipality_id=household.municipality_id, name=photo.name,
                           image_path=str(path), sha256=photo.sha256, width=photo.width, height=photo.height)
    session.add(row)
    return row


# --- submitting ----------------------------------------------------------------------------------

@dataclass
class Submitted:
    receipt: Receipt
    verdict: Verdict
    declined: bool


def submit(*, session: Session, household: Household, answers: Answers, photos: dict[str, bytes],
           data_dir: Path, limits: ScanLimits, address: str = "") -> Submitted:
    """The resident's submission: bad input is refused whole (InvalidInput, nothing stored); otherwise
    it is recorded and judged like a paper form (see the module docstring)."""
    actor = resident_actor(address)
    application = application_for_household(session=session, household_id=household.id)
    _may_submit(session, household, application)
    template = form_template(session, household)
    asked = {a.name: a for a in attachments_of(template)}
    problems: list[Said] = []
    account = {}
    if answers.choice not in ("receive", "decline"):  # no answer at all: nothing to take in yet
        answers.choice = ""
        problems.append(Said("problem.choose"))
    if answers.account_choice not in ("on_file", "new"):
        answers.account_choice = ""
    if answers.account_choice == "on_file" and not account_line(household):
        problems.append(Said("problem.no_account_on_file"))
    if answers.choice == "receive" and answers.account_choice == "new":
        try:
            account = account_values(answers)
        except ResidentError as error:
            problems.extend(error.said)
    if problem := phone_problem(answers.phone):
        problems.append(problem)
    read: list[Photo] = []
    for name, data in photos.items():
        if name in asked and data:
            try:
                read.append(read_photo(name, asked[name].label, data, limits))
            except ResidentError as error:
                problems.extend(error.said)
    if problems:
        raise ResidentInvalid(*problems)
    _hold(session, application)  # after the photos are decoded: the row is held only while the answers are stored
    if application.status == Status.deficient.value:
        return_to_resident(session=session, actor=actor, application=application,
                           reason="オンライン申請の不備を住民が画面で修正")
    form = current_form(session, household)
    checked_in = check_in_code(session=session, actor=actor, channel=WEB,
                               code=PageCode(form_id=form.form_id, household_id=household.id, page=1,
                                             template=template.key))
    receipt = checked_in.receipt
    if not checked_in.new or not receipt.counted:
        raise Conflict(checked_in.message)
    stored = [_store_photo(session, data_dir, household, photo) for photo in read]
    for row in stored:
        row.receipt_id = receipt.id
    session.flush()
    kept = kept_photos(session, household)
    _store_readings(session, receipt, template, answers, kept)
    verdict = record_check(session=session, actor=actor, receipt=receipt,
                           pages_present={page.number for page in template.pages},
                           attachment_pages=_attachments_counted(template, answers, kept))
    session.add(OnlineSubmission(receipt_id=receipt.id, household_id=household.id,
                                 municipality_id=household.municipality_id, programme_id=household.programme_id,
                                 answers=answers.as_json(), address=address[:64]))
    record_audit(session=session, actor=actor, action="online_submit", entity="receipt", entity_id=receipt.id,
                 municipality_id=household.municipality_id,
                 detail=f"household={household.id} outcome={verdict.outcome.value} photos={len(stored)}")
    session.flush()
    if verdict.outcome == Outcome.complete and account:
        _first_entry(session, actor, receipt, account)
    request_sms(session=session, actor=actor, household=household, kind=RECEIPT_SMS,
                body=receipt_sms(receipt, to_fix=verdict.outcome == Outcome.deficient))
    session.refresh(application)
    return Submitted(receipt, verdict, declined=application.status == Status.declined.value)


def _may_submit(session: Session, household: Household, application: Application) -> None:
    programme = session.get(Programme, household.programme_id)
    if today_jst() > programme.deadline_date:
        raise ResidentConflict(Said("problem.deadline_passed", {"date": programme.deadline_date}))
    if application.status not in OPEN_TO_APPLY:
        raise ResidentConflict(Said("problem.already"))


def _hold(session: Session, application: Application) -> None:
    """Hold the application's row for this submission while its status is still the one read, or
    refuse: two tabs posting at once would otherwise both step on from the same status (two
    receipts, a timeline stepping twice). A status-preserving UPDATE takes the row (PostgreSQL) or
    the write lock (SQLite) and matches only if no other submission has moved it meanwhile."""
    held = session.exec(update(Application).where(Application.id == application.id,
                                                  Application.status == application.status)
                        .values(status=Application.status).execution_options(synchronize_session=False))
    if held.rowcount != 1:
        raise ResidentConflict(Said("problem.already"))


def _store_readings(session: Session, receipt: Receipt, template: Template, answers: Answers,
                    kept: dict[str, OnlineAttachment]) -> None:
    """One reading per box of the template, filled where the answers fill it (as `check_by_hand`
    stores an operator's ticks); the account's boxes show the bank-book photo to the keying operator."""
    ticked = set(answers.confirmations) | {answers.choice} | {"signature", "signed_date"}
    if answers.choice == "receive" and answers.account_choice:
        ticked.add(f"account_choice={answers.account_choice}")
        if answers.account_choice == "new":
            ticked |= {"bank_name", "branch_name", "account_number", "account_holder_kana",
                       f"account_type={'current' if answers.account_type in ('current', '2', '当座') else 'ordinary'}"}
    if answers.phone.strip():
        ticked.add("phone")
    ticked |= {box for name, box in ATTACHMENT_BOXES.items() if name in kept}
    bank_book = kept.get("bank_book_copy")
    now = utcnow()
    for item, option in boxes_of(template):
        state = "filled" if box_key(item, option) in ticked else "blank"
        crop = bank_book.image_path if bank_book and item.name in ACCOUNT_FIELDS and state == "filled" else ""
        session.add(FieldReading(receipt_id=receipt.id, scanned_page_id=None, municipality_id=receipt.municipality_id,
                                 field=item.name, option=option, kind=item.kind, machine_state=UNREAD,
                                 confirmed_state=state, confirmed_by="resident:web", confirmed_at=now,
                                 crop_path=crop))
    session.flush()


def _attachments_counted(template: Template, answers: Answers, kept: dict[str, OnlineAttachment]) -> int:
    """The attachment count the paper rule takes (it knows how many came, not which): the needed
    attachments present before the first one missing, so the rule names the missing one (and any
    after it; the page asks again for those not yet kept)."""
    new_account = answers.choice == "receive" and answers.account_choice == "new"
    needed = [a.name for a in template.attachments
              if a.required or (a.required_when is not None and a.required_when.equals == "new" and new_account)]
    count = 0
    for name in needed:
        if name not in kept:
            break
        count += 1
    return count if count < len(needed) else len(kept)


def _first_entry(session: Session, actor: Actor, receipt: Receipt, account: dict[str, str]) -> None:
    task = session.exec(select(KeyingTask).where(KeyingTask.receipt_id == receipt.id)).first()
    if task is not None and task.status == WAITING_FIRST:
        submit_entry(session=session, actor=actor, task=task, raw=account)


def receipt_sms(receipt: Receipt, to_fix: bool = False) -> str:
    """The text to the household's mobile once an online application is in (the SMS job sends it);
    one that has something to fix says so, rather than only that it was received."""
    text = f"【給付金事務局】オンライン申請を受け付けました（受付番号 {receipt_number(receipt)}）。"
    if to_fix:
        text += "直していただきたい点があります。お知らせのリンクから申請の画面を開いてご確認ください。"
    return text
