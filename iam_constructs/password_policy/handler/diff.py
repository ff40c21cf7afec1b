"""Pure logic: property parsing, the remembered previous policy, what an event asks of IAM, and
whether an event is CloudFormation's own request for this resource."""

import re

# The physical id carries the policy to restore. Version 1: PREFIX, then "none" or name=value pairs
# (booleans 1/0). Version 0 (the first release, no version): V0_PREFIX and the values of the first
# nine FIELDS, in this order, joined by "."; decoded forever, so FIELDS is only ever appended to.
PREFIX = "IamPasswordPolicy/v1:"
V0_PREFIX = "IamPasswordPolicy/previous="
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
REQUESTS = ("Create", "Update", "Delete")


def number(text):
    """The whole number ``text`` writes in decimal digits, else None (never raises)."""
    return int(text) if text.isdecimal() and len(text) < 6 else None


def parse(props):
    """ResourceProperties (CloudFormation sends every value as a string) to API arguments: every
    field, always, because the API has no partial update. An error names the property (the event's
    other fields are checked by ``plan``)."""
    out: dict[str, int | bool] = {}
    for name, bounds in FIELDS.items():
        raw = props.get(name)
        text = str(raw).lower()
        if not bounds and text in ("true", "false"):
            out[name] = text == "true"
        elif bounds and bounds[0] <= (number(text) or 0) <= bounds[1]:
            out[name] = int(text)
        elif raw or not bounds or name == REQUIRED_NUMBER:  # absent, an optional number is left out
            raise ValueError(f"{name}: {raw!r:.80} is not " +
                             (f"a whole number in {bounds[0]}-{bounds[1]}" if bounds else "true or false"))
    if props.get("OnDelete", "restore") not in ON_DELETE:
        raise ValueError(f"OnDelete: {props['OnDelete']!r:.80} is not in {ON_DELETE}")
    return out


def encode(previous):
    """The physical resource id carrying the policy to restore, so no other state is stored."""
    return PREFIX + ("none" if previous is None else ",".join(f"{n}={int(previous.get(n) or 0)}" for n in FIELDS))


def decode(physical_id):
    """The policy to restore (None: there was none), or False for an id this handler did not make
    (a failed Create's). Reads version 1 and version 0 ids; a field a later version adds is skipped."""
    text = str(physical_id)
    if text in (PREFIX + "none", V0_PREFIX + "none"):
        return None
    if text.startswith(PREFIX):
        pairs = [pair.partition("=") for pair in text[len(PREFIX):].split(",")]
    elif text.startswith(V0_PREFIX):
        values = text[len(V0_PREFIX):].split(".")
        pairs = [(n, "=", v) for n, v in zip(FIELDS, values)] if len(values) == 9 else []
    else:
        return False
    found = {n: number(v) for n, _, v in pairs if n in FIELDS}
    if REQUIRED_NUMBER not in found or None in found.values():
        return False
    return {n: v if FIELDS[n] else v == 1 for n, v in found.items() if v or not FIELDS[n]}


def plan(event):
    """("create" | "apply" | "delete" | "nothing", policy): what the event asks of IAM. The whole
    event is checked first: a malformed one raises, naming the field, before anything is verified
    or touched."""
    kind, props = event.get("RequestType"), event.get("ResourceProperties")
    if kind not in REQUESTS:
        raise ValueError(f"RequestType: {kind!r:.80} is not in {REQUESTS}")
    for key in ("StackId", "LogicalResourceId") + ("PhysicalResourceId",) * (kind != "Create"):
        if not isinstance(event.get(key), str):
            raise ValueError(f"{key}: must be a string")
    if not isinstance(props, dict):
        raise ValueError("ResourceProperties: must be a mapping")
    if kind != "Delete":
        return "create" if kind == "Create" else "apply", parse(props)
    # OnDelete was checked by Create and Update: anything but retain or delete restores
    previous, mode = decode(event["PhysicalResourceId"]), props.get("OnDelete")
    if previous is False or mode == "retain":  # not an id of ours (a failed Create's), or keep as is
        return "nothing", None
    return ("delete", None) if mode == "delete" or previous is None else ("apply", previous)


def trusted_url(url, region):
    """A match only for an https URL on CloudFormation's custom-resource response bucket of ``region``
    (the function's own, so only letters, digits and dashes). The bucket is named after the region
    without dashes (us-east-1: ...-useast1), addressed virtual-host style on S3's dot-region or
    dash-region endpoint, or for us-east-1 on the global one; under amazonaws.com.cn in China, else
    amazonaws.com. Nothing looser: the same bucket name in another partition, or another region's
    name, could belong to anyone."""
    china = r"\.cn" * region.startswith("cn-")
    return re.fullmatch(rf"https://cloudformation-custom-resource-response-{region.replace('-', '')}\.s3([.-]{region})"
                        + "?" * (region == "us-east-1") + rf"\.amazonaws\.com{china}/.*", str(url))


def refusal(event, function, describe):
    """Why ``event`` is not CloudFormation's own pending request for this resource ("" when it is).

    ``function`` is the function's own ARN split at ":" (partition, region, account at 1, 3, 4).
    The StackId must be a stack of that partition, region and account, and that stack's record of
    the logical resource, ``describe`` (DescribeStackResource, which fails for
    a stack or resource that does not exist, or that the role may not read: only its own stack),
    must show the same stack, this resource type, the status CloudFormation shows while it waits
    for this request (CREATE_, UPDATE_ or DELETE_IN_PROGRESS: an update rollback re-sends Update
    while the resource is UPDATE_IN_PROGRESS, a create rollback or a cleanup sends Delete while it
    is DELETE_IN_PROGRESS), and, for Update and Delete, the event's PhysicalResourceId."""
    kind, stack = event["RequestType"], event["StackId"]
    if not stack.startswith(f"arn:{function[1]}:cloudformation:{function[3]}:{function[4]}:stack/"):
        return "StackId: foreign"
    try:  # the role may read only its own stack
        found = describe(StackName=stack, LogicalResourceId=event["LogicalResourceId"])["StackResourceDetail"]
    except Exception as e:  # ClientError names the call and the code: AccessDenied, ValidationError...
        return repr(e)
    expected = {"StackId": stack, "ResourceType": RESOURCE_TYPE, "ResourceStatus": f"{kind.upper()}_IN_PROGRESS"}
    if kind != "Create":
        expected["PhysicalResourceId"] = event["PhysicalResourceId"]
    for key, value in expected.items():
        if found.get(key) != value:
            return f"the stack's {key} is {found.get(key)!r}, not {value!r}"
    return ""
