"""A template's layout as plain data: what `secretariat forms layout` prints and the scan check reads.

The shape is a contract with form designers and the mailroom; keep it stable.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from templates.schema import Template, code_boxes, registration_marks


def summary(template: Template) -> dict:
    return {"id": template.name, "version": template.version, "kind": template.kind, "title": template.title,
            "page_size": template.page_size, "pages": len(template.pages)}


def _plain(item, *, drop_none: bool = False):
    """A schema record as JSON data: records as dicts in field order, tuples as lists."""
    if is_dataclass(item):
        pairs = ((f.name, _plain(getattr(item, f.name), drop_none=drop_none)) for f in fields(item))
        return {name: value for name, value in pairs if not (drop_none and value is None)}
    if isinstance(item, tuple | list):
        return [_plain(value, drop_none=drop_none) for value in item]
    return item


def layout(template: Template) -> dict:
    def field(item) -> dict:
        described = {"name": item.name, "label": item.label, "kind": item.kind, "required": item.required}
        if item.box is not None:
            described["box_mm"] = list(item.box)
        if item.cells:
            described["cells"] = item.cells
        if item.options:
            described["options"] = [{"value": o.value, "label": o.label, "box_mm": list(o.box)} for o in item.options]
        if item.guide:
            described["guide"] = item.guide
        return described

    furniture = {"registration_marks_mm": [list(b) for b in registration_marks(template.size_mm)],
                 "page_codes_mm": [list(b) for b in code_boxes(template.size_mm)]} if template.scanned else {}
    return summary(template) | {
        "size_mm": list(template.size_mm),
        "pages": [{"number": page.number, "fields": [field(item) for item in page.fields], **furniture}
                  for page in template.pages],
        "rules": [_plain(rule) for rule in template.rules],
        "attachments": [_plain(attachment, drop_none=True) for attachment in template.attachments],
    }
