"""What IamGroup and IamUser share as IAM principals (aws_iam.IPrincipal's members)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_iam as iam

if TYPE_CHECKING:
    import aws_cdk as cdk


class PrincipalMembers:
    """Mixed into a ``cdk.Resource`` that sets ``_stack`` and defines ``_principal_arn`` and
    ``add_to_principal_policy``."""

    if TYPE_CHECKING:  # what the class it is mixed into provides (declared for the checker only)
        _stack: cdk.Stack

        @property
        def _principal_arn(self) -> str: ...

        def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult: ...

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self

    @property
    def assume_role_action(self) -> str:
        return "sts:AssumeRole"

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return iam.ArnPrincipal(self._principal_arn).policy_fragment

    @property
    def principal_account(self) -> str | None:
        return self._stack.account

    def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
        return self.add_to_principal_policy(statement).statement_added
