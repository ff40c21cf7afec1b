"""One knob for every property-based test: IAM_CONSTRUCTS_FUZZ_EXAMPLES=N raises each test's example
count to at least N (scripts/fuzz_campaign.py uses it for long runs); by default each test keeps the
small count that keeps `make test` practical. Also what more than one property shares: the values
that are no event, which neither handler may answer nor act on."""

from __future__ import annotations

import os

from hypothesis import strategies as st

FUZZ_EXAMPLES = int(os.environ.get("IAM_CONSTRUCTS_FUZZ_EXAMPLES") or 0)


def examples(default: int) -> int:
    """The example count for a property: its default, or the campaign's count when larger."""
    return max(default, FUZZ_EXAMPLES)


# -- handlers: what is not an event -----------------------------------------------------------------
NOT_EVENTS = st.one_of(st.none(), st.integers(), st.text(max_size=50), st.lists(st.text(max_size=5), max_size=3),
                       st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=4))
"""What a handler may be invoked with that is no custom-resource event: nothing, a number, text, a
list, a mapping of text."""


def assert_neither_answered_nor_acted_on(handler, thing, context, response_server, recorded: list) -> None:
    """``handler(thing, context)`` sends CloudFormation no answer and makes no call (``recorded``: the
    calls the recording clients saw)."""
    attempts = response_server.attempts
    recorded.clear()
    handler(thing, context)
    assert response_server.attempts == attempts and recorded == []
