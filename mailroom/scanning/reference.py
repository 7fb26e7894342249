"""The template's own printing, as the scan check sees it.

Ink is measured only where the blank form has nothing printed: a box's frame, a comb's cell
dividers and a guide text such as 令和　年　月　日 are the template's, not the resident's. Rather
than re-describe those shapes, the check renders the template's static layer with the same code
the print room uses and rasterises it, so the two can never disagree.

Rendering costs a process its first page: loading reportlab and the CJK fonts, drawing, and
rasterising (about half a second, in every worker process of `mailroom check`). So each rendered
page is also kept on disk (`reference_cache_dir()`), named by a digest of everything that draws
it: the template itself, the renderer's source, the fonts and the libraries' installed files. A
change to any of them names a new file; nothing has to be cleared by hand.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
from functools import lru_cache
from pathlib import Path

import cv2
import numpy

from secretariat.core.cache import cache_root, installed, keep
from templates.loader import default_templates
from templates.schema import Template

PX_PER_MM = 8  # the check's working resolution (≈ 203 dpi): fine enough for a pencil stroke
PRINTED_BELOW = 215  # a reference pixel darker than this is the template's own ink


@lru_cache(maxsize=64)
def reference_page(template_key: str, page_number: int) -> numpy.ndarray:
    """The blank page (static layer only) as greyscale at `PX_PER_MM`: from the disk cache, or
    rendered (and then kept there)."""
    template = template_by_key(template_key)
    cached = reference_cache_dir() / f"{_digest(template, page_number)}.npy"
    try:
        return numpy.load(cached, allow_pickle=False)
    except (OSError, ValueError):
        pass  # not rendered yet, or unreadable: render it
    image = render_reference(template, page_number)
    keep(cached, lambda handle: numpy.save(handle, image, allow_pickle=False))
    return image


def render_reference(template: Template, page_number: int) -> numpy.ndarray:
    """Draw the page's static layer with the print room's renderer and rasterise it."""
    import pypdfium2

    from mailroom.printing.render import TemplateRenderer, new_canvas

    buffer = io.BytesIO()
    canvas = new_canvas(buffer, template, f"{template.title} (reference)")
    renderer = TemplateRenderer(template, canvas)
    canvas.doForm(renderer._static_form(template.pages[page_number - 1]))
    canvas.showPage()
    canvas.save()
    document = pypdfium2.PdfDocument(buffer.getvalue())
    try:
        image = document[0].render(scale=PX_PER_MM * 25.4 / 72, grayscale=True).to_numpy()
    finally:
        document.close()
    return numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image)


def reference_cache_dir() -> Path:
    """`reference` in the machine's cache folder (`cache_root()`): safe to delete."""
    return cache_root() / "reference"


def _digest(template: Template, page_number: int) -> str:
    """Names the rendering: the template's content, the page, the resolution, and the code, fonts
    and library versions that draw it."""
    from mailroom.printing.fonts import font_file

    font = font_file()
    # the template's repr holds every field, defaults included, and needs none of pydantic's
    # serialisers, which a check that found its templates in the loader's cache never builds
    parts = [repr(template), str(page_number), str(PX_PER_MM), _renderer_fingerprint(),
             f"{font}:{font.stat().st_size}:{font.stat().st_mtime_ns}"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def _renderer_fingerprint() -> str:
    render_source = importlib.util.find_spec("mailroom.printing.render").origin  # without importing reportlab
    sources = [Path(__file__), Path(render_source)]
    return hashlib.sha256(b"".join(path.read_bytes() for path in sources)
                          + installed("reportlab", "pypdfium2").encode()).hexdigest()


@lru_cache(maxsize=64)
def printed_mask(template_key: str, page_number: int) -> numpy.ndarray:
    """Where the template prints, widened by two pixels (0.25 mm) so that a scan's slightly fatter lines stay inside."""
    printed = (reference_page(template_key, page_number) < PRINTED_BELOW).astype(numpy.uint8)
    return cv2.dilate(printed, numpy.ones((5, 5), numpy.uint8))


def template_by_key(key: str) -> Template:
    """A template by `name@version`, as a page code names it."""
    name, _, version = key.partition("@")
    template = default_templates().get(name)
    if template is None or str(template.version) != version:
        raise KeyError(key)
    return template
