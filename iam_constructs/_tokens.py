"""Token recognition: the CDK's own answer (``cdk.Token.is_unresolved``), asked only where it can
be yes.

A jsii call costs ~80 microseconds (measured: 0.39 s for 5,000 user names), and validation asks
about every value of every user, so plain values are settled in Python first, exactly:
- a string can hold a token only if it contains ``${Token[`` (string tokens) or ``#{Token[`` (an
  element of a list token): only those are asked;
- a number token is a finite double far below -1e288 (the CDK encodes them around -1.89e289): only
  those are asked. -inf, nan and other huge floats are no tokens (and passing a non-finite float to
  jsii kills its kernel: it cannot encode one);
- ints, booleans, None and dicts are never tokens; a list is unresolved when an element is;
- any other object (an ``IResolvable`` such as ``cdk.Lazy`` or ``SecretValue``) is asked.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import aws_cdk as cdk

_STRING_MARKER = "${Token["
_LIST_MARKER = "#{Token["
_NUMBER_TOKEN_BELOW = -1e288


def is_unresolved(value: Any) -> bool:
    """True when ``value`` is (or contains) a CDK token that only resolves at synth or deploy time."""
    if isinstance(value, str):
        if _STRING_MARKER in value:
            return cdk.Token.is_unresolved(value)
        # a list token's element is recognised inside a list
        return _LIST_MARKER in value and cdk.Token.is_unresolved([value])
    if isinstance(value, float):
        return math.isfinite(value) and value < _NUMBER_TOKEN_BELOW and cdk.Token.is_unresolved(value)
    if isinstance(value, (list, tuple)):
        return any(is_unresolved(v) for v in value)
    if value is None or isinstance(value, (int, dict)):  # bool is an int
        return False
    return hasattr(value, "__jsii_ref__") and cdk.Token.is_unresolved(value)


@functools.cache
def partition() -> str:
    """``${AWS::Partition}`` as a token string, fetched once per process."""
    return cdk.Aws.PARTITION


@functools.cache
def account_id() -> str:
    """``${AWS::AccountId}`` as a token string, fetched once per process."""
    return cdk.Aws.ACCOUNT_ID


def resolved_length_estimate(text: str) -> int | None:
    """Length of ``text`` once deployed, with the pseudo parameters at their longest.

    Returns None when ``text`` holds any other token, whose length cannot be known.
    """
    text = text.replace(partition(), "aws-iso-b").replace(account_id(), "0" * 12)
    return None if is_unresolved(text) else len(text)
