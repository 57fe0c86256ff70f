"""Checks for a page's branding: accent colour contrast, custom CSS, uploaded images.

Framework-free: each function returns the cleaned value or raises ``BrandError``
whose ``code`` (and ``params``) the caller turns into a sentence in the reader's
language; ``str()`` of it is an English one, for logs and tests.
"""

from __future__ import annotations

import re

ACCENT = re.compile(r"^#[0-9a-fA-F]{6}$")
# Links and the Subscribe button's border use the accent on the light background.
LIGHT_BACKGROUND = "#ffffff"
MIN_CONTRAST = 4.5  # WCAG AA for text
MAX_CSS_CHARS = 20_000
MAX_IMAGE_BYTES = 512 * 1024

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class BrandError(ValueError):
    def __init__(self, code: str, message: str, **params) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def clean_accent(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if not ACCENT.match(value):
        raise BrandError("accent_format", "Give the colour as #rrggbb, e.g. #0b57d0.")
    ratio = contrast(value.lower(), LIGHT_BACKGROUND)
    if ratio < MIN_CONTRAST:
        raise BrandError(
            "accent_contrast",
            f"This colour has a contrast of {ratio:.1f}:1 on the page's white background; "
            f"links need at least {MIN_CONTRAST}:1. Choose a darker one.",
            ratio=round(ratio, 1),
        )
    return value.lower()


def clean_css(css: str) -> str:
    """Custom CSS that loads nothing from elsewhere: no ``@import``, no ``url()`` (or any
    address) naming another host, no escapes that could spell one. Comments are dropped."""
    css = (css or "").replace("\r\n", "\n")
    if len(css) > MAX_CSS_CHARS:
        raise BrandError("css_long", f"Keep the CSS under {MAX_CSS_CHARS} characters.")
    css = _COMMENT.sub("", css)
    lowered = css.lower()
    if "\\" in css:
        raise BrandError("css_escape", "Backslash escapes are not allowed in custom CSS.")
    if "@import" in lowered:
        raise BrandError("css_import", "@import is not allowed in custom CSS.")
    if "<" in css:
        raise BrandError("css_angle", "Custom CSS cannot contain '<'.")
    for match in _URL.finditer(css):
        target = match.group(2).strip()
        if target.startswith("//") or (
            _SCHEME.match(target) and not target.lower().startswith("data:image/")
        ):
            raise BrandError("css_remote", f"url({target}) names another host.")
    if "//" in css or "expression(" in lowered or "javascript:" in lowered:
        raise BrandError("css_remote", "Custom CSS cannot name another host.")
    return css.strip()


IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"\x00\x00\x01\x00": ("ico", "image/x-icon"),
}


def image_kind(data: bytes) -> tuple[str, str]:
    """(extension, content type) of an uploaded logo or favicon. SVG is refused: it can
    carry script."""
    if len(data) > MAX_IMAGE_BYTES:
        raise BrandError("image_big", f"Keep the image under {MAX_IMAGE_BYTES // 1024} KB.")
    for magic, kind in IMAGE_TYPES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp", "image/webp"
    raise BrandError("image_kind", "Upload a PNG, JPEG, WebP or ICO image.")
