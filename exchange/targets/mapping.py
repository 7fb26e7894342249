"""A municipality's column mapping: which heading holds which field, read from a YAML file
under `templates/mappings/` so that a new municipality's layout is a new file, not new code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

import templates
from secretariat.core.errors import InvalidInput
from secretariat.core.text import to_halfwidth_digits

MAPPINGS_DIR = Path(templates.__file__).parent / "mappings"

FIELDS = ("resident_number", "household_number", "name", "name_kana", "birth_date", "sex", "relationship",
          "postal_code", "address", "address_extra", "phone", "bank_code", "branch_code", "account_type",
          "account_number", "account_holder_kana", "change", "change_reason", "change_date")
REQUIRED_FIELDS = ("resident_number", "household_number", "name", "name_kana", "birth_date", "relationship",
                   "postal_code", "address")


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")

    header: str
    field: Literal[FIELDS]  # type: ignore[valid-type]
    optional: bool = False
    blank_ok: bool = False


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "default"
    title: str = ""
    header_prefixes: list[str] = []
    check_digit: bool = False
    head_relationships: list[str]
    sex_values: dict[str, Literal["male", "female", "unknown"]]
    change_values: dict[str, Literal["add", "change", "remove"]] = {}
    columns: list[Column]

    @model_validator(mode="after")
    def _complete(self) -> "Mapping":
        fields = [column.field for column in self.columns]
        missing = [field for field in REQUIRED_FIELDS if field not in fields]
        if missing:
            raise ValueError(f"the mapping has no column for {', '.join(missing)}")
        doubled = {field for field in fields if fields.count(field) > 1}
        if doubled:
            raise ValueError(f"the mapping names more than one column for {', '.join(sorted(doubled))}")
        return self

    def heading(self, text: str) -> str:
        """A heading as compared: trimmed, half-width letters and digits, known prefix removed."""
        key = to_halfwidth_digits(text).strip().strip('"')
        for prefix in self.header_prefixes:
            if key.upper().startswith(prefix.upper()):
                key = key[len(prefix):]
        return key.strip()

    def column_for(self, heading: str) -> Column | None:
        key = self.heading(heading)
        return next((column for column in self.columns if self.heading(column.header) == key), None)


def mapping_names() -> list[str]:
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.yaml"))


@lru_cache(maxsize=32)
def load_mapping(name: str = "default") -> Mapping:
    """The named mapping, or an error naming the file and what is wrong in it."""
    if name not in mapping_names():
        raise InvalidInput(f"no column mapping {name!r}; known mappings: {', '.join(mapping_names())}")
    path = MAPPINGS_DIR / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Mapping.model_validate({"name": name, **data})
    except (yaml.YAMLError, TypeError) as error:
        raise InvalidInput(f"{path.name}: not a valid mapping file ({error})") from None
    except ValidationError as error:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InvalidInput(f"{path.name}: {detail}") from None
