"""Token helpers that stay in Python (no jsii round trip per value)."""

from __future__ import annotations

import functools
from typing import Any

import aws_cdk as cdk

# CDK renders unresolved strings as "${Token[...]}" and lists as "#{Token[...]}".
_STRING_MARKERS = ("${Token[", "#{Token[")
# CDK encodes number tokens as doubles around -1.888e+289.
_NUMBER_TOKEN_BELOW = -1e288


def is_unresolved(value: Any) -> bool:
    """True when ``value`` is (or contains) a CDK token that only resolves at synth/deploy time."""
    if isinstance(value, str):
        return any(marker in value for marker in _STRING_MARKERS)
    if isinstance(value, float):
        return value < _NUMBER_TOKEN_BELOW
    if isinstance(value, (list, tuple)):
        return any(is_unresolved(v) for v in value)
    return False


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
