"""Acknowledgements the library makes for its own resources, each with its reason, in one place."""

from __future__ import annotations

from typing import Mapping

import aws_cdk as cdk
from constructs import IConstruct

# Findings other packs raise on a user given direct policies on purpose (direct_policies_reason), as
# the validation report prints their ids.
USER_HAS_POLICIES = "NIST.800.53.R5::NIST.800.53.R5-IAMUserNoPolicies"


def aws_managed_policy_finding(name: str) -> str:
    """AwsSolutions-IAM4's finding for the AWS managed policy ``name`` attached to a principal."""
    return f"AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]"


SECRET_ROTATION = {
    "AwsSolutions::AwsSolutions-SMG4":
        "Holds an IAM credential, not a database password: a Secrets Manager rotation function cannot rotate it. "
        "Console passwords are changed by their user at first sign-in (reset required); access keys rotate "
        "through the two key slots (bump serial in the free slot).",
    "NIST.800.53.R5::NIST.800.53.R5-SecretsManagerRotationEnabled":
        "Holds an IAM credential; rotation is by password reset at first sign-in or the two access-key slots, "
        "not a Secrets Manager rotation function.",
}
UNSCOPABLE_IAM_READS = {
    "AwsSolutions::AwsSolutions-IAM5[Resource::*]":
        "iam:GetAccountPasswordPolicy and iam:ListVirtualMFADevices have no resource-level permissions; every "
        "other statement is scoped to ${aws:username}.",
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*/<aws:username>]":
        "The signed-in user under any path: a user's ARN carries its path and a user name cannot hold '/', so "
        "'*' matches only the path of the user named ${aws:username}.",
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:mfa/*]":
        "Virtual MFA devices are named by their owner, so CreateVirtualMFADevice cannot be scoped to a name (the "
        "IAM user guide's reference policy uses mfa/*); a device is bound to a user only by EnableMFADevice, "
        "scoped to the own user, and IAM refuses to delete a device still assigned to a user.",
}
PASSWORD_POLICY_ROLE = {
    "AwsSolutions::AwsSolutions-IAM5[Resource::*]":
        "iam:Get/Update/DeleteAccountPasswordPolicy act on the account and take no resource ARN: '*' is the "
        "only valid Resource. The role allows nothing else but reading its own stack's record of the resource "
        "(cloudformation:DescribeStackResource on AWS::StackId) and writing to its own log group.",
}
PASSWORD_POLICY_FUNCTION = {
    "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ":
        "Invoked by CloudFormation for one custom resource; every outcome, including failure, is answered to "
        "CloudFormation and logged, so a dead-letter queue would hold nothing to act on.",
    "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC":
        "Calls only the IAM and CloudFormation APIs and CloudFormation's response URL; a VPC would need a NAT "
        "gateway or endpoints and would add nothing but cost and failure modes.",
    "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency":
        "Runs once per stack event. Reserving concurrency fails to deploy on accounts with the default limit "
        "of 10 (AWS keeps 10 unreserved).",
}
PASSWORD_POLICY_LOGS = {
    "NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted":
        "Holds only request types and SUCCESS/FAILED reasons, never a password or policy secret; CloudWatch "
        "Logs encrypts it at rest with AWS-owned keys.",
}
CREDENTIAL_AUDIT_ROLE = {
    "AwsSolutions::AwsSolutions-IAM5[Resource::*]":
        "iam:GenerateCredentialReport and iam:GetCredentialReport act on the account's credential report and "
        "take no resource ARN: '*' is the only valid Resource. Every other statement names its resource.",
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]":
        "iam:ListUserTags (read-only) on every user of this account: the credential report lists every user, "
        "and the audit reads each one's Owner, Purpose and Expiry tags.",
    "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy":
        "The inline policy belongs to this function's role alone (strictly one to one, as AWS recommends inline "
        "policies for), is created and deleted with it, and could not be attached to anything else; its "
        "statements are the read-only report calls above, sns:Publish on the findings topic and the function's "
        "own log group.",
}
CREDENTIAL_AUDIT_TOPIC_KEY = {
    "AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]":
        "SNS encrypts each published message under a data key of the topic's KMS key: the publisher needs "
        "kms:GenerateDataKey* and kms:Decrypt on that one key (what Topic.grant_publish grants), nothing else.",
}
CREDENTIAL_AUDIT_FUNCTION = {
    "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ":
        "Invoked by its EventBridge schedule, which retries a failed run twice; the audit keeps no state and the "
        "next run repeats it whole, and every error is in its log group: a dead-letter queue would hold only "
        "the schedule's empty event.",
    "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC":
        "Calls only the IAM and SNS APIs; a VPC would need a NAT gateway or endpoints and would add nothing but "
        "cost and failure modes.",
    "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency":
        "Runs once per schedule tick (daily by default). Reserving concurrency fails to deploy on accounts with "
        "the default limit of 10 (AWS keeps 10 unreserved).",
}
CREDENTIAL_AUDIT_LOGS = {
    "NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted":
        "Holds only the number and kinds of findings and error messages, never a credential or a report row; "
        "CloudWatch Logs encrypts it at rest with AWS-owned keys.",
}


def acknowledge(construct: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledges rule ids (``Pack::Pack-Rule``) on ``construct`` and its children, in one call."""
    if reasons:
        cdk.Validations.of(construct).acknowledge(
            *[cdk.Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in reasons.items()])
USER_CLEANUP_ROLE = {
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]":
        "Scoped by condition to users tagged with this stack's name (aws:ResourceTag/iam-constructs:stack): "
        "names would not fit a policy at hundreds of users, and a removed user's name would leave the policy "
        "before its cleanup runs.",
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:mfa/*]":
        "Virtual MFA devices are named by their owners; the handler deletes only devices it has just deactivated "
        "on its own stack's user, and IAM refuses to delete a device still assigned to a user.",
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:group/*]":
        "iam:RemoveUserFromGroup is authorized on the group, and a departing user may have been put in any group "
        "by hand; the handler removes only its own stack's user.",
}
USER_CLEANUP_FUNCTION = {
    "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ":
        "Invoked by CloudFormation for its users' cleanup resources; every outcome, including failure, is answered "
        "to CloudFormation and logged, so a dead-letter queue would hold nothing to act on.",
    "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC":
        "Calls only the IAM and CloudFormation APIs and CloudFormation's response URL; a VPC would need a NAT "
        "gateway or endpoints and would add nothing but cost and failure modes.",
    "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency":
        "Runs once per departing user. Reserving concurrency fails to deploy on accounts with the default limit "
        "of 10 (AWS keeps 10 unreserved), and one per user stack would multiply it.",
}
USER_CLEANUP_LOGS = {
    "NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted":
        "Holds request types, user names and the ids of what was removed (access key ids, device serials), never "
        "a secret; CloudWatch Logs encrypts it at rest with AWS-owned keys.",
}
