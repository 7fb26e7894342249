"""The template's own printing, as the scan check sees it.

Ink is measured only where the blank form has nothing printed: a box's frame, a comb's cell
dividers and a guide text such as 令和　年　月　日 are the template's, not the resident's. Rather
than re-describe those shapes, the check renders the template's static layer with the same code
the print room uses and rasterises it, so the two can never disagree.
"""

from __future__ import annotations

import io
from functools import lru_cache

import cv2
import numpy

from mailroom.printing.render import TemplateRenderer, new_canvas
from templates.loader import default_templates
from templates.schema import Template

PX_PER_MM = 8  # the check's working resolution (≈ 203 dpi): fine enough for a pencil stroke
PRINTED_BELOW = 215  # a reference pixel darker than this is the template's own ink


@lru_cache(maxsize=64)
def reference_page(template_key: str, page_number: int) -> numpy.ndarray:
    """The blank page (static layer only) as greyscale at `PX_PER_MM`."""
    import pypdfium2

    template = template_by_key(template_key)
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
