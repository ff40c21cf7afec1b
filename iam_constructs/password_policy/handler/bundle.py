"""The password-policy handler as inline Lambda code: diff.py, external.py, response.py and index.py
joined into one module (``_handler_source``). The tests run this source, not only the modules."""

import functools
from pathlib import Path

from ..._handler_source import handler_source

PARTS = ("diff.py", "external.py", "response.py", "index.py")
ENTRY_POINT = "handler"


@functools.cache
def inline_source() -> str:
    """The password-policy handler as inline code."""
    return handler_source(Path(__file__).parent, PARTS)
