"""Loading layout files, and refusing a broken one with the file, the place and the problem.

Every `mailroom check` needs the shipped set at start-up, and parsing and validating it (PyYAML,
pydantic's validators) costs more than the check of a page. So the validated set is also kept on
disk (`cache_root()/templates`), named by a digest of everything that makes it: each layout file's
name and bytes, this module's and the schema's source, Python's version and pydantic's files. An
edited, added or removed file names a new one; nothing has to be cleared by hand, and a broken file
is never kept: it fails loudly, naming itself, the first time and every time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from functools import lru_cache
from pathlib import Path

from secretariat.core.cache import cache_root, installed, keep
from templates import schema
from templates.schema import PAGE_SIZES_MM, Box, Template, Window, validator

ROOT = Path(__file__).parent
WINDOW_BINDINGS = ("address_block", "customer_barcode", "address_code")


class TemplateError(ValueError):
    def __init__(self, path: Path, place: str, problem: str):
        super().__init__(f"{path.name}: {place}: {problem}")
        self.path, self.place, self.problem = path, place, problem


def _read(path: Path) -> dict:
    import yaml  # here: a start-up that finds the set in the cache parses no YAML

    try:
        # libyaml's loader where PyYAML has it (its wheels do)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise TemplateError(path, place, f"not valid YAML ({getattr(error, 'problem', error)})") from None
    except UnicodeDecodeError:
        raise TemplateError(path, "file", "not UTF-8 text") from None
    if not isinstance(data, dict):
        raise TemplateError(path, "file", "expected a mapping at the top level")
    return data


def _place(location: tuple) -> str:
    """pages[0].fields[3].box from pydantic's location, leaving out the union tags it adds."""
    place = ""
    for position, part in enumerate(location):
        tagged_list = position >= 2 and location[position - 2] in ("static", "rules")
        if isinstance(part, int):
            place += f"[{part}]"
        elif tagged_list and isinstance(location[position - 1], int):
            continue  # pydantic names the union member it tried; the reader wants the path only
        else:
            place += ("." if place else "") + str(part)
    return place or "file"


def _validated(path: Path, kind: type, data: dict):
    from pydantic import ValidationError

    try:
        return validator(kind).validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        # the classes are dataclasses: pydantic calls an unknown key an unexpected keyword argument
        problem = "Extra inputs are not permitted" if first["type"] == "unexpected_keyword_argument" else first["msg"]
        raise TemplateError(path, _place(first["loc"]), problem.removeprefix("Value error, ")) from None


def load_template(path: Path) -> Template:
    template = _validated(path, Template, _read(path))
    _check_meaning(path, template)
    return template


def load_window(path: Path) -> Window:
    return _validated(path, Window, _read(path))


def _inside(inner: Box, outer: Box, margin: float = 0.0) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox + margin and y >= oy + margin and x + w <= ox + ow - margin and y + h <= oy + oh - margin


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _check_box(path: Path, template: Template, where: str, box: Box) -> None:
    width, height = PAGE_SIZES_MM[template.page_size]
    if not _inside(box, (0.0, 0.0, width, height)):
        raise TemplateError(path, where, f"box {list(box)} lies outside the {template.page_size} page")
    for reserved in template.reserved():
        if _overlap(box, reserved):
            raise TemplateError(path, where, f"box {list(box)} overlaps the registration mark or page code "
                                             f"at {list(reserved)}")


def _check_meaning(path: Path, template: Template) -> None:
    """What the schema alone cannot say: boxes on the page and clear of the page furniture,
    names unique, rules naming real fields."""
    names: set[str] = set()
    for p, page in enumerate(template.pages):
        for f, field in enumerate(page.fields):
            where = f"pages[{p}].fields[{f}]"
            if field.name in names:
                raise TemplateError(path, where + ".name", f"field {field.name!r} is defined twice")
            names.add(field.name)
            for box in field.boxes():
                _check_box(path, template, where, box)
        for i, item in enumerate(page.prefilled):
            _check_box(path, template, f"pages[{p}].prefilled[{i}]", item.box)
    for r, rule in enumerate(template.rules):
        named = rule.fields if rule.rule == "exactly_one" else (rule.when.field, *rule.then)
        if rule.rule == "required_if" and rule.when.field not in names:
            raise TemplateError(path, f"rules[{r}].when", f"names field {rule.when.field!r}, "
                                                          "which the template does not have")
        for name in named:
            if name not in names:
                raise TemplateError(path, f"rules[{r}]", f"names field {name!r}, which the template does not have")
    for a, attachment in enumerate(template.attachments):
        if attachment.required_when and attachment.required_when.field not in names:
            raise TemplateError(path, f"attachments[{a}].required_when",
                                f"names field {attachment.required_when.field!r}, which the template does not have")
    needs_reply = any(item.binding.startswith("return_") for page in template.pages for item in page.prefilled)
    if needs_reply and template.reply_to is None:
        raise TemplateError(path, "reply_to", "the template prints the return address but declares no reply_to")
    if template.window:
        window = windows().get(template.window)
        if window is None:
            raise TemplateError(path, "window", f"no envelope named {template.window!r}")
        for i, item in enumerate(template.pages[0].prefilled):
            if item.binding in WINDOW_BINDINGS and not _inside(item.box, window.window, window.margin):
                raise TemplateError(path, f"pages[0].prefilled[{i}]",
                                    f"the {item.binding} {list(item.box)} does not sit inside the {window.name} "
                                    f"window {list(window.window)} with {window.margin} mm to spare")


@lru_cache(maxsize=1)
def windows() -> dict[str, Window]:
    return {w.name: w for w in (load_window(p) for p in sorted((ROOT / "envelopes").glob("*.yaml")))}


@lru_cache(maxsize=4)
def default_templates(root: Path = ROOT) -> dict[str, Template]:
    """The shipped set, by name: from the disk cache, or loaded (and then kept there). A broken
    file fails loudly here, naming itself."""
    paths = sorted([*root.glob("forms/*.yaml"), *root.glob("letters/*.yaml")])
    kept = cache_root() / "templates" / f"{_digest(paths)}.pickle"
    try:
        with kept.open("rb") as handle:
            if _ours(handle.fileno()):
                found = pickle.load(handle)
                if isinstance(found, dict) and all(isinstance(template, Template) for template in found.values()):
                    return found
    except Exception:  # noqa: BLE001 — not kept yet, or unreadable (cut short, another version): load it
        pass
    found = _load_all(paths)
    keep(kept, lambda handle: pickle.dump(found, handle, protocol=pickle.HIGHEST_PROTOCOL))
    return found


def _ours(descriptor: int) -> bool:
    """Whether a kept file is this user's own and no one else may write it: a pickle runs code as
    it loads, so one that another account could have put there is loaded from the files instead."""
    status = os.fstat(descriptor)
    return status.st_uid == os.geteuid() and not status.st_mode & 0o022


def _load_all(paths: list[Path]) -> dict[str, Template]:
    found = {}
    for path in paths:
        template = load_template(path)
        if template.name in found:
            raise TemplateError(path, "name", f"template {template.name!r} is defined twice")
        found[template.name] = template
    return found


def _digest(paths: list[Path]) -> str:
    """Names a loaded set: the layout files (the envelopes' too: a form is checked against its
    window), the code that validates them, and the versions that pickle it."""
    sources = [*paths, *sorted((ROOT / "envelopes").glob("*.yaml")), Path(__file__), Path(schema.__file__)]
    digest = hashlib.sha256(f"{sys.version}\n{installed('pydantic', 'pydantic_core')}\n".encode())
    for path in sources:
        digest.update(f"{path.parent.name}/{path.name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def get_template(name: str) -> Template:
    try:
        return default_templates()[name]
    except KeyError:
        raise KeyError(f"no template named {name!r}; known: {', '.join(sorted(default_templates()))}") from None
