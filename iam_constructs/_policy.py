"""Policy documents as plain data: statements, managed-policy ARNs, partition-aware."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from ._tokens import is_unresolved, partition
from .errors import ProblemCollector, show

_ACTION = re.compile(r"^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$")
_MANAGED_NAME = re.compile(r"^([\w+=,.@-]+/)*[\w+=,.@-]+$")
_POLICY_ARN = re.compile(r"^arn:[\w-]+:iam::(aws|\d{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]+$")

_STATEMENT_KEYS = {
    "sid": "Sid",
    "effect": "Effect",
    "actions": "Action",
    "not_actions": "NotAction",
    "resources": "Resource",
    "not_resources": "NotResource",
    "conditions": "Condition",
}


def document(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def managed_policy_arn(p: ProblemCollector, field: str, value: Any) -> str | None:
    """An AWS-managed policy name (``ReadOnlyAccess``, ``job-function/ViewOnlyAccess``) or a full
    policy ARN, as a partition-aware ARN. Tokens pass through unchanged."""
    if is_unresolved(value):
        return value
    if isinstance(value, str) and value.startswith("arn:"):
        if _POLICY_ARN.match(value):
            return value
        p.add(field, f"{show(value)} is not an IAM policy ARN; expected arn:PARTITION:iam::ACCOUNT|aws:policy/NAME")
        return None
    if isinstance(value, str) and _MANAGED_NAME.match(value):
        return f"arn:{partition()}:iam::aws:policy/{value}"
    p.add(field, f"{show(value)} is neither an AWS-managed policy name (e.g. 'ReadOnlyAccess') nor a policy ARN")
    return None


def statement(p: ProblemCollector, field: str, value: Any) -> dict[str, Any] | None:
    """One least-privilege statement, from ``{actions:, resources:, effect:, conditions:, sid:}``
    (``not_actions`` / ``not_resources`` also accepted) or an ``aws_iam.PolicyStatement``."""
    if hasattr(value, "to_statement_json"):  # aws_iam.PolicyStatement: one jsii call
        return dict(value.to_statement_json())
    if not isinstance(value, Mapping):
        p.add(field, f"{show(value)} is not a statement; give a mapping with 'actions' and 'resources'")
        return None
    unknown = sorted(set(value) - set(_STATEMENT_KEYS))
    for key in unknown:
        p.add(f"{field}.{key}", f"unknown statement key; allowed: {', '.join(_STATEMENT_KEYS)}")
    out: dict[str, Any] = {}
    effect = value.get("effect", "Allow")
    if effect not in ("Allow", "Deny"):
        p.add(f"{field}.effect", f"{show(effect)} must be 'Allow' or 'Deny'")
    sid = value.get("sid")
    if sid is not None:
        if not isinstance(sid, str) or not re.match(r"^[A-Za-z0-9]+$", sid):
            p.add(f"{field}.sid", f"{show(sid)} must be letters and digits only")
        out["Sid"] = sid
    out["Effect"] = effect
    if ("actions" in value) == ("not_actions" in value):
        p.add(field, "give exactly one of 'actions' or 'not_actions'")
    if ("resources" in value) == ("not_resources" in value):
        p.add(field, "give exactly one of 'resources' or 'not_resources'")
    for key in ("actions", "not_actions"):
        if key in value:
            out[_STATEMENT_KEYS[key]] = _string_list(p, f"{field}.{key}", value[key], _ACTION,
                                                      "an IAM action such as 's3:GetObject'")
    for key in ("resources", "not_resources"):
        if key in value:
            out[_STATEMENT_KEYS[key]] = _string_list(p, f"{field}.{key}", value[key], None, "")
    if "conditions" in value:
        cond = value["conditions"]
        if not isinstance(cond, Mapping) or not all(isinstance(v, Mapping) for v in cond.values()):
            p.add(f"{field}.conditions", f"{show(cond)} must map an operator to {{key: value}}, "
                                         "e.g. {StringEquals: {'aws:RequestedRegion': 'eu-west-1'}}")
        else:
            out["Condition"] = {k: dict(v) for k, v in cond.items()}
    return out


def _string_list(p: ProblemCollector, field: str, value: Any, pattern: re.Pattern | None, what: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        p.add(field, f"{show(value)} must be a non-empty list of strings")
        return []
    for item in items:
        if is_unresolved(item):
            continue
        if not isinstance(item, str) or not item:
            p.add(field, f"{show(item)} must be a non-empty string")
        elif pattern is not None and not pattern.match(item):
            p.add(field, f"{show(item)} is not {what}")
    return list(items)
