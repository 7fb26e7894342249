"""The Japanese font embedded in every PDF we print.

IPAexGothic, as the matplotlib-fontja package ships it: a TrueType file that reportlab can
embed (subsetted), so every printer and viewer shows the same glyphs with no system font.
The file is found without importing the package, which would import matplotlib.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

FONT = "IPAexGothic"


def font_file() -> Path:
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the Japanese font package is missing: pip install matplotlib-fontja")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"


@lru_cache(maxsize=1)
def register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(font_file())))
    return FONT
