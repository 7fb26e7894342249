"""Every table of the mailroom, imported in one place for the migrations."""

from mailroom.printing.models import IssuedForm, PrintBatch, PrintRun

__all__ = ["IssuedForm", "PrintBatch", "PrintRun"]
