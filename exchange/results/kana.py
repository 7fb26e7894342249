"""Names for bank transfers: JIS X 0201 half-width kana as the Zengin format allows them.

The rules live in the core (`secretariat.core.banking`), where the scan room's keying reaches them too.
"""

from secretariat.core.banking import ALLOWED, MARKS, NotTransferable, fit, transfer_kana

__all__ = ["ALLOWED", "MARKS", "NotTransferable", "fit", "transfer_kana"]
