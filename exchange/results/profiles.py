"""Bank profiles (振込依頼人の設定): the paying side of a programme's transfers, set once.

A profile holds what the municipality's bank gave it and what that bank wants of a Zengin file:
委託者コード and 委託者名, the paying bank, branch, 預金種目 and account, whether records are
separated by CRLF or by nothing, and whether the unused 手形交換所番号 is zeros or spaces. A
payment batch copies it when it is prepared; `zengin.py` writes the file the way it says.
"""

from __future__ import annotations

from sqlmodel import Session, select

from exchange.results.banks import bank_problem
from exchange.results.kana import NotTransferable, transfer_kana
from exchange.results.models import BankProfile
from exchange.results.zengin import CLEARING_HOUSE_FILLS, SEPARATORS
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.errors import InvalidInput
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import get_programme

# what an operator may type for 預金種目, in the words they know it by
ACCOUNT_TYPE_WORDS = {"ordinary": "ordinary", "普通": "ordinary", "1": "ordinary",
                      "current": "current", "当座": "current", "2": "current"}


def checked_profile(*, requester_code: str, requester_name: str, from_bank_code: str, from_branch_code: str,
                    from_account_number: str, from_account_type: str = "ordinary", record_separator: str = "crlf",
                    clearing_house_fill: str = "zeros") -> BankProfile:
    """An unsaved profile in the form the file needs, or `InvalidInput` naming every field that is wrong."""
    problems = []
    code = requester_code.strip()
    if not _digits(code, 10):
        problems.append(f"委託者コード: 銀行が定める10桁以内の半角数字です（入力: {requester_code!r}）")
    try:
        name = transfer_kana(requester_name)
        if not name:
            problems.append("委託者名: 入力してください")
        elif len(name) > 40:
            problems.append(f"委託者名: 半角40文字までです（{len(name)}文字）")
    except NotTransferable as error:
        name = ""
        problems.append(f"委託者名: {error}")
    if problem := bank_problem(from_bank_code.strip(), from_branch_code.strip()):
        problems.append(f"仕向銀行・支店: {problem}")
    kind = ACCOUNT_TYPE_WORDS.get(from_account_type.strip())
    if kind is None:
        problems.append(f"預金種目: 普通（ordinary）か当座（current）です（入力: {from_account_type!r}）")
    account = from_account_number.strip()
    if not _digits(account, 7):
        problems.append(f"口座番号: 7桁以内の半角数字です（入力: {from_account_number!r}）")
    if record_separator not in SEPARATORS:
        problems.append(f"レコード区切り: crlf（改行あり）か none（改行なし）です（入力: {record_separator!r}）")
    if clearing_house_fill not in CLEARING_HOUSE_FILLS:
        problems.append(f"手形交換所番号: zeros（ゼロ）か spaces（スペース）です（入力: {clearing_house_fill!r}）")
    if problems:
        raise InvalidInput("銀行プロファイルに誤りがあります。" + " / ".join(problems))
    return BankProfile(municipality_id=0, programme_id=0, requester_code=code.zfill(10), requester_name_kana=name,
                       from_bank_code=from_bank_code.strip(), from_branch_code=from_branch_code.strip(),
                       from_account_type=kind, from_account_number=account.zfill(7),
                       record_separator=record_separator, clearing_house_fill=clearing_house_fill, updated_by="")


def _digits(text: str, width: int) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= width


def set_bank_profile(*, session: Session, actor: Actor, programme: Programme, requester_code: str,
                     requester_name: str, from_bank_code: str, from_branch_code: str, from_account_number: str,
                     from_account_type: str = "ordinary", record_separator: str = "crlf",
                     clearing_house_fill: str = "zeros") -> BankProfile:
    """Set (or replace) the programme's profile: the secretariat's staff, or the municipality's own liaison."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    get_programme(session=session, actor=actor, programme_id=programme.id)  # NotFound outside the actor's scope
    checked = checked_profile(requester_code=requester_code, requester_name=requester_name,
                              from_bank_code=from_bank_code, from_branch_code=from_branch_code,
                              from_account_number=from_account_number, from_account_type=from_account_type,
                              record_separator=record_separator, clearing_house_fill=clearing_house_fill)
    profile = session.exec(select(BankProfile).where(BankProfile.programme_id == programme.id)).first()
    if profile is None:
        profile = BankProfile(municipality_id=programme.municipality_id, programme_id=programme.id,
                              requester_code="", requester_name_kana="", from_bank_code="", from_branch_code="",
                              from_account_number="", updated_by="")
    for name in ("requester_code", "requester_name_kana", "from_bank_code", "from_branch_code", "from_account_type",
                 "from_account_number", "record_separator", "clearing_house_fill"):
        setattr(profile, name, getattr(checked, name))
    profile.updated_by, profile.updated_at = actor.username, utcnow()
    session.add(profile)
    session.flush()
    record_audit(session=session, actor=actor, action="bank_profile_set", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id,
                 detail=f"委託者コード {profile.requester_code}, {profile.from_bank_code}-{profile.from_branch_code}, "
                        f"{profile.record_separator}, 手形交換所番号 {profile.clearing_house_fill}")
    return profile


def bank_profile(*, session: Session, actor: Actor, programme: Programme) -> BankProfile | None:
    get_programme(session=session, actor=actor, programme_id=programme.id)
    return session.exec(select(BankProfile).where(BankProfile.programme_id == programme.id)).first()
