"""The schema every layout file must satisfy.

Coordinates are millimetres from the page's top-left corner: `at` is [x, y], `box` is
[x, y, width, height]. Static items are printed the same on every copy; prefilled items are
bound to a household's data by name; fields are what the resident fills in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Literal

if TYPE_CHECKING:
    from pydantic import AfterValidator, Field, TypeAdapter

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "NAGA3": (120.0, 235.0)}

# What a prefilled item can show. The print room knows how to fill each of these.
BINDINGS = (
    "address_block",          # 〒, address, 方書 and the head's name with 様, for a window envelope
    "address",                # the address on one line
    "customer_barcode",       # Japan Post's barcode for the address block
    "address_code",           # the page code shown through the window, for undeliverable mail
    "head_name", "head_name_kana", "household_number", "resident_number",
    "amount", "account_on_file", "programme_name", "municipality_name", "deadline", "issue_date",
    "pay_by", "decline_by",   # a push programme's dates D (paid by) and E (decline or change the account by)
    "deficiencies",           # the return letter's list of what to fix
    "notice_link",            # the household's online link: QR code, short URL and one line of instruction
    "return_address_block",   # the secretariat's own address on the business-reply face
    "return_customer_barcode",
)

Box = tuple[float, float, float, float]
Point = tuple[float, float]

# Page furniture that the print room adds to every scanned page and the scan check relies on:
# solid registration marks near the four corners, and the page code twice at opposite corners.
MARK_SIZE, MARK_INSET = 5.0, 6.0
CODE_SIZE, CODE_INSET = 18.0, 9.0


def registration_marks(size_mm: tuple[float, float]) -> list[Box]:
    width, height = size_mm
    far_x, far_y = width - MARK_INSET - MARK_SIZE, height - MARK_INSET - MARK_SIZE
    return [(MARK_INSET, MARK_INSET, MARK_SIZE, MARK_SIZE), (far_x, MARK_INSET, MARK_SIZE, MARK_SIZE),
            (MARK_INSET, far_y, MARK_SIZE, MARK_SIZE), (far_x, far_y, MARK_SIZE, MARK_SIZE)]


def code_boxes(size_mm: tuple[float, float]) -> list[Box]:
    """Top-right and bottom-left, so one code survives a smudge and either feed direction reads."""
    width, height = size_mm
    return [(width - CODE_INSET - CODE_SIZE - MARK_SIZE, CODE_INSET + MARK_SIZE, CODE_SIZE, CODE_SIZE),
            (CODE_INSET + MARK_SIZE, height - CODE_INSET - CODE_SIZE - MARK_SIZE - 2, CODE_SIZE, CODE_SIZE)]


# The classes are plain frozen dataclasses, so that a layout read back from the loader's cache needs
# no pydantic: a scan check loads it at every start-up. pydantic validates the files into them
# (`validator`), reading the constraints written in the annotations below (`Field`, `AfterValidator`),
# which stay strings until then: those two names are bound when the validator is first built.
_STRICT = {"extra": "forbid"}  # pydantic's config for each class: an unknown key is an error
record = dataclass(frozen=True, kw_only=True)


@record
class Text:
    type: Literal["text"]
    text: str
    at: Point
    size: Annotated[float, Field(gt=0)] = 10.5
    bold: bool = False
    align: Literal["left", "center", "right"] = "left"
    __pydantic_config__ = _STRICT


@record
class Paragraph:
    type: Literal["paragraph"]
    text: str
    box: Box
    size: Annotated[float, Field(gt=0)] = 10.5
    __pydantic_config__ = _STRICT


@record
class Frame:
    type: Literal["box"]
    box: Box
    width: Annotated[float, Field(gt=0)] = 0.4
    shade: Annotated[float, Field(ge=0, le=1)] = 1.0  # fill grey level, 1 = none
    __pydantic_config__ = _STRICT


@record
class Line:
    type: Literal["line"]
    start: Point
    end: Point
    width: Annotated[float, Field(gt=0)] = 0.4
    __pydantic_config__ = _STRICT


Static = "Annotated[Text | Paragraph | Frame | Line, Field(discriminator='type')]"


@record
class Prefilled:
    name: str
    binding: Literal[BINDINGS]  # type: ignore[valid-type]
    box: Box
    size: Annotated[float, Field(gt=0)] = 10.5
    align: Literal["left", "center", "right"] = "left"
    bold: bool = False
    __pydantic_config__ = _STRICT


@record
class Option:
    value: str
    label: str
    box: Box
    __pydantic_config__ = _STRICT


@record
class InputField:
    """A place the resident writes: its kind decides how it is drawn and how a scan is judged."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str
    kind: Literal["text", "digits", "checkbox", "choice", "date", "signature"]
    box: Box | None = None
    cells: Annotated[int, Field(ge=1, le=20)] | None = None  # comb boxes for digits
    options: tuple[Option, ...] = ()
    required: bool = False
    guide: str = ""  # light guide text printed inside the box
    __pydantic_config__ = _STRICT

    def __post_init__(self) -> None:
        if self.kind == "choice":
            if len(self.options) < 2:
                raise ValueError("a choice needs at least two options")
        elif self.box is None:
            raise ValueError(f"a {self.kind} field needs a box")
        if self.kind == "digits" and not self.cells:
            raise ValueError("a digits field needs cells (the number of comb boxes)")

    def boxes(self) -> list[Box]:
        return [option.box for option in self.options] if self.kind == "choice" else [self.box]


@record
class Page:
    number: Annotated[int, Field(ge=1)]
    static: tuple[Static, ...] = ()
    prefilled: tuple[Prefilled, ...] = ()
    fields: tuple[InputField, ...] = ()
    __pydantic_config__ = _STRICT


@record
class Condition:
    field: str
    equals: str | bool
    __pydantic_config__ = _STRICT


@record
class ExactlyOne:
    rule: Literal["exactly_one"]
    fields: Annotated[tuple[str, ...], Field(min_length=2)]
    message: str
    __pydantic_config__ = _STRICT


@record
class RequiredIf:
    rule: Literal["required_if"]
    when: Condition
    then: Annotated[tuple[str, ...], Field(min_length=1)]
    message: str
    __pydantic_config__ = _STRICT


Rule = "Annotated[ExactlyOne | RequiredIf, Field(discriminator='rule')]"


@record
class Attachment:
    name: str
    label: str
    required: bool = False
    required_when: Condition | None = None
    __pydantic_config__ = _STRICT


@record
class ReplyTo:
    """Where residents send the form back: printed on the business-reply (料金受取人払) face."""

    postal_code: Annotated[str, Field(pattern=r"^[0-9]{3}-?[0-9]{4}$")]
    address: str
    addressee: str
    __pydantic_config__ = _STRICT


def _numbered_in_order(pages: tuple[Page, ...]) -> tuple[Page, ...]:
    if [page.number for page in pages] != list(range(1, len(pages) + 1)):
        raise ValueError("pages must be numbered 1, 2, 3… in order")
    return pages


@record
class Template:
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    version: Annotated[int, Field(ge=1)]
    kind: Literal["form", "letter", "sheet", "envelope"]
    title: str
    page_size: Literal[tuple(PAGE_SIZES_MM)]  # type: ignore[valid-type]
    window: str | None = None  # the window envelope this sheet is mailed in
    pages: Annotated[tuple[Page, ...], Field(min_length=1), AfterValidator(_numbered_in_order)]
    rules: tuple[Rule, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    reply_to: ReplyTo | None = None
    __pydantic_config__ = _STRICT

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def size_mm(self) -> tuple[float, float]:
        return PAGE_SIZES_MM[self.page_size]

    @property
    def scanned(self) -> bool:
        """Forms and letters come back through the scanners and carry marks and codes; envelopes do not."""
        return self.kind != "envelope"

    def reserved(self) -> list[Box]:
        return registration_marks(self.size_mm) + code_boxes(self.size_mm) if self.scanned else []

    def fields(self) -> dict[str, InputField]:
        return {field.name: field for page in self.pages for field in page.fields}


@record
class Window:
    """A window envelope: where its window falls on the sheet folded into it."""

    name: str
    title: str
    size_mm: tuple[float, float]
    window: Box  # the window, relative to the inserted sheet's top-left corner
    margin: Annotated[float, Field(ge=0)] = 3.0  # clearance the address must keep from the window's edges
    __pydantic_config__ = _STRICT


@lru_cache(maxsize=None)
def validator(kind: type) -> TypeAdapter:
    """pydantic's validator for `Template` or `Window`, built on first use (a tenth of a second):
    only a layout read from its file is validated."""
    import pydantic

    globals().update(Field=pydantic.Field, AfterValidator=pydantic.AfterValidator)
    return pydantic.TypeAdapter(kind)
