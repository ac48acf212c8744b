"""Which addresses typed by users may become links: web addresses (http and https) only.

A `javascript:`, `data:` or `vbscript:` URL in an `href` runs script in Estran's origin when it is
clicked, so the metadata refuses them at validation, and every page filters again at render (`safe_href`
in `core.templatetags.safe_links`, `webHref` in the scripts): a document stored before the check, or
a draft (drafts keep whatever was typed), never becomes a link to anything but the web.
"""

from __future__ import annotations

import re

# Browsers ignore tabs and newlines anywhere in a URL (`java\tscript:` runs script): no whitespace
# at all, and http(s) the very first thing.
WEB_URL_RE = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


def is_web_url(value: object) -> bool:
    return isinstance(value, str) and WEB_URL_RE.fullmatch(value) is not None


def safe_href(value: object) -> str:
    """The value when it is a web address, else "" (no link)."""
    return value if is_web_url(value) else ""
