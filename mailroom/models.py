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
from mailroom.keying.models import KeyingEntry, KeyingTask
from mailroom.printing.models import IssuedForm, PrintBatch, PrintRun, ReminderLetter, ReminderRun

__all__ = ["DeficiencyRecord", "FieldReading", "IssuedForm", "KeyingEntry", "KeyingTask", "PrintBatch", "PrintRun",
           "Receipt", "ReminderLetter", "ReminderRun", "ReturnBatch", "ReturnLetter", "ScanBatch", "ScannedPage",
           "UndeliverableMail"]
