"""One knob for every property-based test: IAM_CONSTRUCTS_FUZZ_EXAMPLES=N raises each test's example
count to at least N (scripts/fuzz_campaign.py uses it for long runs); by default each test keeps the
small count that keeps `make test` practical."""

from __future__ import annotations

import os

FUZZ_EXAMPLES = int(os.environ.get("IAM_CONSTRUCTS_FUZZ_EXAMPLES") or 0)


def examples(default: int) -> int:
    """The example count for a property: its default, or the campaign's count when larger."""
    return max(default, FUZZ_EXAMPLES)
