"""The custom-resource response both inline handlers send (the user-cleanup bundle takes this module
as one of its parts)."""

import json


def body(event, status, reason, physical_id):
    """The response document, at most 4,096 bytes as CloudFormation requires, measured after JSON
    encoding (an escaped character takes up to 12 bytes). A genuine event's ids come to under 700
    bytes; a forged event's may be any size, and are cut before the reason's first 200 characters."""
    out = dict({k: str(event.get(k)) for k in ("StackId", "RequestId", "LogicalResourceId")},
               Status=status, PhysicalResourceId=str(physical_id), Reason=reason)
    # The reason down to 200 characters, then the ids, then the rest of the reason: every character
    # takes at least one byte, so cutting the excess in characters is enough.
    for key, keep in ("Reason", 200), ("PhysicalResourceId", 0), ("RequestId", 0), ("LogicalResourceId", 0), \
            ("StackId", 0), ("Reason", 0):
        out[key] = out[key][:max(len(out[key]) + 4096 - len(json.dumps(out)), keep)]
    return json.dumps(out).encode()
