"""Dispatch: one answer to CloudFormation on every path, before the Lambda times out.

Create and Update change nothing. Delete (CloudFormation deletes this resource before the user it
Refs) clears what the stack did not make, so that CloudFormation's DeleteUser then succeeds, but only
when the user leaves with it (``leaving``).

Every event must name a stack of the function's own account and region and carry a ResponseURL on
that region's CloudFormation response bucket (``plan.origin``), else it is neither acted on nor
answered. A Delete is also checked against CloudFormation's own record (``verify``) before anything
else; Create and Update are not (they touch nothing, and a stack of hundreds of users would send
hundreds of them at once to CloudFormation's API).

Leaving or staying. This resource is also deleted while its user stays: when the cleanup is switched
off for a user or a roster (the resource leaves the template), and when the first deployment that
adds cleanup resources to existing users fails (the new resources are deleted in
UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, the users stay). So a genuine Delete cleans only when
DescribeStacks shows the stack itself going (DELETE_IN_PROGRESS, or ROLLBACK_IN_PROGRESS: a failed
create deletes everything) or when the stack's current template no longer holds the user
(``plan.stays``). What CloudFormation reports, and where that is written:

- GetTemplate returns the template the stack is moving to: during an update's roll-forward (so in
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) the new one, during a rollback (so in
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS) the one it rolls back to. Sources: aws/aws-cdk
  docs/CLOUDFORMATION.md ("CloudFormation internals"), which a Delete handler reviewed in aws/aws-cdk
  pull request 16756 relied on (the merged fix tags the bucket instead); the user guide's stack
  status codes (in UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS "the stack has been rolled back to its
  previous working state and is usable" while the new resources are deleted); GetTemplate measured
  returning the previous template after a failed update (ministackorg/ministack issue 1601, item A3;
  pull request 1641).
- DescribeStackResource during the cleanup phase: the user guide ("Resource removed from stack but
  not deleted"; "Monitor the progress of a stack update") says CloudFormation attempts the delete of a
  replaced resource, or of one removed from the template, three times, and only if that fails
  "removes the old resource from the stack": until then it is a resource of the stack, and AWS's
  knowledge-center page on stacks stuck in either cleanup state (2020 version) has readers find it on
  the Resources tab as DELETE_IN_PROGRESS. Once the update is over, the removed logical id is gone (a
  ValidationError: LocalStack's AWS-validated test_describe_deleted_resource_on_update). No
  measurement made during the cleanup phase was found. So ``verify`` reads only that record: the
  DescribeStackEvents fallback and its permission are gone. What it did cover: the old copy of a
  replaced cleanup resource (the logical id records the new copy), which the library never makes (a
  user's logical id follows from its name, so a rename is a removal and an addition); such a Delete
  is refused, touching nothing. (Events were no sure help anyway: their first page is the newest 100
  of a stack that may be deleting hundreds of resources.)
"""

import json
import threading
import traceback

import boto3

from ...password_policy.handler.response import body
from .external import call, list_all, send
from .plan import HOLDINGS, PREFIX, checked, deleting, origin, removals, stays, well_formed

GUARD_SECONDS = 5


def clean(props):
    """Lists what the user holds and removes what the stack did not make, logging each removal (ids
    only, never a secret; what was already gone is neither removed nor logged). A user already gone
    is nothing to do."""
    iam, user = boto3.client("iam"), props["UserName"]
    if not call(iam, "get_user", UserName=user):
        return print("no user", user)
    held = {what: list_all(iam, what, field, user) for what, field, _ in HOLDINGS}
    for name, args in removals(props, held):
        if call(iam, name, **args):
            print(json.dumps(dict(args, Action=name)))


def leaving(cfn, stack, props):
    """Whether the user leaves with this Delete: its stack is being deleted, or the stack's current
    template no longer holds it (``plan.stays``). Logs why a user stays."""
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    if status in ("DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS") or not stays(
            props, cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]):
        return True
    print(status, "stays")


def run(event):
    well_formed(event)
    kind, props, physical_id = event["RequestType"], event["ResourceProperties"], event.get("PhysicalResourceId")
    if kind != "Delete":
        return PREFIX + checked(props)["UserName"]
    if physical_id == PREFIX + str(props.get("UserName")):  # not a failed Create (nothing to clean)
        # CloudFormation itself deletes the event's resource: the stack's record of it (which fails for
        # a stack or resource that is not there, and for any stack but the function's own) shows it
        # DELETE_IN_PROGRESS under the event's physical id
        cfn = boto3.client("cloudformation")
        if not deleting(event, cfn.describe_stack_resource(StackName=event["StackId"], LogicalResourceId=event[
                "LogicalResourceId"])["StackResourceDetail"]):
            raise PermissionError("unverified")
        if leaving(cfn, event["StackId"], props):
            clean(checked(props))
    return physical_id


def handler(event, context):
    refused = origin(event, context.invoked_function_arn)
    if refused:  # never answer a URL that is not CloudFormation's
        return print("refused", refused)
    fallback = event.get("PhysicalResourceId") or f"{PREFIX}failed/{event.get('RequestId')}"
    once = threading.Lock()

    def answer(status, reason, physical_id):
        if once.acquire(False):  # else answered already
            print(status, reason[:500])
            send(event["ResponseURL"], body(event, status, reason, physical_id))

    guard = threading.Timer(max(context.get_remaining_time_in_millis() / 1000 - GUARD_SECONDS, 1), answer,
                            ("FAILED", "timed out", fallback))  # cancelled on every path below
    guard.start()
    try:
        answer("SUCCESS", "", run(event))
    except Exception as e:
        traceback.print_exc()  # CloudWatch gets where it failed: the function and the line
        answer("FAILED", f"{type(e).__name__}: {e}", fallback)
    finally:
        guard.cancel()
