"""UserCleanupFunction: the one function per stack that ``Custom::IamUserCleanup`` resources call."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from .. import _acknowledge as ack
from .. import defaults
from .._acknowledge import acknowledge
from .._registry import stack_singleton
from ..limits import LOG_RETENTION_DAYS
from .._inline_function import inline_function
from . import CLOUDFORMATION_ACTIONS, IAM_ACTIONS, inline_source


class UserCleanupFunction(Construct):
    """The stack's user-cleanup handler: inline code (no asset bucket, so exported templates stay
    standalone), its log group and a role that may act only on this stack's users.

    IAM users are scoped by the ``iam-constructs:stack`` tag every user of the library carries
    (``aws:ResourceTag``): the role cannot touch a user of another stack or one made by hand. Two
    actions cannot be scoped to users: ``iam:RemoveUserFromGroup`` is authorized on the group, and
    ``iam:DeleteVirtualMFADevice`` on the device, whose name its owner chose (IAM refuses to delete
    a device still assigned to a user, and the handler deactivates only devices of its own users).
    Listing the users' names instead would not fit a policy at hundreds of users, and a removed
    user's name would leave the policy before the cleanup runs.

    Created once per stack by ``IamUser`` / ``IamUsers`` (``of_stack``).

    :param log_retention_days: retention of the handler's log group. Default: 365.
    """

    _SINGLETON_ID = "IamConstructsUserCleanup"

    def __init__(self, scope: Construct, id: str, *, log_retention_days: int = 365) -> None:
        assert log_retention_days in LOG_RETENTION_DAYS
        super().__init__(scope, id)
        partition, account = cdk.Aws.PARTITION, cdk.Aws.ACCOUNT_ID
        self.log_group = logs.CfnLogGroup(self, "Logs", retention_in_days=log_retention_days)
        self.log_group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.role = iam.CfnRole(
            self, "Role", description="Clears what IAM users of this stack hold before CloudFormation deletes them",
            assume_role_policy_document={"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
        self.role_policy = iam.CfnManagedPolicy(
            self, "RolePolicy", roles=[self.role.ref], description="Only what the IamUserCleanup handler needs",
            policy_document={"Version": "2012-10-17", "Statement": [
                {"Sid": "ClearThisStacksUsers", "Effect": "Allow", "Action": list(IAM_ACTIONS["user"]),
                 "Resource": f"arn:{partition}:iam::{account}:user/*",
                 "Condition": {"StringEquals": {f"aws:ResourceTag/{defaults.STACK_TAG}": cdk.Aws.STACK_NAME}}},
                {"Sid": "DeleteDeactivatedVirtualMFADevices", "Effect": "Allow",
                 "Action": list(IAM_ACTIONS["mfa"]), "Resource": f"arn:{partition}:iam::{account}:mfa/*"},
                {"Sid": "RemoveFromGroupsMadeByHand", "Effect": "Allow", "Action": list(IAM_ACTIONS["group"]),
                 "Resource": f"arn:{partition}:iam::{account}:group/*"},
                # Deciding a Delete: this stack's record of the resource, its status and its current
                # template, no other stack's.
                {"Sid": "VerifyRequests", "Effect": "Allow", "Action": list(CLOUDFORMATION_ACTIONS),
                 "Resource": cdk.Aws.STACK_ID},
                {"Sid": "WriteOwnLogs", "Effect": "Allow", "Resource": self.log_group.attr_arn,
                 "Action": ["logs:CreateLogStream", "logs:PutLogEvents"]},
            ]})
        self.function_logical_id, self.function = inline_function(
            self, "Handler", source=inline_source(), role=self.role, log_group=self.log_group,
            description="Clears what an IAM user holds outside the stack before CloudFormation deletes it",
            max_attempts=11)
        # Every cleanup resource calls the function by its ARN, so depends on it; the function
        # depends on its role's policy, so no cleanup runs without it (and it outlives them on delete).
        self.function.get_resource(self.function_logical_id).add_resource_dependency(self.role_policy)
        acknowledge(self.role_policy, ack.USER_CLEANUP_ROLE)
        acknowledge(self.function, ack.USER_CLEANUP_FUNCTION)
        acknowledge(self.log_group, ack.USER_CLEANUP_LOGS)

    @property
    def function_arn(self) -> str:
        """The function's ARN (the cleanup resources' ServiceToken), as a token."""
        return cdk.Fn.get_att(self.function_logical_id, "Arn").to_string()

    @classmethod
    def of_stack(cls, scope: Construct) -> "UserCleanupFunction":
        """The one instance in ``scope``'s stack, created on first use."""
        return stack_singleton(cls, scope, cls._SINGLETON_ID)
