"""Every table of the mailroom, imported in one place for the migrations."""

from mailroom.checkin.models import (
    DeficiencyRecord,
    FieldReading,
    Receipt,
    ReturnBatch,
    ReturnLetter,
    ScanBatch,
    ScannedPage,
    UndeliverableMail,
)
from mailroom.printing.models import IssuedForm, PrintBatch, PrintRun

__all__ = ["DeficiencyRecord", "FieldReading", "IssuedForm", "PrintBatch", "PrintRun", "Receipt", "ReturnBatch",
           "ReturnLetter", "ScanBatch", "ScannedPage", "UndeliverableMail"]
