"""Account-wide facts of one app (IAM names claimed, the declared password policy, generated
password lengths, users with a parameter password), kept by one hidden construct under the app's root, one
registry per account.

Nothing is memoised in the CDK's objects (jsii proxies): benchmarks/proxy_caches.py measured what
memos of ``node.path``, ``Stack.of`` and the registry in their ``__dict__`` saved, and it was
within the noise, though they halved the round trips: 600 users, one IamUser each, CPU 24.3 s with
them and 24.8 s without (+1.7 %); the roster app (IamUsers), 14.2 s and 13.9 s."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import aws_cdk as cdk
from constructs import Construct, IConstruct

_REGISTRY_ID = "IamConstructsAccountRegistry"


@dataclass
class _AccountRegistry:
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    claimed: dict[str, int] = field(default_factory=dict)  # names claimed, by kind
    password_policy: tuple[str, Any] | None = None
    password_lengths: list[tuple[str, int]] = field(default_factory=list)
    # Paths of the users whose initial password is a NoEcho parameter, by stack path.
    parameter_users: dict[str, list[str]] = field(default_factory=dict)


class _AppRegistry(Construct):
    """The app's account registries, by account (a token for an environment-agnostic stack). It
    holds no resources: synthesis emits nothing for it."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.accounts: dict[str, _AccountRegistry] = {}


def path_of(scope: IConstruct) -> str:
    """``scope.node.path``."""
    return scope.node.path


def child_path(scope: IConstruct, id: str) -> str:
    """The path the construct ``id`` in ``scope`` gets, before it is made (the CDK writes a '/' in
    an id as '--'): where its problems are reported."""
    parent = scope.node.path
    child = id.replace("/", "--")
    return f"{parent}/{child}" if parent else child


def stack_of(scope: IConstruct) -> cdk.Stack:
    """The stack ``scope`` is in (``scope`` itself for a stack)."""
    return scope if isinstance(scope, cdk.Stack) else cdk.Stack.of(scope)


def _registry(stack: cdk.Stack) -> _AccountRegistry:
    """The registry of the stack's account in its app (made on first use)."""
    root = stack.node.root
    app = root.node.try_find_child(_REGISTRY_ID)
    if not isinstance(app, _AppRegistry):
        app = _AppRegistry(cast(Construct, root), _REGISTRY_ID)
    return app.accounts.setdefault(stack.account, _AccountRegistry())


def stack_singleton(cls, scope: Construct, child_id: str):
    """The one ``cls`` named ``child_id`` in ``scope``'s stack, made with its defaults on first use."""
    stack = stack_of(scope)
    existing = stack.node.try_find_child(child_id)
    return existing if existing is not None else cls(stack, child_id)


def claim(stack: cdk.Stack, kind: str, name: str, owner_path: str) -> str | None:
    """Records ``name`` for ``kind`` in the stack's account; returns the path that already holds
    it (case-insensitively), or None. Names in different accounts do not clash."""
    clashes = claim_all(stack, kind, [(name, owner_path)])
    return clashes[0][2] if clashes else None


def claim_all(stack: cdk.Stack, kind: str, entries) -> list[tuple[str, str, str]]:
    """Claims (name, owner path) pairs all at once: returns every (owner, name, holder) clash,
    including clashes within ``entries``, and records nothing when there is one."""
    registry = _registry(stack)
    names = registry.names
    clashes: list[tuple[str, str, str]] = []
    batch: dict[tuple[str, str], str] = {}
    for name, owner in entries:
        key = (kind, name.lower())
        holder = names.get(key) or batch.get(key)
        if holder is not None:
            clashes.append((owner, name, holder))
        else:
            batch[key] = owner
    if not clashes:
        names.update(batch)
        registry.claimed[kind] = registry.claimed.get(kind, 0) + len(batch)
    return clashes


def holder_of(stack: cdk.Stack, kind: str, name: str) -> str | None:
    """The path that holds ``name`` for ``kind`` in the stack's account (case-insensitively), or None;
    claims nothing."""
    return _registry(stack).names.get((kind, name.lower()))


def claimed_count(stack: cdk.Stack, kind: str) -> int:
    """How many names of ``kind`` are claimed in the stack's account in this app."""
    return _registry(stack).claimed.get(kind, 0)


def declare_password_policy(stack: cdk.Stack, policy, owner_path: str) -> str | None:
    """Records the account's password policy; returns the path of one already declared for the same
    account, or None."""
    registry = _registry(stack)
    if registry.password_policy is None:
        registry.password_policy = (owner_path, policy)
        return None
    return registry.password_policy[0]


def declared_password_policy(stack: cdk.Stack):
    """The password policy declared for the stack's account in this app, or None."""
    holder = _registry(stack).password_policy
    return holder[1] if holder else None


def record_console_password_length(stack: cdk.Stack, owner_path: str, length: int) -> None:
    """Remembers the length of a password generated for a user, for the password-policy check."""
    _registry(stack).password_lengths.append((owner_path, length))


def console_password_lengths(stack: cdk.Stack) -> list:
    return list(_registry(stack).password_lengths)


def record_parameter_user(stack: cdk.Stack, owner_path: str) -> bool:
    """Remembers a user whose initial password is a stack parameter; True for the first in its stack."""
    users = _registry(stack).parameter_users.setdefault(path_of(stack), [])
    users.append(owner_path)
    return len(users) == 1


def parameter_users(stack: cdk.Stack) -> list[str]:
    return list(_registry(stack).parameter_users.get(path_of(stack), ()))
