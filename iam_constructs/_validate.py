"""Checks shared by the constructs; each adds problems to a collector and never raises.

Patterns match whole strings (``fullmatch``): ``re.match("^...$")`` accepts a trailing newline.
IAM's patterns are Java's, where ``\\w`` is ASCII only; Python's ``\\w`` is not, so the classes
here are written out (:mod:`.limits`).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import unicodedata
from typing import Any, Mapping

from . import limits
from ._chars import first_refused
from ._policy import check_unique_sids
from ._tokens import is_unresolved, resolved_length_estimate
from .errors import ProblemCollector, show


def check_name(p: ProblemCollector, field: str, value: Any, *, max_len: int, kind: str) -> None:
    if is_unresolved(value):
        return
    if not isinstance(value, str) or not value:
        p.add(field, f"{show(value)} is not a {kind} name; give a non-empty string")
        return
    if len(value) > max_len:
        p.add(field, f"{show(value)} is {len(value)} characters; IAM allows at most {max_len}")
    if not limits.NAME_PATTERN.fullmatch(value):
        p.add(field, f"{show(value)} has characters IAM refuses ({first_refused(value, _name_char)}); "
                     "use ASCII letters, digits and _+=,.@-")


def check_policy_name(p: ProblemCollector, field: str, value: Any, *, max_len: int) -> None:
    """A customer-managed policy's name: 1 to ``max_len`` characters of IAM's name set."""
    if not (isinstance(value, str) and 0 < len(value) <= max_len and limits.NAME_PATTERN.fullmatch(value)):
        p.add(field, f"{show(value)} is not a managed-policy name; use 1-{max_len} of ASCII letters, digits and "
                     "_+=,.@-")


def check_path(p: ProblemCollector, field: str, value: Any) -> None:
    if is_unresolved(value):
        return
    if not isinstance(value, str):
        p.add(field, f"{show(value)} is not a path; give a string such as '/teams/'")
        return
    if len(value) > limits.PATH_MAX:
        p.add(field, f"{show(value)} is {len(value)} characters; IAM allows at most {limits.PATH_MAX}")
    if not limits.PATH_PATTERN.fullmatch(value):
        p.add(field, f"{show(value)} is not a valid IAM path; it must be '/' or start and end with '/' "
                     "and hold only printable ASCII without spaces, e.g. '/teams/'")


def check_tags(p: ProblemCollector, field: str, tags: Mapping[str, Any]) -> None:
    if not isinstance(tags, Mapping):
        p.add(field, f"{show(tags)} is not a mapping of tag key to value")
        return
    if len(tags) > limits.TAGS_PER_USER_MAX:
        p.add(field, f"{len(tags)} tags; IAM allows at most {limits.TAGS_PER_USER_MAX} per user")
    seen: dict[str, str] = {}
    for key, value in tags.items():
        if is_unresolved(key) or is_unresolved(value):
            continue
        if not isinstance(key, str) or not key:
            p.add(field, f"tag key {show(key)} must be a non-empty string")
            continue
        if len(key) > limits.TAG_KEY_MAX:
            p.add(f"{field}.{key}", f"tag key is {len(key)} characters; IAM allows at most {limits.TAG_KEY_MAX}")
        if not all(map(_tag_char, key)):
            p.add(f"{field}.{key}", f"tag key {show(key)} has characters IAM refuses ({first_refused(key, _tag_char)}); "
                                    "use letters, digits, spaces and _.:/=+-@")
        if key.lower().startswith(limits.TAG_KEY_RESERVED_PREFIX):
            p.add(f"{field}.{key}", f"tag key {show(key)} uses the reserved 'aws:' prefix; rename it")
        if key.lower() in seen:
            p.add(f"{field}.{key}", f"tag key {show(key)} repeats {show(seen[key.lower()])} "
                                    "(IAM tag keys are case-insensitive); keep one")
        seen[key.lower()] = key
        if not isinstance(value, str):
            p.add(f"{field}.{key}", f"tag value {show(value)} must be a string")
            continue
        if len(value) > limits.TAG_VALUE_MAX:
            p.add(f"{field}.{key}", f"tag value is {len(value)} characters; IAM allows at most {limits.TAG_VALUE_MAX}")
        if not all(map(_tag_char, value)):
            p.add(f"{field}.{key}", f"tag value {show(value)} has characters IAM refuses "
                                    f"({first_refused(value, _tag_char)}); use letters, digits, spaces and _.:/=+-@")


def _name_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in limits.NAME_PUNCTUATION)


def _tag_char(c: str) -> bool:
    """IAM's tag pattern, character by character: \\p{L}, \\p{Z}, \\p{N} or _.:/=+-@."""
    return c in limits.TAG_PUNCTUATION or unicodedata.category(c)[0] in limits.TAG_CATEGORIES


def _secret_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in limits.SECRET_NAME_PUNCTUATION)


def check_secret_name(p: ProblemCollector, field: str, value: Any) -> None:
    """A Secrets Manager secret name (CreateSecret Name): 1-512 ASCII letters, digits and /_+=.@-.

    The library names a user's secrets ``/iam-users/<user>/...``, so a user name IAM accepts (a
    comma is legal there) can make a secret name Secrets Manager refuses: call this with the
    secret's name for every user that gets a console password or access keys."""
    if is_unresolved(value):
        return
    if not isinstance(value, str) or not value:
        p.add(field, f"{show(value)} is not a secret name; give a non-empty string")
        return
    if len(value) > limits.SECRET_NAME_MAX:
        p.add(field, f"the secret name {show(value)} is {len(value)} characters; Secrets Manager allows at most "
                     f"{limits.SECRET_NAME_MAX}")
    if not limits.SECRET_NAME_PATTERN.fullmatch(value):
        p.add(field, f"the secret name {show(value)} holds {first_refused(value, _secret_char)}, which Secrets "
                     "Manager refuses in a secret name (it takes ASCII letters, digits and /_+=.@-); choose a name "
                     "without it")


def parse_date(p: ProblemCollector, field: str, value: Any) -> _dt.date | None:
    """Accepts a ``datetime.date`` or an ISO ``YYYY-MM-DD`` string."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    p.add(field, f"{show(value)} is not a date; write it as YYYY-MM-DD, e.g. 2027-06-30")
    return None


def policy_document_size(document: Mapping[str, Any]) -> int | None:
    """Characters IAM counts for a policy document (whitespace outside strings not counted)."""
    return resolved_length_estimate(json.dumps(document, separators=(",", ":"), default=str))


def check_policy_size(p: ProblemCollector, field: str, document: Mapping[str, Any]) -> None:
    """The rules of a whole managed-policy document: at most 6,144 characters without whitespace,
    and each Sid once (the statements themselves: ``_policy.statement``)."""
    check_unique_sids(p, field, document)
    size = policy_document_size(document)
    if size is not None and size > limits.MANAGED_POLICY_DOCUMENT_MAX:
        p.add(field, f"the policy document is {size} characters without whitespace; IAM allows at most "
                     f"{limits.MANAGED_POLICY_DOCUMENT_MAX} for a managed policy: split the statements "
                     "over two groups or use wildcards in resource ARNs")


_ACK_ID = re.compile(r"[A-Za-z0-9.]+::[A-Za-z0-9.]+-[\x21-\x7E]+")


def check_acknowledgements(p: ProblemCollector, field: str, value: Any) -> None:
    """``{"Pack::Pack-Rule": "reason"}``: ids as the validation report prints them, non-empty reasons."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        p.add(field, f"{show(value)} must map a rule id to its reason")
        return
    for rule_id, reason in value.items():
        if not isinstance(rule_id, str) or not _ACK_ID.fullmatch(rule_id):
            p.add(field, f"{show(rule_id)} is not a rule id as the validation report prints it, e.g. "
                         "'AwsSolutions::AwsSolutions-IAM5[Resource::*]' or 'IamConstructs::IamConstructs-UserInGroup'")
        if not isinstance(reason, str) or not reason.strip():
            p.add(f"{field}.{rule_id}", "give the reason the finding is accepted; an empty reason is refused")
