"""QR codes drawn as inline SVG: sharp at any print size, no image file to serve, and
allowed by the Content Security Policy (no inline style)."""

import re
from functools import lru_cache

import qrcode
from django.utils.html import format_html
from django.utils.safestring import SafeString
from qrcode.image.svg import SvgPathImage

_VIEW_BOX = re.compile(r'viewBox="([\d. ]+)"')
_PATH = re.compile(r' d="([MHVz\d.,]+)"')


@lru_cache(maxsize=16)  # a handful of addresses at most: the sign-up page's, per SITE_URL
def qr_svg(address: str, *, label: str) -> SafeString:
    """The address as a QR code: black squares on white, four modules of margin
    around them (the quiet zone scanners need), sized by CSS (class "app-qr")."""
    drawn = qrcode.make(address, image_factory=SvgPathImage).to_string(encoding="unicode")
    view_box, path = _VIEW_BOX.search(drawn), _PATH.search(drawn)
    if view_box is None or path is None:
        raise ValueError("qrcode drew an SVG without a viewBox or path")
    size = view_box.group(1).split()[-1]
    return format_html(
        '<svg class="app-qr" xmlns="http://www.w3.org/2000/svg" viewBox="{}" role="img" '
        'aria-label="{}" focusable="false"><rect width="{}" height="{}" fill="#fff"/>'
        '<path d="{}" fill="#000" shape-rendering="crispEdges"/></svg>',
        view_box.group(1),
        label,
        size,
        size,
        path.group(1),
    )
