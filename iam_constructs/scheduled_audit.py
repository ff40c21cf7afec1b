"""CredentialAudit: the credential-report audit, daily in Lambda, findings to an SNS topic.

The Lambda's code is this package's ``audit.py`` itself (the CLI's code path), shipped as an
asset: a stack that uses this construct needs `cdk bootstrap` (the rest of the library does not).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence, cast

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from . import _acknowledge as ack
from ._acknowledge import acknowledge
from .errors import ProblemCollector, check_scope_and_id, show
from ._validate import check_name
from .limits import LOG_RETENTION_DAY_NAMES, LOG_RETENTION_DAYS, USER_NAME_MAX
from .password_policy.construct import PYTHON_RUNTIME
from ._registry import child_path

AUDIT_SOURCE = Path(__file__).with_name("audit.py")
MAX_DAYS = 36500  # a bound on every day count: a larger number is a mistake, never a policy


class CredentialAudit(Construct):
    """Runs the credential audit on a schedule and publishes findings to an SNS topic.

    :param schedule: when to run. Default: once a day.
    :param max_key_age_days: active keys older than this are findings. Default: 90.
    :param max_unused_days: passwords and keys unused this long are findings. Default: 90.
    :param departure_window_days: a disabled user (``DisabledSince`` tag) is reported ready to remove
        this many days after it was disabled. Default: 30.
    :param roster_users: user names the account should hold; others (and missing ones) are
        findings. Default: no roster comparison.
    :param topic_key: a KMS key for the topic. Default: the AWS-managed ``alias/aws/sns`` key.
    :param log_retention_days: retention of the function's log group. Default: 365.
    """

    def __init__(self, scope: Construct, id: str, *, schedule: events.Schedule | None = None,
                 max_key_age_days: int = 90, max_unused_days: int = 90, roster_users: Sequence[str] | None = None,
                 departure_window_days: int = 30,
                 topic_key: kms.IKey | None = None, log_retention_days: int = 365) -> None:
        check_scope_and_id(scope, id)
        p = ProblemCollector(child_path(scope, id))
        for name, value in (("max_key_age_days", max_key_age_days), ("max_unused_days", max_unused_days),
                            ("departure_window_days", departure_window_days)):
            if type(value) is not int or not 1 <= value <= MAX_DAYS:
                p.add(name, f"{show(value)} must be a whole number of days from 1 to {MAX_DAYS}")
        if type(log_retention_days) is not int or log_retention_days not in LOG_RETENTION_DAYS:
            p.add("log_retention_days", f"{show(log_retention_days)} is not a CloudWatch Logs retention; use one "
                                        f"of {', '.join(map(str, LOG_RETENTION_DAYS))}")
        if roster_users is not None:
            if isinstance(roster_users, (str, bytes)) or not isinstance(roster_users, (list, tuple)):
                p.add("roster_users", f"{show(roster_users)} must be a list of user names")
            else:
                for i, name in enumerate(roster_users):
                    check_name(p, f"roster_users[{i}]", name, max_len=USER_NAME_MAX, kind="user")
        if schedule is not None and not hasattr(schedule, "expression_string"):
            p.add("schedule", f"{show(schedule)} must be an aws_events.Schedule")
        if topic_key is not None and not (hasattr(topic_key, "key_arn") and hasattr(topic_key, "grant_decrypt")):
            p.add("topic_key", f"{show(topic_key)} must be an aws_kms.IKey")
        p.raise_if_any()
        super().__init__(scope, id)

        self.topic = sns.Topic(self, "Findings", display_name="IAM credential audit findings",
                               master_key=topic_key or kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
                               enforce_ssl=True)
        self.log_group = logs.LogGroup(self, "Logs", retention=_retention(log_retention_days),
                                       removal_policy=cdk.RemovalPolicy.RETAIN)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description="Reads the IAM credential report and user tags; publishes findings")
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ReadCredentialReport", resources=["*"],  # these actions take no resource ARN
            actions=["iam:GenerateCredentialReport", "iam:GetCredentialReport"]))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ReadUserTags", actions=["iam:ListUserTags"],
            resources=[f"arn:{cdk.Aws.PARTITION}:iam::{cdk.Aws.ACCOUNT_ID}:user/*"]))
        self.topic.grant_publish(self.role)
        self.role.add_to_policy(iam.PolicyStatement(sid="WriteOwnLogs", resources=[self.log_group.log_group_arn],
                                                    actions=["logs:CreateLogStream", "logs:PutLogEvents"]))
        environment = {"TOPIC_ARN": self.topic.topic_arn, "MAX_KEY_AGE_DAYS": str(max_key_age_days),
                       "MAX_UNUSED_DAYS": str(max_unused_days), "DEPARTURE_WINDOW_DAYS": str(departure_window_days)}
        if roster_users is not None:
            environment["ROSTER_USERS"] = json.dumps(list(roster_users))
        self.function = lambda_.Function(
            self, "Function", runtime=lambda_.Runtime(PYTHON_RUNTIME, lambda_.RuntimeFamily.PYTHON),
            handler="audit.lambda_handler", role=self.role, timeout=cdk.Duration.minutes(5), memory_size=256,
            code=lambda_.Code.from_asset(str(AUDIT_SOURCE.parent), exclude=["*", "!audit.py"]),
            environment=environment, log_group=self.log_group,
            description="Daily IAM credential-report audit (iam-constructs)")
        # The L2 adds DependsOn on the role, which its Fn::GetAtt already implies (cfn-lint W3005):
        # keep only the dependency on the role's policy, so the function never runs without it.
        # Each L2's default child is its L1: the role's policy's AWS::IAM::Policy, the AWS::Lambda::Function.
        policy = cast(iam.CfnPolicy, self.role.node.find_child("DefaultPolicy").node.default_child)
        function = cast(lambda_.CfnFunction, self.function.node.default_child)
        function.add_override("DependsOn", [cdk.Stack.of(self).get_logical_id(policy)])
        self.rule = events.Rule(self, "Schedule", schedule=schedule or events.Schedule.rate(cdk.Duration.days(1)),
                                targets=[targets.LambdaFunction(self.function, retry_attempts=2)])
        # Clean under AwsSolutions, NIST 800-53 R5 and IamConstructs; each acknowledgement says why.
        acknowledge(self.role, {**ack.CREDENTIAL_AUDIT_ROLE, **(ack.CREDENTIAL_AUDIT_TOPIC_KEY if topic_key else {})})
        acknowledge(self.function, ack.CREDENTIAL_AUDIT_FUNCTION)
        acknowledge(self.log_group, ack.CREDENTIAL_AUDIT_LOGS)


def _retention(days: int) -> logs.RetentionDays:
    return getattr(logs.RetentionDays, LOG_RETENTION_DAY_NAMES[days])
