"""The schema every layout file must satisfy.

Coordinates are millimetres from the page's top-left corner: `at` is [x, y], `box` is
[x, y, width, height]. Static items are printed the same on every copy; prefilled items are
bound to a household's data by name; fields are what the resident fills in.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "NAGA3": (120.0, 235.0)}

# What a prefilled item can show. The print room knows how to fill each of these.
BINDINGS = (
    "address_block",          # 〒, address, 方書 and the head's name with 様, for a window envelope
    "address",                # the address on one line
    "customer_barcode",       # Japan Post's barcode for the address block
    "address_code",           # the page code shown through the window, for undeliverable mail
    "head_name", "head_name_kana", "household_number", "resident_number",
    "amount", "account_on_file", "programme_name", "municipality_name", "deadline", "issue_date",
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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    type: Literal["text"]
    text: str
    at: Point
    size: float = Field(default=10.5, gt=0)
    bold: bool = False
    align: Literal["left", "center", "right"] = "left"


class Paragraph(Strict):
    type: Literal["paragraph"]
    text: str
    box: Box
    size: float = Field(default=10.5, gt=0)


class Frame(Strict):
    type: Literal["box"]
    box: Box
    width: float = Field(default=0.4, gt=0)
    shade: float = Field(default=1.0, ge=0, le=1, description="fill grey level, 1 = none")


class Line(Strict):
    type: Literal["line"]
    start: Point
    end: Point
    width: float = Field(default=0.4, gt=0)


Static = Annotated[Text | Paragraph | Frame | Line, Field(discriminator="type")]


class Prefilled(Strict):
    name: str
    binding: Literal[BINDINGS]  # type: ignore[valid-type]
    box: Box
    size: float = Field(default=10.5, gt=0)
    align: Literal["left", "center", "right"] = "left"
    bold: bool = False


class Option(Strict):
    value: str
    label: str
    box: Box


class InputField(Strict):
    """A place the resident writes: its kind decides how it is drawn and how a scan is judged."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    kind: Literal["text", "digits", "checkbox", "choice", "date", "signature"]
    box: Box | None = None
    cells: int | None = Field(default=None, ge=1, le=20, description="comb boxes for digits")
    options: tuple[Option, ...] = ()
    required: bool = False
    guide: str = Field(default="", description="light guide text printed inside the box")

    @model_validator(mode="after")
    def _shape(self) -> "InputField":
        if self.kind == "choice":
            if len(self.options) < 2:
                raise ValueError("a choice needs at least two options")
        elif self.box is None:
            raise ValueError(f"a {self.kind} field needs a box")
        if self.kind == "digits" and not self.cells:
            raise ValueError("a digits field needs cells (the number of comb boxes)")
        return self

    def boxes(self) -> list[Box]:
        return [option.box for option in self.options] if self.kind == "choice" else [self.box]


class Page(Strict):
    number: int = Field(ge=1)
    static: tuple[Static, ...] = ()
    prefilled: tuple[Prefilled, ...] = ()
    fields: tuple[InputField, ...] = ()


class Condition(Strict):
    field: str
    equals: str | bool


class ExactlyOne(Strict):
    rule: Literal["exactly_one"]
    fields: tuple[str, ...] = Field(min_length=2)
    message: str


class RequiredIf(Strict):
    rule: Literal["required_if"]
    when: Condition
    then: tuple[str, ...] = Field(min_length=1)
    message: str


Rule = Annotated[ExactlyOne | RequiredIf, Field(discriminator="rule")]


class Attachment(Strict):
    name: str
    label: str
    required: bool = False
    required_when: Condition | None = None


class ReplyTo(Strict):
    """Where residents send the form back: printed on the business-reply (料金受取人払) face."""

    postal_code: str = Field(pattern=r"^[0-9]{3}-?[0-9]{4}$")
    address: str
    addressee: str


class Template(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    kind: Literal["form", "letter", "sheet", "envelope"]
    title: str
    page_size: Literal[tuple(PAGE_SIZES_MM)]  # type: ignore[valid-type]
    window: str | None = Field(default=None, description="the window envelope this sheet is mailed in")
    pages: tuple[Page, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    reply_to: ReplyTo | None = None

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

    @field_validator("pages")
    @classmethod
    def _numbered_in_order(cls, pages):
        if [page.number for page in pages] != list(range(1, len(pages) + 1)):
            raise ValueError("pages must be numbered 1, 2, 3… in order")
        return pages

    def fields(self) -> dict[str, InputField]:
        return {field.name: field for page in self.pages for field in page.fields}


class Window(Strict):
    """A window envelope: where its window falls on the sheet folded into it."""

    name: str
    title: str
    size_mm: tuple[float, float]
    window: Box = Field(description="the window, relative to the inserted sheet's top-left corner")
    margin: float = Field(default=3.0, ge=0, description="clearance the address must keep from the window's edges")
