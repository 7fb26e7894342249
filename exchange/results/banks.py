"""Bank and branch codes (金融機関コード, 支店コード) checked against the Zengin code list.

The list lives in the core (`secretariat.core.banking`), where the scan room's keying reaches it too.
"""

from secretariat.core.banking import bank_names, bank_problem

__all__ = ["bank_names", "bank_problem"]
