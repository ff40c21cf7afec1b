"""The user-cleanup handler as inline Lambda code: plan.py, external.py, the password-policy
handler's response.py (the response both handlers send) and index.py joined into one module
(``_handler_source``). The tests run this source, not only the modules."""

import functools
from pathlib import Path

from ..._handler_source import handler_source
from ...password_policy.handler.bundle import ENTRY_POINT

PARTS = ("plan.py", "external.py", str(Path(__file__).parents[2] / "password_policy" / "handler" / "response.py"),
         "index.py")


@functools.cache
def inline_source() -> str:
    """The user-cleanup handler as inline code."""
    return handler_source(Path(__file__).parent, PARTS)


__all__ = ["ENTRY_POINT", "PARTS", "inline_source"]
