"""The `evaluator` fixture: the offline IAM policy evaluator (tests/policy/evaluator.py).

It needs Node.js >= 20 and the npm packages pinned in package.json (`npm ci`, which `make test`
runs). Without them these tests skip and say why; with IAM_CONSTRUCTS_REQUIRE_EVALUATOR=1 a missing
evaluator fails the run instead."""

import os

import pytest

from tests.policy import evaluator as _evaluator

REQUIRED = os.environ.get("IAM_CONSTRUCTS_REQUIRE_EVALUATOR") == "1"


def load_evaluator(required: bool = REQUIRED):
    """The evaluator module if it can run; otherwise skip, or fail when it is required."""
    try:
        _evaluator.check_available()
    except _evaluator.EvaluatorUnavailable as e:
        if required:
            pytest.fail(f"IAM_CONSTRUCTS_REQUIRE_EVALUATOR=1 but the evaluator is unavailable: {e}")
        pytest.skip(str(e))
    return _evaluator


@pytest.fixture(scope="session")
def evaluator():
    """The evaluator module, once Node and the pinned npm packages are known to be installed."""
    return load_evaluator()
