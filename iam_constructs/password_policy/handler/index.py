"""Dispatch: only CloudFormation's own requests for this resource act on IAM, and each of them gets
exactly one answer, from the main thread, before the Lambda times out: the work runs in a worker
thread that the main thread waits for until GUARD_SECONDS before the timeout."""

import threading
import traceback

from .diff import encode, plan, refusal, trusted_url
from .external import client, password_policy, send
from .response import body

GUARD_SECONDS = 5


def run(event, function):
    """The physical id to answer with, after doing what a verified event asks of IAM."""
    action, policy = plan(event)
    if action == "nothing":  # a Delete with nothing to undo needs no proof: it touches nothing
        return event["PhysicalResourceId"]
    why = refusal(event, function, client("cloudformation").describe_stack_resource)
    if why:
        raise PermissionError(why)  # before any IAM call
    if action == "create":
        previous = (password_policy("get") or {}).get("PasswordPolicy")
    if action == "delete":
        password_policy("delete")
    else:
        password_policy("update", **policy)
    return encode(previous) if action == "create" else event["PhysicalResourceId"]


def handler(event, context):
    """Answers CloudFormation's requests; refuses everything else.

    Anyone allowed lambda:InvokeFunction can hand this function an event, so nothing in the event is
    taken on trust. An event whose ResponseURL is not CloudFormation's response bucket in this
    function's region is refused silently: no IAM call and no answer, because an answer would be a
    PUT to a URL of the sender's choosing (a request forger's relay and oracle), and CloudFormation
    never sends such a URL. Every other event is answered exactly once: SUCCESS, or FAILED with the
    reason, also when it fails verification (``diff.refusal``). That answer can only reach
    CloudFormation's own bucket, where a forged signature is rejected and nothing can be read back,
    while a genuine request that cannot be verified (CloudFormation's API unreachable, the role
    changed) fails at once instead of holding the stack until its service timeout.

    What remains: verification ties an event to a request the stack is waiting for, not to that
    request's properties. While CloudFormation waits on this very resource (seconds, during a
    deployment), an event forged to match it would pass; its sender must already be allowed to
    invoke this function."""
    function = context.invoked_function_arn.split(":")  # arn:partition:lambda:region:account:function:name
    if not isinstance(event, dict) or not trusted_url(event.get("ResponseURL"), function[3]):
        print("refused")
        return
    fallback = event.get("PhysicalResourceId") or f"IamPasswordPolicy/failed-{event.get('RequestId')}"
    done = []

    def work():
        try:
            done.append(("SUCCESS", "", run(event, function)))
        except Exception as e:
            traceback.print_exc()  # CloudWatch gets where it failed: the function and the line
            done.append(("FAILED", f"{type(e).__name__}: {e}", fallback))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(max(context.get_remaining_time_in_millis() / 1000 - GUARD_SECONDS, 1))
    status, reason, physical_id = done[0] if done else ("FAILED", "timed out", fallback)
    print(status, reason[:500])
    send(event["ResponseURL"], body(event, status, reason, physical_id))
