"""Reading returned forms back: which page a scan is, and which of its fields the resident filled.

OpenCV keeps a decoder limit of its own (`OPENCV_IO_MAX_IMAGE_PIXELS`, 2**30 pixels by default),
read once, when OpenCV loads. It is set here, lower, because every module of the mailroom that
uses OpenCV belongs to this package and so loads it after this line: a backstop behind
`images.ScanLimits`, which refuses large pages from their headers before any decoder runs.
A value set in the environment is left as it is.
"""

import os

OPENCV_MAX_PIXELS = 2**27  # 134 million pixels: above any page that `ScanLimits` lets through by default
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(OPENCV_MAX_PIXELS))
