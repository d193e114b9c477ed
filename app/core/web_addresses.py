"""One rule for the web addresses people type (websites, repositories, demos, profiles)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

WEB_ADDRESS_MAX = 500
# A host name with at least one dot and a real top-level label (IDN letters allowed).
_HOST = re.compile(r"^(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]*[a-z0-9\u00a1-\uffff])?\.)+"
                   r"[a-z\u00a1-\uffff]{2,}$", re.IGNORECASE)


def web_address(text: str, *, assume_https: bool = True) -> str | None:
    """`text` as an http(s) address, or None when it is not one. Never raises.

    With `assume_https`, "example.org/x" becomes "https://example.org/x" (people leave the scheme
    out). Refused: other schemes (javascript:, data:), hosts without a dot, brackets or other
    characters urlsplit chokes on ("http://[x]/" raises ValueError there), user names and
    passwords in the address, bad ports, whitespace, and more than WEB_ADDRESS_MAX characters.
    """
    text = (text or "").strip()
    if not text or len(text) > WEB_ADDRESS_MAX or any(char.isspace() or ord(char) < 32 for char in text):
        return None
    if "://" not in text:
        if not assume_https:
            return None
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    if not _HOST.match(parts.hostname or ""):
        return None
    return text
