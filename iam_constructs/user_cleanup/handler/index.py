"""Dispatch: one answer to CloudFormation on every path, before the Lambda times out.

Create and Update change nothing. Delete (CloudFormation deletes this resource before the user it
Refs) clears what the stack did not make, so that CloudFormation's DeleteUser then succeeds.

Every event must name a stack of the function's own account and region and carry a ResponseURL on
that region's CloudFormation response bucket (``plan.origin``), else it is neither acted on nor
answered. A Delete is also checked against CloudFormation's own record (``verify``) before IAM is
touched; Create and Update are not (they touch nothing, and a stack of hundreds of users would send
hundreds of them at once to CloudFormation's API)."""

import json
import threading

from .external import call, client, list_all, send
from .plan import HOLDINGS, PREFIX, deleting, origin, parse, removals

MAX_BODY = 4096
GUARD_SECONDS = 5


def verify(event):
    """Whether CloudFormation itself is deleting the event's resource: DescribeStackResource records it
    as DELETE_IN_PROGRESS under the event's physical id or, for the old copy of a replaced resource
    (the new copy holds the logical id), the stack's newest event about that physical id does."""
    cfn, stack = client("cloudformation"), event["StackId"]
    found = call(cfn, "describe_stack_resource", "ValidationError", StackName=stack,
                 LogicalResourceId=event["LogicalResourceId"])
    return deleting(event, [found["StackResourceDetail"]] if found else []) or \
        deleting(event, cfn.describe_stack_events(StackName=stack)["StackEvents"])


def clean(spec):
    """Lists what the user holds and removes what the stack did not make, logging each removal (ids
    only, never a secret). A user already gone is nothing to do."""
    iam, user = client("iam"), spec["UserName"]
    if not call(iam, "get_user", UserName=user):
        return print(f"no user {user}")
    held = {what: list_all(iam, what, field, user) for what, field, _ in HOLDINGS}
    held["login_profile"] = call(iam, "get_login_profile", UserName=user)
    for name, args in removals(spec, held):
        print(json.dumps(dict(args, Action=name)))
        call(iam, name, **args)


def run(event):
    kind, props, physical_id = event["RequestType"], event["ResourceProperties"], event.get("PhysicalResourceId")
    if kind in ("Create", "Update"):
        return PREFIX + parse(props)["UserName"]
    if kind != "Delete":
        raise ValueError(kind)
    # Not a failed Create (nothing to clean), and not switched off for this user (Enabled "false").
    if physical_id == PREFIX + str(props.get("UserName")) and props.get("Enabled") != "false":
        if not verify(event):
            raise PermissionError("not a Delete of CloudFormation's")
        clean(parse(props))
    return physical_id


def handler(event, context):
    refused = origin(event, context.invoked_function_arn)
    if refused:  # never answer a URL that is not CloudFormation's
        return print(f"refused: {refused}")
    fallback = event.get("PhysicalResourceId") or f"{PREFIX}failed/{event.get('RequestId')}"
    once = threading.Lock()

    def answer(status, reason, physical_id):
        if not once.acquire(False):  # answered already
            return
        print(f"{event['RequestType']} {status} {reason}")
        out = {k: event.get(k) for k in ("StackId", "RequestId", "LogicalResourceId")}
        out.update(Status=status, PhysicalResourceId=physical_id, Reason=reason)
        while len(json.dumps(out)) > MAX_BODY and out["Reason"]:  # ASCII JSON: characters are bytes
            out["Reason"] = out["Reason"][:-100]
        send(event["ResponseURL"], json.dumps(out).encode())

    left = context.get_remaining_time_in_millis() / 1000
    guard = threading.Timer(max(left - GUARD_SECONDS, 0.5), answer, ("FAILED", "timed out", fallback))
    guard.daemon = True
    guard.start()
    try:
        answer("SUCCESS", "", run(event))
    except Exception as e:
        answer("FAILED", f"{type(e).__name__}: {e}", fallback)
    finally:
        guard.cancel()
