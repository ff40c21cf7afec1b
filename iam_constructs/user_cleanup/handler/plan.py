"""Pure logic: the resource's properties, what a Delete removes, whether an event is genuine."""

import re

TYPE = "Custom::IamUserCleanup"
PREFIX = "IamUserCleanup/"
# What a user holds that blocks DeleteUser: (what list_<what> lists, the id field, which is also the
# parameter of the call that removes one, that call). MFA devices first: deactivating needs the user.
HOLDINGS = (
    ("mfa_devices", "SerialNumber", "deactivate_mfa_device"),
    ("ssh_public_keys", "SSHPublicKeyId", "delete_ssh_public_key"),
    ("signing_certificates", "CertificateId", "delete_signing_certificate"),
    ("service_specific_credentials", "ServiceSpecificCredentialId", "delete_service_specific_credential"),
    ("access_keys", "AccessKeyId", "delete_access_key"),
    ("user_policies", "PolicyName", "delete_user_policy"),
    ("attached_user_policies", "PolicyArn", "detach_user_policy"),
    ("groups_for_user", "GroupName", "remove_user_from_group"),
)
# Properties listing what the stack made (CloudFormation removes those): property -> id field.
STACK_MADE = {"StackAccessKeys": "AccessKeyId", "StackGroups": "GroupName", "StackManagedPolicies": "PolicyArn"}


def parse(props):
    """ResourceProperties to {"UserName", "LoginProfile": "true"/"false", id field: ids the stack made}.

    The id lists are only ever tested with ``in``, so a malformed one can keep more, never remove
    something the stack made."""
    spec = {field: props.get(name, []) for name, field in STACK_MADE.items()}
    spec.update(UserName=props.get("UserName"), LoginProfile=props.get("StackLoginProfile"))
    if not spec["UserName"] or spec["LoginProfile"] not in ("true", "false"):
        raise ValueError(f"malformed properties: {props}")
    return spec


def removals(spec, held):
    """(call, arguments) pairs that clear what the stack did not make. ``held`` maps each HOLDINGS
    entry to the ids found, and "login_profile" to whether there is one."""
    user = {"UserName": spec["UserName"]}
    calls = []
    for what, field, remover in HOLDINGS:
        for item in held[what]:
            if item not in spec.get(field, ()):
                calls.append((remover, dict(user, **{field: item})))
                if ":mfa/" in item:  # a virtual device (its serial is its ARN): free its name
                    calls.append(("delete_virtual_mfa_device", {"SerialNumber": item}))
    if held["login_profile"] and spec["LoginProfile"] == "false":
        calls.append(("delete_login_profile", user))
    return calls


def origin(event, function_arn):
    """'' when the event may come from CloudFormation in this function's account and region, else what
    is wrong (raises for an event without StackId). Answers go only to that region's CloudFormation
    response bucket."""
    _, partition, _, region, account = function_arn.split(":")[:5]
    if event["StackId"].split(":")[:5] != ["arn", partition, "cloudformation", region, account]:
        return "StackId"
    bucket = "cloudformation-custom-resource-response-" + region.replace("-", "")
    if not re.fullmatch(rf"https://{bucket}\.s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?/.*", event["ResponseURL"]):
        return "ResponseURL"
    return "" if event.get("ResourceType") == TYPE else "ResourceType"


def deleting(event, records):
    """Whether the first of the stack's records (DescribeStackResource's detail, or its events,
    newest first) about the event's physical resource shows CloudFormation deleting it."""
    ids = event["LogicalResourceId"], event["PhysicalResourceId"]
    r = next((r for r in records if (r.get("LogicalResourceId"), r.get("PhysicalResourceId")) == ids), {})
    return (r.get("ResourceType"), r.get("ResourceStatus")) == (TYPE, "DELETE_IN_PROGRESS")
