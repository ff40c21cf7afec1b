"""Dispatch: one answer to CloudFormation on every path, before the Lambda times out."""

import json
import threading

from .diff import delete_action, encode, from_api, on_delete, parse
from .external import delete_policy, get_policy, iam_client, put_policy, send

MAX_BODY = 4096
GUARD_SECONDS = 5


def run(event):
    kind = event.get("RequestType")
    props = event.get("ResourceProperties") or {}
    if kind == "Create":
        policy = parse(props)
        iam = iam_client()
        previous = from_api(get_policy(iam))
        put_policy(iam, policy)
        return encode(previous)
    if kind == "Update":
        put_policy(iam_client(), parse(props))
    elif kind == "Delete":
        action, previous = delete_action(on_delete(props), event.get("PhysicalResourceId"))
        if action == "delete":
            delete_policy(iam_client())
        elif action == "apply":
            put_policy(iam_client(), previous)
    else:
        raise ValueError(f"RequestType: {kind!r} is not Create, Update or Delete")
    return event["PhysicalResourceId"]


def body(event, status, reason, physical_id):
    out = {k: event.get(k, "") for k in ("StackId", "RequestId", "LogicalResourceId")}
    out.update(Status=status, PhysicalResourceId=physical_id, Reason="")
    room = MAX_BODY - len(json.dumps(out).encode()) - 16
    out["Reason"] = reason.encode()[:max(room, 0)].decode(errors="ignore")
    return json.dumps(out).encode()


def handler(event, context):
    if not isinstance(event, dict) or not event.get("ResponseURL"):
        print("not a custom-resource event")
        return
    fallback = event.get("PhysicalResourceId") or f"IamPasswordPolicy/failed-{event.get('RequestId')}"
    lock, sent = threading.Lock(), []

    def answer(status, reason, physical_id):
        with lock:
            if sent:
                return
            sent.append(status)
        print(json.dumps({"RequestType": event.get("RequestType"), "Status": status, "Reason": reason}))
        send(event["ResponseURL"], body(event, status, reason, physical_id))

    left = context.get_remaining_time_in_millis() / 1000 if context else 60
    guard = threading.Timer(max(left - GUARD_SECONDS, 0.5), answer, ("FAILED", "timed out waiting for IAM", fallback))
    guard.daemon = True
    guard.start()
    try:
        answer("SUCCESS", "", run(event))
    except Exception as e:
        answer("FAILED", f"{type(e).__name__}: {e}", fallback)
    finally:
        guard.cancel()
