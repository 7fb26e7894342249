"""Every table of the exchange, imported in one place for the migrations; installs the payment guard."""

from exchange.drop.models import DropAccount
from exchange.results import guard as _payment_guard  # noqa: F401
from exchange.results.models import BankProfile, PaymentBatch, PaymentLine
from exchange.targets.models import ColumnMapping, TargetChange, TargetFile

__all__ = ["BankProfile", "ColumnMapping", "DropAccount", "PaymentBatch", "PaymentLine", "TargetChange", "TargetFile"]
