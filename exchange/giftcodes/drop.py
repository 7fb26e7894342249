"""A gift-code provider's file arriving through the drop (SFTP取込): named for its kind, imported
into the drop account's programme like the same file uploaded on the web, with the same report."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from exchange.giftcodes.issuance import import_issuance
from exchange.giftcodes.redemption import import_redemptions
from exchange.targets.encoding import Limits
from exchange.targets.validate import Problem
from secretariat.core.auth.actor import Actor
from secretariat.core.programmes.models import Programme

KINDS = {"issuance": ("giftcode-issuance", "ギフト発行"), "redemption": ("giftcode-redemption", "ギフト引換")}


def giftcode_file_kind(name: str) -> str | None:
    """`issuance` for giftcode-issuance*.csv (ギフト発行*.csv), `redemption` for giftcode-redemption*.csv
    (ギフト引換*.csv), otherwise None."""
    return next((kind for kind, prefixes in KINDS.items() if name.lower().startswith(prefixes)), None)


def import_dropped_giftcodes(*, session: Session, actor: Actor, programme: Programme, path: Path, kind: str,
                             limits: Limits = Limits()) -> tuple[str, list[Problem], list[Problem]]:
    """(summary, errors, warnings) for the drop's report. The drop account (a liaison) sends the
    provider's file; the import is the exchange's, so it runs as the system on the account's behalf."""
    importer = actor.acting_as("exchange")
    flow = import_issuance if kind == "issuance" else import_redemptions
    result = flow(session=session, actor=importer, programme=programme, path=path, limits=limits)
    return result.summary, result.errors, result.warnings
