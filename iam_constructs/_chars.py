"""Naming the first character a pattern refuses, so that a message shows what to remove."""

from __future__ import annotations

import unicodedata
from typing import Callable

from .errors import show

_KINDS = {"Cc": "a control character", "Cf": "an invisible format character", "Cs": "a lone surrogate",
          "Co": "a private-use character", "Cn": "an unassigned code point", "Z": "a space or separator",
          "M": "a combining mark", "P": "punctuation", "S": "a symbol", "L": "a non-ASCII letter",
          "N": "a non-ASCII digit"}


def first_refused(text: str, ok: Callable[[str], bool]) -> str:
    """The first character of ``text`` that ``ok`` refuses, shown unambiguously:
    ``'\\n' U+000A, a control character``; ``none`` when every character passes."""
    c = next((c for c in text if not ok(c)), None)
    if c is None:
        return "none"
    category = unicodedata.category(c)
    return f"{show(c)} U+{ord(c):04X}, {_KINDS.get(category, _KINDS.get(category[0], 'refused'))}"
