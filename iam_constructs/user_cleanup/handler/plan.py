"""Pure logic: the resource's properties, what a Delete removes, whether an event is genuine and whether
the user is leaving."""

import re

TYPE = "Custom::IamUserCleanup"
PREFIX = "IamUserCleanup/"
REQUESTS = ("Create", "Update", "Delete")
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
# The properties listing what the stack made (CloudFormation removes those), by id field.
STACK_MADE = {"AccessKeyId": "StackAccessKeys", "GroupName": "StackGroups", "PolicyArn": "StackManagedPolicies"}


def well_formed(event):
    """Raises, naming the field, unless the event has a known RequestType, properties that are a
    mapping and, for a Delete, a LogicalResourceId and a PhysicalResourceId that are strings
    (StackId and ResponseURL are checked by ``origin``)."""
    kind = event.get("RequestType")
    if kind not in REQUESTS:
        raise ValueError(f"RequestType: {kind!r} is unknown")  # the answer cuts it
    for key in ("LogicalResourceId", "PhysicalResourceId") * (kind == "Delete"):  # what a Delete reads
        if not isinstance(event.get(key), str):
            raise ValueError(f"{key}: not a string")
    if not isinstance(event.get("ResourceProperties"), dict):
        raise ValueError("ResourceProperties: not a mapping")


def checked(props):
    """The ResourceProperties, once they name a user, a logical id and whether the stack made the
    login profile ("true"/"false"); raises naming the property. The lists of what the stack made are
    only ever tested with ``in``, so a malformed one can keep more, never remove something the stack
    made."""
    for key in ("UserName", "UserLogicalId", "StackLoginProfile"):
        value = props.get(key)
        if not (value in ("true", "false") if key == "StackLoginProfile" else value and isinstance(value, str)):
            raise ValueError(f"{key}: {value!r:.80} is invalid")
    return props


def removals(props, held):
    """The (call, arguments) pairs that clear what the stack did not make, ``held`` mapping each
    HOLDINGS entry to the ids found. The login profile is deleted unless the stack made it (there is
    no need to look first: deleting one that is not there is answered NoSuchEntity)."""
    user = {"UserName": props["UserName"]}
    for what, field, remover in HOLDINGS:
        for item in held[what]:
            if item not in props.get(STACK_MADE.get(field), ()):
                yield remover, dict(user, **{field: item})
                if ":mfa/" in item:  # a virtual device (its serial is its ARN): free its name
                    yield "delete_virtual_mfa_device", {"SerialNumber": item}
    if props["StackLoginProfile"] == "false":
        yield "delete_login_profile", user


def origin(event, function_arn):
    """'' when the event may come from CloudFormation in this function's account and region, else what
    is wrong. Answers go only to that region's CloudFormation response bucket."""
    arn = function_arn.split(":")[:5]  # arn, partition, lambda, region, account
    arn[2] = "cloudformation"
    if not isinstance(event, dict) or str(event.get("StackId")).split(":")[:5] != arn:
        return "StackId"
    bucket = "cloudformation-custom-resource-response-" + arn[3].replace("-", "")
    if not re.fullmatch(rf"https://{bucket}\.s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?/.*", str(event.get("ResponseURL"))):
        return "ResponseURL"
    return "" if event.get("ResourceType") == TYPE else "ResourceType"


def deleting(event, record):
    """Whether the stack's record of the event's resource (DescribeStackResource's detail) shows
    CloudFormation deleting it under the event's physical id."""
    return (record.get("PhysicalResourceId"), record["ResourceType"], record["ResourceStatus"]) == \
        (event["PhysicalResourceId"], TYPE, "DELETE_IN_PROGRESS")


def stays(props, template):
    """Whether the stack's current template still holds the user: an AWS::IAM::User under
    ``UserLogicalId`` with the same UserName (a new name replaces the user). ``template`` is a dict
    (boto3 decodes JSON) or YAML text, which is searched, for the Lambda runtime has no YAML parser:
    the user stays while both its logical id and its name appear in it."""
    uid, name = props["UserLogicalId"], props["UserName"]
    if isinstance(template, str):
        return uid in template and name in template
    user = template["Resources"].get(uid, {})
    return user.get("Type") == "AWS::IAM::User" and user.get("Properties", {}).get("UserName") == name
