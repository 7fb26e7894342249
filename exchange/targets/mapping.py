"""A municipality's column mapping: which heading holds which field, which headings to leave out,
and how its codes read (続柄コード, 性別, 異動区分), written as YAML so that a new municipality's
layout is new data, not new code.

Mappings come from three places: the shipped ones under `templates/mappings/` (by name), a
municipality's own, kept in the store (`stored_mappings.py`), and a YAML file given by its path on
the command line. All are checked the same way, and a broken one is refused with the place in the
YAML and the problem in Japanese (`columns.氏名カナ.field: 次のいずれかにしてください: …`).
"""

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
MAX_MAPPING_CHARS = 100_000  # the default mapping is 3,000; a YAML this large is not a mapping

FIELDS = ("resident_number", "household_number", "name", "name_kana", "birth_date", "sex", "relationship",
          "postal_code", "address", "address_extra", "phone", "bank_code", "branch_code", "account_type",
          "account_number", "account_holder_kana", "change", "change_reason", "change_date")
REQUIRED_FIELDS = ("resident_number", "household_number", "name", "name_kana", "birth_date", "relationship",
                   "postal_code", "address")
# what operators call each field: the default mapping's headings
FIELD_LABELS = {"resident_number": "宛名番号", "household_number": "世帯番号", "name": "氏名", "name_kana": "氏名カナ",
                "birth_date": "生年月日", "sex": "性別", "relationship": "続柄", "postal_code": "郵便番号",
                "address": "住所", "address_extra": "方書", "phone": "電話番号", "bank_code": "金融機関コード",
                "branch_code": "支店コード", "account_type": "預金種目", "account_number": "口座番号",
                "account_holder_kana": "口座名義カナ", "change": "異動区分", "change_reason": "異動事由",
                "change_date": "異動日"}


class MappingProblems(ValueError):
    """What is wrong with a mapping as a whole, each as (place in the YAML, problem)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{place}: {problem}" for place, problem in problems))
        self.problems = problems


class MappingInvalid(InvalidInput):
    """A mapping refused: `problems` are `place: problem` lines, the message names the source too."""

    def __init__(self, source: str, problems: list[str]):
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source, self.problems = source, problems


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
    # 続柄 written as codes (02 for 世帯主 …): code → the words stored
    relationship_codes: dict[str, str] = {}
    sex_values: dict[str, Literal["male", "female", "unknown"]]
    change_values: dict[str, Literal["add", "change", "remove"]] = {}
    columns: list[Column]
    # headings the municipality's system exports that we never import (住民票コード, 住民となった年月日 …)
    ignore_columns: list[str] = []

    @model_validator(mode="after")
    def _complete(self) -> "Mapping":
        problems: list[tuple[str, str]] = []
        fields = [column.field for column in self.columns]
        for field in REQUIRED_FIELDS:
            if field not in fields:
                problems.append(("columns", f"{FIELD_LABELS[field]}（field: {field}）の列がありません。必須です"))
        first_of_field: dict[str, str] = {}
        first_of_heading: dict[str, str] = {}
        for column in self.columns:
            if column.field in first_of_field:
                problems.append((f"columns.{column.header}.field",
                                 f"{column.field} は列「{first_of_field[column.field]}」にも割り当てられています"))
            first_of_field.setdefault(column.field, column.header)
            key = self.heading(column.header)
            if key in first_of_heading:
                problems.append((f"columns.{column.header}", "同じ見出しの列が2つあります"))
            first_of_heading.setdefault(key, column.header)
        for heading in self.ignore_columns:
            if self.heading(heading) in first_of_heading:
                problems.append((f"ignore_columns.{heading}", "columns で取り込む列です。どちらか一方にしてください"))
        for code, words in self.relationship_codes.items():
            if not code.strip() or not words.strip():
                problems.append((f"relationship_codes.{code}", "コードと続柄の両方を書いてください"))
        if problems:
            raise MappingProblems(problems)
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

    def ignores(self, heading: str) -> bool:
        key = self.heading(heading)
        return any(self.heading(ignored) == key for ignored in self.ignore_columns)


def mapping_names() -> list[str]:
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.yaml"))


@lru_cache(maxsize=32)
def load_mapping(name: str = "default") -> Mapping:
    """The named mapping shipped under `templates/mappings/`, or an error naming what is wrong."""
    if name not in mapping_names():
        raise InvalidInput(f"対応表 {name!r} はありません。あるのは {', '.join(mapping_names())} です")
    path = MAPPINGS_DIR / f"{name}.yaml"
    return parse_mapping(path.read_text(encoding="utf-8"), name=name, source=path.name)


def read_mapping_file(path: Path) -> Mapping:
    """A mapping from a YAML file anywhere (an admin's draft, a municipality's file before it is stored)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InvalidInput(f"{path}: 読めません（{error.strerror}）") from None
    except UnicodeDecodeError:
        raise MappingInvalid(path.name, ["UTF-8 のテキストではありません"]) from None
    return parse_mapping(text, name=path.stem, source=path.name)


def find_mapping(value: str) -> Mapping:
    """`--mapping`'s value: a shipped mapping's name, or the path of a YAML file."""
    if value in mapping_names():
        return load_mapping(value)
    path = Path(value)
    if path.suffix.lower() in (".yaml", ".yml") or "/" in value or "\\" in value:
        if not path.is_file():
            raise InvalidInput(f"対応表のファイル {value} がありません")
        return read_mapping_file(path)
    raise InvalidInput(f"対応表 {value!r} はありません。templates/mappings/ の名前（{', '.join(mapping_names())}）"
                       "か、YAML ファイルのパスを指定してください")


def parse_mapping(text: str, *, name: str, source: str) -> Mapping:
    """Check a mapping's YAML; `MappingInvalid` lists every problem with its place."""
    if len(text) > MAX_MAPPING_CHARS:
        raise MappingInvalid(source, [f"大きすぎます（{len(text):,} 文字）。対応表は {MAX_MAPPING_CHARS:,} 文字までです"])
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader that also refuses aliases)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{mark.line + 1}行目 {mark.column + 1}文字目" if mark else "ファイル"
        raise MappingInvalid(source, [f"{where}: YAML として読めません（{error.problem or error.context}）"]) from None
    except yaml.YAMLError as error:
        raise MappingInvalid(source, [f"YAML として読めません（{error}）"]) from None
    if not isinstance(data, dict):
        raise MappingInvalid(source, ["ファイル全体が「キー: 値」の対応表になっていません"])
    try:
        return Mapping.model_validate({**data, "name": name})
    except ValidationError as error:
        raise MappingInvalid(source, _problems(error, data)) from None


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe subset, without aliases (an alias bomb expands to billions of nodes when
    checked) and without a key given twice (YAML keeps the last silently)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "別名（*参照）は使えません", self.peek_event().start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                continue  # an unhashable key: SafeLoader refuses it itself
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"キー {key} が2回書かれています",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _problems(error: ValidationError, data: dict) -> list[str]:
    problems = []
    for found in error.errors():
        cause = (found.get("ctx") or {}).get("error")
        if isinstance(cause, MappingProblems):
            problems += [f"{place}: {problem}" for place, problem in cause.problems]
        else:
            problems.append(f"{_place(found['loc'], data)}: {_message(found)}")
    return problems


def _place(loc: tuple, data: dict) -> str:
    """`columns.氏名カナ.field` for ('columns', 3, 'field'): a column is named by its heading."""
    parts = []
    for index, part in enumerate(loc):
        if part == "[key]":
            continue
        if index == 1 and loc[0] == "columns" and isinstance(part, int):
            columns = data.get("columns")
            column = columns[part] if isinstance(columns, list) and part < len(columns) else None
            header = column.get("header") if isinstance(column, dict) else None
            parts.append(str(header) if isinstance(header, (str, int)) else f"{part + 1}番目")
        else:
            parts.append(str(part))
    return ".".join(parts) or "ファイル"


def _message(found: dict) -> str:
    kind = found["type"]
    if kind == "missing":
        return "必須の項目がありません"
    if kind == "extra_forbidden":
        return "この項目は使えません（綴りを確かめてください）"
    if kind == "literal_error":
        return f"次のいずれかにしてください: {found['ctx']['expected']}"
    if kind == "string_type" and found["loc"][-1] == "[key]":
        return "コードは引用符で囲んでください（例: \"02\"）。囲まないと 02 は数の 2 と読まれます"
    if kind == "string_type":
        return "文字列にしてください（数字だけの値は \"02\" のように引用符で囲みます）"
    if kind in ("bool_type", "bool_parsing"):
        return "true か false にしてください"
    if kind == "list_type":
        return "リストにしてください（[a, b] か、行頭に - を付けて1行ずつ）"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "「キー: 値」の対応表にしてください"
    return found["msg"]
