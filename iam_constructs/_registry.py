"""Per-app registry of IAM names, so duplicates (case-insensitive) are caught at construction."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

_ATTR = "_iam_constructs_names"


def claim(stack: cdk.Stack, kind: str, name: str, owner_path: str) -> str | None:
    """Records ``name`` for ``kind`` in the stack's account; returns the path that already holds
    it (case-insensitively), or None. Names in different accounts do not clash."""
    root: Construct = stack.node.root
    names: dict = root.__dict__.setdefault(_ATTR, {})
    key = (stack.account, kind, name.lower())
    holder = names.get(key)
    if holder is None:
        names[key] = owner_path
    return holder


_POLICY_ATTR = "_iam_constructs_password_policy"


def declare_password_policy(stack: cdk.Stack, policy, owner_path: str) -> str | None:
    """Records the account's password policy; returns the path of one already declared for the same
    account, or None."""
    declared: dict = stack.node.root.__dict__.setdefault(_POLICY_ATTR, {})
    holder = declared.get(stack.account)
    if holder is None:
        declared[stack.account] = (owner_path, policy)
        return None
    return holder[0]


def declared_password_policy(stack: cdk.Stack):
    """The password policy declared for the stack's account in this app, or None."""
    holder = stack.node.root.__dict__.get(_POLICY_ATTR, {}).get(stack.account)
    return holder[1] if holder else None


_LENGTHS_ATTR = "_iam_constructs_password_lengths"


def record_console_password_length(stack: cdk.Stack, owner_path: str, length: int) -> None:
    """Remembers the length of a password generated for a user, for the password-policy check."""
    stack.node.root.__dict__.setdefault(_LENGTHS_ATTR, {}).setdefault(stack.account, []).append((owner_path, length))


def console_password_lengths(stack: cdk.Stack) -> list:
    return list(stack.node.root.__dict__.get(_LENGTHS_ATTR, {}).get(stack.account, []))
