"""AccountPasswordPolicy: the account password policy as a custom resource with inline code."""

from __future__ import annotations

from typing import Literal

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
import constructs
from constructs import Construct

from .. import _acknowledge as ack
from .._acknowledge import acknowledge
from .._inline_function import (HANDLER_TIMEOUT_SECONDS, PYTHON_RUNTIME, SERVICE_TIMEOUT_SECONDS,  # noqa: F401
                               inline_function)
from .._registry import child_path, console_password_lengths, declare_password_policy, stack_of
from ..errors import ProblemCollector, check_scope_and_id, show
from ..limits import LOG_RETENTION_DAYS
from .handler.bundle import inline_source
from .handler.diff import RESOURCE_TYPE
from .spec import PasswordPolicy

OnDelete = Literal["restore", "delete", "retain"]
_ON_DELETE = ("restore", "delete", "retain")


class AccountPasswordPolicy(Construct):
    """The account's IAM password policy (one per account; CloudFormation has no resource for it).

    A Lambda-backed custom resource whose code is inline in the template, so it deploys with the
    template alone (no bootstrap, no asset bucket): StackSets and ``aws cloudformation deploy`` work.
    The handler acts only on CloudFormation's own requests: an event invoked on the function by
    anyone else is refused before IAM is touched (see ``handler/index.py``), and its role may read
    only this stack's record of the resource (``cloudformation:DescribeStackResource``).

    :param policy: the policy. Default: ``PasswordPolicy()``, the CIS benchmark values.
    :param on_delete: when the resource is deleted, ``"restore"`` the policy that was there before
        it was created (or delete the policy if there was none), ``"delete"`` the policy, or
        ``"retain"`` it as it is. Default: ``"restore"``.
    :param log_retention_days: retention of the handler's log group, one of CloudWatch Logs'
        values (1, 3, 5, 7, 14, 30, 60, 90, ... 3653). Default: 365.
    """

    def __init__(self, scope: Construct, id: str, *, policy: PasswordPolicy | None = None,
                 on_delete: OnDelete = "restore",
                 log_retention_days: int = 365) -> None:
        check_scope_and_id(scope, id)
        where = child_path(scope, id)
        policy = PasswordPolicy() if policy is None else policy
        p = ProblemCollector(where)
        if not isinstance(policy, PasswordPolicy):
            p.add("policy", f"{show(policy)} must be a PasswordPolicy(...)")
        else:
            p.extend(policy.problems(where, "policy.").problems)
        if not isinstance(on_delete, str) or on_delete not in _ON_DELETE:
            p.add("on_delete", f"{show(on_delete)} must be one of {', '.join(_ON_DELETE)}")
        if type(log_retention_days) is not int or log_retention_days not in LOG_RETENTION_DAYS:
            p.add("log_retention_days", f"{show(log_retention_days)} is not a CloudWatch Logs retention; use one "
                                        f"of {', '.join(map(str, LOG_RETENTION_DAYS))}")
        stack = stack_of(scope)
        if not p:
            holder = declare_password_policy(stack, policy, where)
            if holder is not None:
                p.add("policy", f"a password policy for this account is already declared at {holder}; an "
                                "account has exactly one: keep one AccountPasswordPolicy")
        p.raise_if_any()

        super().__init__(scope, id)
        self.policy: PasswordPolicy = policy
        self.on_delete: str = on_delete

        self.log_group = logs.CfnLogGroup(self, "Logs", retention_in_days=log_retention_days)
        self.log_group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.role = iam.CfnRole(
            self, "Role",
            description="Manages the account password policy (iam-constructs AccountPasswordPolicy)",
            assume_role_policy_document={"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
        self.role_policy = iam.CfnManagedPolicy(
            self, "RolePolicy", roles=[self.role.ref],
            description="Only what the AccountPasswordPolicy handler needs",
            policy_document={
                "Version": "2012-10-17",
                "Statement": [
                    # These three IAM actions have no resource type: "*" is the only valid Resource.
                    {"Sid": "ManagePasswordPolicy", "Effect": "Allow", "Resource": "*",
                     "Action": ["iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy",
                                "iam:DeleteAccountPasswordPolicy"]},
                    # The handler acts only on requests this stack has in progress for its resource: it
                    # reads its own stack's record of it, and may read no other stack's.
                    {"Sid": "VerifyRequests", "Effect": "Allow", "Resource": cdk.Aws.STACK_ID,
                     "Action": "cloudformation:DescribeStackResource"},
                    {"Sid": "WriteOwnLogs", "Effect": "Allow", "Resource": self.log_group.attr_arn,
                     "Action": ["logs:CreateLogStream", "logs:PutLogEvents"]},
                ]})
        self.function_logical_id, self.function = inline_function(
            self, "Handler", source=inline_source(), role=self.role, log_group=self.log_group,
            timeout=HANDLER_TIMEOUT_SECONDS,
            description="Applies the account password policy and restores the earlier one on delete")
        """The CfnInclude holding the handler's ``AWS::Lambda::Function`` (logical id ``function_logical_id``)."""
        self.resource = cdk.CfnCustomResource(
            self, "Resource", service_token=cdk.Fn.get_att(self.function_logical_id, "Arn").to_string(),
            service_timeout=SERVICE_TIMEOUT_SECONDS)
        """The custom resource; ``Ref`` is a physical id that encodes the policy to restore."""
        self.resource.add_override("Type", RESOURCE_TYPE)
        # The role's policy is a separate resource: the handler must not run before it is attached.
        self.resource.add_resource_dependency(self.role_policy)
        acknowledge(self.role_policy, ack.PASSWORD_POLICY_ROLE)
        acknowledge(self.function, ack.PASSWORD_POLICY_FUNCTION)
        acknowledge(self.log_group, ack.PASSWORD_POLICY_LOGS)
        self.node.add_validation(_GeneratedPasswordsMeetPolicy(stack, policy))
        for key, value in policy.to_api().items():
            self.resource.add_property_override(key, value)
        self.resource.add_property_override("OnDelete", on_delete)

    @property
    def properties(self) -> dict:
        """What the custom resource sends to the handler (before CloudFormation stringifies it)."""
        return {**self.policy.to_api(), "OnDelete": self.on_delete}



@jsii.implements(constructs.IValidation)
class _GeneratedPasswordsMeetPolicy:
    """At synth: every password generated in this account is at least the policy's minimum length
    (users declared before the policy could not see it)."""

    def __init__(self, stack: cdk.Stack, policy: PasswordPolicy) -> None:
        self._stack, self._policy = stack, policy

    def validate(self) -> list[str]:
        return [f"{path}: console_access.password_length: generated passwords are {length} characters, shorter "
                f"than the account password policy's minimum_length {self._policy.minimum_length}; declare the "
                "AccountPasswordPolicy before the users or set password_length"
                for path, length in console_password_lengths(self._stack)
                if length < self._policy.minimum_length]
