"""The inline Lambda source, built from plan.py, external.py and index.py by the password-policy
handler's minifier (docstrings and comments go, names shrink; see that module).

That minifier reads its parts list (``_PARTS``) and its folder (``__file__``) from its module's
globals when it runs, and takes no arguments; here the same function runs with this package's
parts and folder in those two globals. The tests run the output, not only the readable modules.
"""

import functools
import types
from pathlib import Path

from ...password_policy.handler import bundle as _minifier

_PARTS = ("plan.py", "external.py", "index.py")
ENTRY_POINT = _minifier.ENTRY_POINT


@functools.cache
def inline_source() -> str:
    build = _minifier.inline_source.__wrapped__
    scope = dict(vars(_minifier), _PARTS=_PARTS, __file__=str(Path(__file__)))
    return types.FunctionType(build.__code__, scope, build.__name__)()
