"""Every table of the exchange, imported in one place for the migrations."""

from exchange.decisions.models import DecisionLine, DecisionList
from exchange.drop.models import DropAccount
from exchange.giftcodes.models import GiftCode, GiftCodeBatch, GiftCodeLine, GiftCodeSetting, PayoutChoice
from exchange.results.models import BankProfile, PaymentBatch, PaymentLine
from exchange.targets.models import ColumnMapping, TargetChange, TargetFile

__all__ = ["BankProfile", "ColumnMapping", "DecisionLine", "DecisionList", "DropAccount", "GiftCode", "GiftCodeBatch",
           "GiftCodeLine", "GiftCodeSetting", "PaymentBatch", "PaymentLine", "PayoutChoice", "TargetChange", "TargetFile"]
