"""A readable device name ("Chrome on Windows") from a User-Agent header; no dependency needed."""

from __future__ import annotations

import re

# Order matters: Edge and Opera announce Chrome too, Chrome announces Safari.
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(OPR|Opera)/")),
    ("Yandex Browser", re.compile(r"\bYaBrowser/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(Chrome|CriOS|Chromium)/")),
    ("Safari", re.compile(r"\bSafari/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def _first(table, text: str) -> str | None:
    return next((name for name, pattern in table if pattern.search(text)), None)


def device_name(user_agent: str | None) -> str:
    """ "Browser on System", either part alone, or the header's first word; "" when empty."""
    text = (user_agent or "").strip()
    if not text:
        return ""
    browser, system = _first(_BROWSERS, text), _first(_SYSTEMS, text)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system or ""
    return text.split()[0][:60]
