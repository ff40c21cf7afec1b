"""Pure logic: property parsing, the remembered previous policy, what an event asks of IAM, and
whether an event is CloudFormation's own request for this resource."""

import re

PREFIX = "IamPasswordPolicy/previous="
RESOURCE_TYPE = "Custom::AccountPasswordPolicy"
# UpdateAccountPasswordPolicy field -> (low, high) for numbers, () for booleans.
# The last two numbers are optional (absent: passwords never expire / may be reused).
FIELDS = {
    "MinimumPasswordLength": (6, 128),
    "RequireSymbols": (),
    "RequireNumbers": (),
    "RequireUppercaseCharacters": (),
    "RequireLowercaseCharacters": (),
    "AllowUsersToChangePassword": (),
    "HardExpiry": (),
    "MaxPasswordAge": (1, 1095),
    "PasswordReusePrevention": (1, 24),
}
REQUIRED_NUMBER = "MinimumPasswordLength"
ON_DELETE = ("restore", "delete", "retain")


def parse(props):
    """ResourceProperties (CloudFormation sends every value as a string) to API arguments: every
    field, always, because the API has no partial update."""
    out = {}
    for name, bounds in FIELDS.items():
        raw = props.get(name)
        text = str(raw or "").lower()
        if not bounds:
            if text not in ("true", "false"):
                raise ValueError(f"{name}: {raw!r} is not true or false")
            out[name] = text == "true"
        elif text or name == REQUIRED_NUMBER:
            if not (text.isdigit() and bounds[0] <= int(text) <= bounds[1]):
                raise ValueError(f"{name}: {raw!r} is not a whole number in {bounds[0]}-{bounds[1]}")
            out[name] = int(text)
    if props.get("OnDelete", "restore") not in ON_DELETE:
        raise ValueError(f"OnDelete: {props['OnDelete']!r} is not restore, delete or retain")
    return out


def encode(previous):
    """The physical resource id carries the policy to restore, so no other state is stored."""
    return PREFIX + ("none" if previous is None else ".".join(str(int(previous.get(n) or 0)) for n in FIELDS))


def decode(physical_id):
    """The policy to restore (None: there was none), or False for an id this handler did not make
    (a failed Create's)."""
    body = physical_id[len(PREFIX):] if str(physical_id).startswith(PREFIX) else ""
    values = body.split(".")
    if body == "none":
        return None
    if len(values) != len(FIELDS) or not all(v.isdigit() for v in values):
        return False
    return {name: int(v) if bounds else v == "1" for (name, bounds), v in zip(FIELDS.items(), values)
            if not bounds or int(v)}


def delete_action(mode, physical_id):
    """("nothing" | "delete" | "apply", policy) for a Delete event. ``mode`` is OnDelete, which
    Create and Update checked; anything but retain or delete restores."""
    previous = decode(physical_id)
    if previous is False or mode == "retain":
        return "nothing", None
    if mode == "delete" or previous is None:
        return "delete", None
    return "apply", previous


def plan(event):
    """("create" | "apply" | "delete" | "nothing", policy): what the event asks of IAM. Malformed
    properties and unknown request types raise before anything is verified or touched."""
    kind = event.get("RequestType")
    props = event.get("ResourceProperties") or {}
    if kind == "Create":
        return "create", parse(props)
    if kind == "Update":
        return "apply", parse(props)
    if kind == "Delete":
        return delete_action(props.get("OnDelete"), event.get("PhysicalResourceId"))
    raise ValueError(f"RequestType: {kind!r} is not Create, Update or Delete")


def trusted_url(url, region):
    """A match only for an https URL on CloudFormation's custom-resource response bucket of ``region``
    (the function's own, so only letters, digits and dashes). The bucket is named after the region
    without dashes (us-east-1: ...-useast1), addressed virtual-host style on S3's dot-region or
    dash-region endpoint, or for us-east-1 on the global one; under amazonaws.com.cn in China, else
    amazonaws.com. Nothing looser: the same bucket name in another partition, or another region's
    name, could belong to anyone."""
    optional = "?" if region == "us-east-1" else ""
    china = r"\.cn" if region.startswith("cn-") else ""
    return re.fullmatch(rf"https://cloudformation-custom-resource-response-{region.replace('-', '')}"
                        rf"\.s3([.-]{region}){optional}\.amazonaws\.com{china}/.*", str(url))


def refusal(event, function, describe):
    """Why ``event`` is not CloudFormation's own pending request for this resource ("" when it is).

    ``function`` is the function's own ARN split at ":" (partition, region, account at 1, 3, 4).
    The StackId must be a stack of that partition, region and account, and that stack's record of
    the logical resource, ``describe(stack_id, logical_id)`` (DescribeStackResource, which fails for
    a stack or resource that does not exist, or that the role may not read: only its own stack),
    must show the same stack, this resource type, the status CloudFormation shows while it waits
    for this request (CREATE_, UPDATE_ or DELETE_IN_PROGRESS: an update rollback re-sends Update
    while the resource is UPDATE_IN_PROGRESS, a create rollback or a cleanup sends Delete while it
    is DELETE_IN_PROGRESS), and, for Update and Delete, the event's PhysicalResourceId."""
    kind, stack = event["RequestType"], event["StackId"]
    if not stack.startswith(f"arn:{function[1]}:cloudformation:{function[3]}:{function[4]}:stack/"):
        return "StackId is not of this account and region"
    try:
        found = describe(stack, event.get("LogicalResourceId"))
    except Exception as e:  # ClientError names the call and the code: AccessDenied, ValidationError...
        return repr(e)
    expected = {"StackId": stack, "ResourceType": RESOURCE_TYPE, "ResourceStatus": f"{kind.upper()}_IN_PROGRESS"}
    if kind != "Create":
        expected["PhysicalResourceId"] = event.get("PhysicalResourceId")
    for key, value in expected.items():
        if found.get(key) != value:
            return f"the stack's {key} is {found.get(key)!r}, not {value!r}"
    return ""
