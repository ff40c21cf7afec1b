"""What IamGroup and IamUser share as IAM principals (aws_iam.IPrincipal's members)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam


class PrincipalMembers:
    """Mixed into a ``cdk.Resource`` that sets ``_stack`` and defines ``_principal_arn`` and
    ``add_to_principal_policy``."""

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
