"""The inline Lambda source, built from plan.py, external.py, the password-policy handler's response.py
(the response both handlers send) and index.py by the password-policy handler's minifier (docstrings and comments go, names shrink; see that module). The tests run the
output, not only the readable modules."""

import functools
from pathlib import Path

from ...password_policy.handler.bundle import ENTRY_POINT, minify, readable_names

_PARTS = ("plan.py", "external.py", str(Path(__file__).parents[2] / "password_policy" / "handler" / "response.py"),
          "index.py")


@functools.cache
def inline_source() -> str:
    return minify(Path(__file__).parent, _PARTS)


def names() -> dict[str, str]:
    """Short name -> original name in the inline code, for reading the function's tracebacks."""
    return readable_names(Path(__file__).parent, _PARTS)


__all__ = ["ENTRY_POINT", "inline_source", "names"]
