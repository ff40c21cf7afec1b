"""Roster to stacks: one account stack (password policy, key, MFA policies, groups) and
``account.user_stacks`` user stacks, each user in the stack its name hashes to."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, TextIO

import aws_cdk as cdk
from constructs import Construct

from ..credentials import CredentialsKey
from ..group import IamGroup
from ..password_policy.construct import AccountPasswordPolicy
from ..password_policy.spec import PasswordPolicy
from ..user import IamUsers
from .schema import Roster, user_props

def credentials_key_alias(stack_prefix: str) -> str:
    """The key's alias: one per roster (per stack prefix), so two rosters can share an account."""
    return f"iam-constructs/{stack_prefix}/credentials"


@dataclass
class RosterStacks:
    account: cdk.Stack
    users: list[cdk.Stack]

    @property
    def in_deployment_order(self) -> list[cdk.Stack]:
        return [self.account, *self.users]


class Progress:
    """One status line on a terminal (stderr); silent when stderr is not a terminal."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()

    def update(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\033[K{text}")
            self.stream.flush()

    def done(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\033[K{text}\n")
            self.stream.flush()


StackFactory = Callable[[Construct, str, str], cdk.Stack]


def default_stack(scope: Construct, name: str, description: str) -> cdk.Stack:
    """A stack that deploys with CLI credentials (no CDK bootstrap) and carries no CDK metadata."""
    return cdk.Stack(scope, name, synthesizer=cdk.CliCredentialsStackSynthesizer(), analytics_reporting=False,
                     description=description)


def build(scope: Construct, roster: Roster, *, stack_factory: StackFactory = default_stack,
          progress: Progress | None = None) -> RosterStacks:
    progress = progress or Progress()
    prefix = roster.stack_prefix
    account = stack_factory(scope, f"{prefix}Account",
                            f"IAM password policy, groups and policies from {roster.path} (iam-constructs)")
    policy = roster.password_policy or PasswordPolicy()
    if roster.password_policy is not None:
        AccountPasswordPolicy(account, "PasswordPolicy", policy=roster.password_policy,
                              on_delete=roster.password_policy_on_delete)
    key = None
    if roster.credentials_key:
        # User stacks name the key by alias (CredentialsKey.key_id_for): no cross-stack export ties
        # them to the account stack. Their declared readers land in its key policy.
        key = CredentialsKey(account, "CredentialsKey", alias=credentials_key_alias(prefix),
                             administrators=roster.credential_administrators)
    if roster.access_analyzer:
        # IAM Access Analyzer for the account: validate permissions regularly.
        cdk.CfnResource(account, "AccessAnalyzer", type="AWS::AccessAnalyzer::Analyzer",
                        properties={"Type": "ACCOUNT", "AnalyzerName": f"{prefix}-iam-constructs"})
    mfa = roster.mfa_groups()
    groups = {}
    for g in roster.groups:
        groups[g.name.lower()] = IamGroup(
            account, g.name, group_name=g.name, path=g.path, managed_policies=g.managed_policies,
            statements=g.statements, enforce_mfa=g.name.lower() in mfa, acknowledgements=g.acknowledge)

    user_stacks = [stack_factory(scope, roster.user_stack_name(i),
                                 f"IAM users {i + 1} of {roster.user_stacks} from {roster.path} (iam-constructs)")
                   for i in range(roster.user_stacks)]
    for stack in user_stacks:
        # Groups, the password policy and the key alias live in the account stack.
        stack.add_stack_dependency(account, "user stacks deploy after the account stack")
    per_stack: list[list] = [[] for _ in user_stacks]
    total = len(roster.users)
    for n, u in enumerate(roster.users, 1):
        props = user_props(
            name=u.name, path=u.path, groups=[groups[g.lower()] for g in u.groups], tags=u.tags, expires=u.expires,
            disabled=u.disabled, disabled_since=u.disabled_since, console=u.console,
            password_reset_required=u.password_reset_required, password_readers=u.password_readers,
            access_keys=u.access_keys, console_and_keys_reason=u.console_and_keys_reason,
            permissions_boundary=u.permissions_boundary, acknowledge=u.acknowledge,
            cleanup_on_delete=u.cleanup_on_delete, required_tags=roster.required_tags, password_policy=policy,
            user_cleanup=roster.user_cleanup, credentials_key=key)
        per_stack[roster.stack_of(u.name)].append(props)
        if n % 500 == 0 or n == total:
            progress.update(f"placed {n}/{total} users in {roster.user_stacks} user stacks")
    for n, (stack, users) in enumerate(zip(user_stacks, per_stack), 1):
        if users:
            IamUsers(stack, "Users", users=users)
        else:
            # A stack keeps existing when its last user leaves, so deploying it deletes that user.
            cdk.CfnWaitConditionHandle(stack, "EmptyStackPlaceholder")
        progress.update(f"built {n}/{len(user_stacks)} user stacks")
    return RosterStacks(account, user_stacks)


__all__ = ["credentials_key_alias", "Progress", "RosterStacks", "build", "default_stack"]
