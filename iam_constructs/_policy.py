"""Policy documents as plain data: statements, managed-policy ARNs, partition-aware.

Checked as IAM checks them (IAM JSON policy reference): Version, Sid, Effect, actions
(``service:Action``, known to IAM's catalogue), resources (``*`` or an ARN of a known partition),
condition operators; AWS-managed policy names against the list of AWS-managed policies. The
catalogues and how they stay current: :mod:`iam_constructs._catalogue`.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Mapping, Sequence

from . import _catalogue, limits
from ._chars import first_refused
from ._tokens import is_unresolved, partition
from .errors import ProblemCollector, show

_MANAGED_NAME = re.compile(r"([A-Za-z0-9_+=,.@-]+/)*[A-Za-z0-9_+=,.@-]+")
_POLICY_ARN = re.compile(r"arn:([a-z-]+):iam::(aws|\d{12}):policy/(([A-Za-z0-9_+=,.@-]+/)*[A-Za-z0-9_+=,.@-]+)")

_STATEMENT_KEYS = {
    "sid": "Sid",
    "effect": "Effect",
    "actions": "Action",
    "not_actions": "NotAction",
    "resources": "Resource",
    "not_resources": "NotResource",
    "conditions": "Condition",
}


_JSON_STATEMENT_KEYS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                        "Condition")


def document(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def managed_policy_arn(p: ProblemCollector, field: str, value: Any) -> str | None:
    """An AWS-managed policy name (``ReadOnlyAccess``, ``job-function/ViewOnlyAccess``) or a full
    policy ARN, as a partition-aware ARN. Tokens pass through unchanged.

    A name must be one of the AWS-managed policies (:mod:`._catalogue`); a full ARN is checked for
    its shape only, which is the way to name a policy AWS released after that list."""
    if is_unresolved(value):
        return value
    if isinstance(value, str) and value.startswith("arn:"):
        match = _POLICY_ARN.fullmatch(value)
        if match and match.group(1) in limits.PARTITIONS:
            return value
        if match:
            p.add(field, f"{show(value)} names the partition {match.group(1)!r}; IAM has "
                         f"{', '.join(limits.PARTITIONS)}")
            return None
        p.add(field, f"{show(value)} is not an IAM policy ARN; expected arn:PARTITION:iam::ACCOUNT|aws:policy/NAME")
        return None
    if isinstance(value, str) and _MANAGED_NAME.fullmatch(value):
        problem = _catalogue.managed_policy_problem(value)
        if problem is not None:
            p.add(field, problem)
            return None
        return f"arn:{partition()}:iam::aws:policy/{value}"
    p.add(field, f"{show(value)} is neither an AWS-managed policy name (e.g. 'ReadOnlyAccess') nor a policy ARN")
    return None


def statement(p: ProblemCollector, field: str, value: Any) -> dict[str, Any] | None:
    """One least-privilege statement, from ``{actions:, resources:, effect:, conditions:, sid:}``
    (``not_actions`` / ``not_resources`` also accepted) or an ``aws_iam.PolicyStatement``; None
    when it has a problem. Sids unique within the document: :func:`check_unique_sids`."""
    before = len(p.problems)
    if hasattr(value, "to_statement_json"):  # aws_iam.PolicyStatement: one jsii call
        given = dict(value.to_statement_json())
        _check_json_statement(p, field, given)
        return given if len(p.problems) == before else None
    if not isinstance(value, Mapping):
        p.add(field, f"{show(value)} is not a statement; give a mapping with 'actions' and 'resources'")
        return None
    unknown = sorted((k for k in value if k not in _STATEMENT_KEYS), key=repr)
    for key in unknown:
        p.add(f"{field}.{key}", f"unknown statement key; allowed: {', '.join(_STATEMENT_KEYS)}")
    out: dict[str, Any] = {}
    effect = value.get("effect", "Allow")
    _check_effect(p, f"{field}.effect", effect)
    sid = value.get("sid")
    if sid is not None:
        _check_sid(p, f"{field}.sid", sid)
        out["Sid"] = sid
    out["Effect"] = effect
    if ("actions" in value) == ("not_actions" in value):
        p.add(field, "give exactly one of 'actions' or 'not_actions'")
    if ("resources" in value) == ("not_resources" in value):
        p.add(field, "give exactly one of 'resources' or 'not_resources'")
    for key in ("actions", "not_actions"):
        if key in value:
            out[_STATEMENT_KEYS[key]] = _string_list(p, f"{field}.{key}", value[key], check_action)
    for key in ("resources", "not_resources"):
        if key in value:
            out[_STATEMENT_KEYS[key]] = _string_list(p, f"{field}.{key}", value[key], check_resource)
    if "conditions" in value:
        condition = check_condition(p, f"{field}.conditions", value["conditions"])
        if condition is not None:
            out["Condition"] = condition
    return out if len(p.problems) == before else None


def check_unique_sids(p: ProblemCollector, field: str, document: Mapping[str, Any]) -> None:
    """Each Sid once in a policy document (IAM refuses the document otherwise)."""
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, (list, tuple)):
        return
    seen: dict[str, int] = {}
    for i, s in enumerate(statements):
        sid = s.get("Sid") if isinstance(s, Mapping) else None
        if not isinstance(sid, str) or is_unresolved(sid):
            continue
        if sid in seen:
            p.add(field, f"the Sid {show(sid)} is given to statements {seen[sid]} and {i}; Sids must be unique "
                         "within a policy: rename one")
        else:
            seen[sid] = i


def check_document(p: ProblemCollector, field: str, value: Any) -> None:
    """A whole policy document in IAM's JSON form (``Version``, ``Statement``): the grammar of
    each statement as :func:`statement` checks it, plus the Version and Sids unique in the document."""
    if is_unresolved(value):
        return
    if not isinstance(value, Mapping):
        p.add(field, f"{show(value)} is not a policy document; give a mapping with 'Version' and 'Statement'")
        return
    for key in value:
        if key not in ("Version", "Id", "Statement"):
            p.add(f"{field}.{key}", "unknown policy key; allowed: Version, Id, Statement")
    check_version(p, f"{field}.Version", value.get("Version"))
    statements = value.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, (list, tuple)) or not statements:
        p.add(f"{field}.Statement", f"{show(statements)} must be a non-empty list of statements")
        return
    for i, s in enumerate(statements):
        if not is_unresolved(s):
            _check_json_statement(p, f"{field}.Statement[{i}]", s)
    check_unique_sids(p, f"{field}.Statement", value)


def _check_json_statement(p: ProblemCollector, where: str, s: Any) -> None:
    """One statement in IAM's JSON form (``Sid``, ``Effect``, ``Action``...)."""
    if not isinstance(s, Mapping):
        p.add(where, f"{show(s)} is not a statement; give a mapping with 'Effect', 'Action' and 'Resource'")
        return
    for key in s:
        if key not in _JSON_STATEMENT_KEYS:
            p.add(f"{where}.{key}", f"unknown statement key; allowed: {', '.join(_JSON_STATEMENT_KEYS)}")
    if "Sid" in s:
        _check_sid(p, f"{where}.Sid", s["Sid"])
    _check_effect(p, f"{where}.Effect", s.get("Effect"))
    if ("Action" in s) == ("NotAction" in s):
        p.add(where, "give exactly one of 'Action' or 'NotAction'")
    for key in ("Action", "NotAction"):
        if key in s:
            _string_list(p, f"{where}.{key}", s[key], check_action)
    if ("Resource" in s) == ("NotResource" in s) and "Principal" not in s and "NotPrincipal" not in s:
        p.add(where, "give exactly one of 'Resource' or 'NotResource'")
    for key in ("Resource", "NotResource"):
        if key in s:
            _string_list(p, f"{where}.{key}", s[key], check_resource)
    if "Condition" in s:
        check_condition(p, f"{where}.Condition", s["Condition"])


def check_version(p: ProblemCollector, field: str, value: Any) -> None:
    """``Version``: the string ``2012-10-17`` (or the older ``2008-10-17``): not true, not a number."""
    if is_unresolved(value):
        return
    if not (isinstance(value, str) and value in limits.POLICY_VERSIONS):
        p.add(field, f"{show(value)} is not a policy language version; write the string '2012-10-17'"
                     + (" (quoted: YAML reads an unquoted value as a number, a date or true)"
                        if not isinstance(value, str) else ""))


def _check_effect(p: ProblemCollector, field: str, value: Any) -> None:
    if not (isinstance(value, str) and value in ("Allow", "Deny")):
        p.add(field, f"{show(value)} must be 'Allow' or 'Deny'")


def _check_sid(p: ProblemCollector, field: str, value: Any) -> None:
    if is_unresolved(value):
        return
    if not isinstance(value, str) or not limits.SID_PATTERN.fullmatch(value):
        p.add(field, f"{show(value)} must be letters and digits only (A-Z, a-z, 0-9)")


def check_action(p: ProblemCollector, field: str, value: str) -> None:
    """``service:Action`` (wildcards ``*`` ``?`` in the action part) or ``*``, naming at least one
    action IAM knows."""
    if not limits.ACTION_PATTERN.fullmatch(value):
        p.add(field, f"{show(value)} is not an IAM action such as 's3:GetObject': a service prefix, a colon and "
                     "an action name of letters and digits (wildcards * and ? allowed in the name)")
        return
    problem = _catalogue.action_problem(value)
    if problem is not None:
        p.add(field, problem)


_ARN_REGION = re.compile(r"[a-z0-9*?-]*")
_ARN_ACCOUNT = re.compile(r"\d{12}|aws|(?=[0-9]*[*?])[0-9*?]{1,12}|")
_ARN_RESOURCE = re.compile(r"[\x21-\x7E]+")


def check_resource(p: ProblemCollector, field: str, value: str) -> None:
    """``*`` or ``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE``: a partition IAM has, a service in
    lower case, a region and an account (12 digits, ``aws`` or empty) where wildcards ``*`` ``?``
    may stand for characters, and a resource part of printable ASCII without spaces (wildcards and
    policy variables such as ``${aws:username}`` allowed; a space or another character is matched
    by ``?``)."""
    if value == "*":
        return
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        p.add(field, f"{show(value)} is not an ARN; give '*' or arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, "
                     "e.g. 'arn:aws:s3:::my-bucket/*'")
        return
    _, part, service, region, account, resource = parts
    if part not in limits.PARTITIONS:
        p.add(field, f"{show(value)} names the partition {part!r}; IAM has {', '.join(limits.PARTITIONS)}")
    if not re.fullmatch(r"[a-z0-9-]+", service):
        p.add(field, f"{show(value)} has the service {service!r}; an ARN's service is lower-case letters, digits "
                     "and '-', e.g. 's3'")
    if not _ARN_REGION.fullmatch(region):
        p.add(field, f"{show(value)} has the region {region!r}; give a region such as 'eu-west-1', '*' or nothing")
    if not _ARN_ACCOUNT.fullmatch(account):
        p.add(field, f"{show(value)} has the account {account!r}; give 12 digits, '*' or nothing")
    if not resource:
        p.add(field, f"{show(value)} has an empty resource part; give the resource, e.g. 'bucket/*'")
    elif not _ARN_RESOURCE.fullmatch(resource):
        p.add(field, f"{show(value)} has {first_refused(resource, _printable_ascii)} in its resource part, which "
                     "IAM policies do not take; match it with '?'")


def _printable_ascii(c: str) -> bool:
    return "\x21" <= c <= "\x7e"


def _condition_operators() -> list[str]:
    ops = list(limits.CONDITION_OPERATOR_ALONE)
    for base in limits.CONDITION_OPERATORS:
        for prefix in ("",) + limits.CONDITION_SET_PREFIXES:
            ops += [prefix + base, prefix + base + limits.CONDITION_IF_EXISTS]
    return ops


_OPERATORS = frozenset(_condition_operators())


def check_condition(p: ProblemCollector, field: str, value: Any) -> dict[str, Any] | None:
    """``{operator: {key: value or [values]}}`` with operators IAM has: ``StringEquals`` and the
    rest of the IAM JSON policy reference, with ``IfExists`` and ``ForAllValues:``/``ForAnyValue:``."""
    if is_unresolved(value):
        return value
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        p.add(field, f"{show(value)} must map an operator to {{key: value}}, "
                     "e.g. {StringEquals: {'aws:RequestedRegion': 'eu-west-1'}}")
        return None
    ok = True
    for operator, block in value.items():
        if not isinstance(operator, str) or operator not in _OPERATORS:
            near = difflib.get_close_matches(operator, _OPERATORS, n=1) if isinstance(operator, str) else []
            p.add(f"{field}.{operator}", f"{show(operator)} is not an IAM condition operator"
                  + (f"; did you mean {near[0]!r}?" if near else "; e.g. StringEquals, StringLike, ArnLike, Bool, "
                                                                 "IpAddress, NumericLessThan, DateGreaterThan, Null"))
            ok = False
        for key, operand in block.items():
            if is_unresolved(key):
                continue
            if not isinstance(key, str) or not key or not all(c.isprintable() for c in key):
                p.add(f"{field}.{operator}", f"{show(key)} is not a condition key such as 'aws:RequestedRegion'")
                ok = False
            items = operand if isinstance(operand, (list, tuple)) else [operand]
            if not items or not all(is_unresolved(i) or (isinstance(i, (str, bool, int, float))) for i in items):
                p.add(f"{field}.{operator}.{key}", f"{show(operand)} must be a string, number or boolean, "
                                                   "or a non-empty list of them (quote dates and times)")
                ok = False
    return {k: dict(v) for k, v in value.items()} if ok else None


def _string_list(p: ProblemCollector, field: str, value: Any, check: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        p.add(field, f"{show(value)} must be a non-empty list of strings")
        return []
    for item in items:
        if is_unresolved(item):
            continue
        if not isinstance(item, str) or not item:
            p.add(field, f"{show(item)} must be a non-empty string")
        else:
            check(p, field, item)
    return list(items)
