"""Credential-report audit: who should not have the access they have.

One code path for the CLI (`iam-constructs audit`) and the scheduled `CredentialAudit` Lambda:
``audit(iam, ...)`` generates the credential report, waits for it, reads it, joins user tags and
returns findings. Nothing here reads or prints a secret: the report holds dates and flags only.

The audit is total. What it cannot read it names: a line, a value or a user's tags it could not
read is an ``unreadable`` finding for that user (or that line), and the checks that needed it are
skipped, never read as "never used" or "off". When nothing can be audited at all (no report, a
report that is not a credential report, an endpoint that does not answer as IAM does) it raises
``AuditError``, whose message is one line.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeGuard

KINDS = ("console-without-mfa", "access-key-too-old", "password-unused", "access-key-unused", "user-expired",
         "not-in-roster", "missing-from-account", "disabled-but-active", "ready-to-remove", "unreadable",
         # --roster: the account and the roster differ (each finding names the roster line to change)
         "group-not-in-roster", "group-missing-from-account", "membership-drift", "policy-drift", "tag-drift",
         "path-drift")
# Tags the library writes itself (defaults.STACK_TAG, EXPIRY_TAG), not the roster's `tags`.
STACK_TAG = "iam-constructs:stack"
EXPIRY_TAG = "Expiry"
MAX_DETAIL_PAGES = 1000              # GetAccountAuthorizationDetails: 5,000 users, 300 groups, in pages
# The tag a disabled user carries from the day its departure window began (defaults.DISABLED_SINCE_TAG;
# this module stays free of the package's imports, since it is also the audit Lambda's whole code).
DISABLED_SINCE_TAG = "DisabledSince"
DEPARTURE_WINDOW_DAYS = 30
ROOT_ACCOUNT = "<root_account>"
# What the report writes where a date has no value: never used, no key, not for this user.
NEVER = ("N/A", "no_information", "not_supported")
FLAGS = ("password_enabled", "mfa_active", "access_key_1_active", "access_key_2_active")
DATES = ("user_creation_time", "password_last_used", "access_key_1_last_rotated", "access_key_1_last_used_date",
         "access_key_2_last_rotated", "access_key_2_last_used_date")
# The columns the audit reads, in the report's order; the report has more, and may gain more.
REQUIRED_COLUMNS = ("user", "user_creation_time", "password_enabled", "password_last_used", "mfa_active",
                    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
                    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date")
MAX_REPORT_BYTES = 16 * 1024 * 1024  # 5,000 users (IAM's hard quota) make about 2 MB
MAX_REPORT_USERS = 10_000            # twice that quota: more is not an IAM account's report
MAX_TAG_PAGES = 10                   # a user has at most 50 tags: one page
REPORT_ATTEMPTS = 20
USER_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{1,64}")  # IAM's [\w+=,.@-]+, \w being ASCII
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
_MAX_DAYS = _dt.timedelta.max.days


@dataclass(frozen=True, order=True)
class Finding:
    user: str
    kind: str
    detail: str


class AuditError(Exception):
    """Bad input or no access: one readable line, never a traceback."""


class _Unreadable:
    """A value the report should hold but does not: neither a date nor 'never', neither true nor false."""


UNREADABLE = _Unreadable()


# -- showing what was read ---------------------------------------------------------------------

def _printable(text: str) -> str:
    """Each character that would not print (control, line separator, lone surrogate) as its escape."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for c in text)


def _one_line(text: object, limit: int = 300) -> str:
    line = _printable(" ".join(str(text).split()))
    return line if len(line) <= limit else line[:limit] + "..."


def _show(value: object, limit: int = 60) -> str:
    """A value read from the report, a tag or an argument, quoted, on one line, cut to `limit` characters."""
    if not isinstance(value, str):
        return _one_line(repr(value), limit)
    return repr(value[:limit]) + ("..." if len(value) > limit else "")


def _is_user_name(name: object) -> TypeGuard[str]:
    return isinstance(name, str) and USER_NAME.fullmatch(name) is not None


def _who(name: object, otherwise: str) -> str:
    """The name for a finding's user column: the name itself if it prints plainly, else `otherwise`."""
    if isinstance(name, str) and 0 < len(name) <= 128 and name.isprintable() and name == name.strip():
        return name
    return otherwise


def _when(text: object) -> _dt.datetime | None | _Unreadable:
    """A report date: aware (a date without an offset is UTC, as the report's are), None for never."""
    if not isinstance(text, str):
        return UNREADABLE
    if text in NEVER:
        return None
    try:
        when = _dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return UNREADABLE
    return when if when.utcoffset() is not None else when.replace(tzinfo=_dt.timezone.utc)


def _flag(text: object) -> bool | _Unreadable:
    if isinstance(text, str) and text.isascii() and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return UNREADABLE


# -- reading the report ------------------------------------------------------------------------

def _text(content: object) -> str:
    if isinstance(content, (bytearray, memoryview)):
        content = bytes(content)
    if isinstance(content, bytes):
        if len(content) > MAX_REPORT_BYTES:
            raise AuditError(f"the credential report is larger than {MAX_REPORT_BYTES} bytes ({len(content)}); "
                             "an account of 5,000 users makes about 2 MB")
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AuditError(f"the credential report is not UTF-8 text (byte 0x{content[e.start]:02x} at offset "
                             f"{e.start})") from None
    if not isinstance(content, str):
        raise AuditError(f"the credential report is not text but {type(content).__name__}")
    if len(content) > MAX_REPORT_BYTES:
        raise AuditError(f"the credential report is larger than {MAX_REPORT_BYTES} characters ({len(content)})")
    content = content.removeprefix("\ufeff")
    if not content.strip():
        raise AuditError("the credential report is empty")
    return content


def _fields(line: str) -> list[str] | None:
    """One line of the report as its fields, or None if it is not a line of CSV."""
    try:
        rows = list(csv.reader([line], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def parse_report(content: object) -> tuple[list[dict[str, str]], list[Finding]]:
    """The report's rows (column name to text), and ``unreadable`` findings for the lines it cannot use.

    Raises AuditError, one line, when the content is no credential report at all: not UTF-8 text,
    empty, too large, or a header without the columns the audit reads. A line that is not CSV, has
    more or fewer fields than the header, names a user IAM would refuse or repeats a user is named,
    and the other lines are read. A line with the wrong number of fields whose user name is still
    readable keeps a row of that name alone, so the roster comparison still sees the user.
    Fields never hold a line break (user names, ARNs, dates and flags cannot), so each line is
    read on its own: one broken line does not swallow the rest.
    """
    lines = _text(content).split("\n")
    header = _fields(lines[0].removesuffix("\r"))
    if header is None:
        raise AuditError(f"the credential report's first line is not CSV: {_show(lines[0], 120)}")
    names = set(header)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise AuditError(f"the credential report lacks the columns {', '.join(missing)}; its first line is "
                         f"{_show(lines[0], 120)}")
    if len(names) != len(header):
        seen_once: set[str] = set()
        for twice in header:
            if twice in seen_once:
                raise AuditError(f"column {_show(twice)} appears twice in the credential report's header")
            seen_once.add(twice)
    if len(lines) > MAX_REPORT_USERS + 2 and sum(1 for line in lines[1:] if line.strip()) > MAX_REPORT_USERS:
        raise AuditError(f"the credential report has more than {MAX_REPORT_USERS} lines of users; an account "
                         "holds at most 5,000 (a hard IAM quota), so this is not an IAM credential report")
    at = header.index("user")
    rows: list[dict[str, str]] = []
    problems: list[Finding] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines[1:], 2):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        fields = _fields(line)
        where = f"<line {number}>"
        if fields is None:
            problems.append(Finding(where, "unreadable", f"credential report line {number} is not CSV "
                                                         f"({_show(line)}); not audited"))
            continue
        user = fields[at] if len(fields) > at else None
        if len(fields) != len(header):
            problems.append(Finding(user if _is_user_name(user) or user == ROOT_ACCOUNT else where, "unreadable",
                                    f"credential report line {number} has {len(fields)} fields where its header "
                                    f"has {len(header)}; its credentials were not checked"))
            if _is_user_name(user) and user.lower() not in seen:
                seen[user.lower()] = number
                rows.append({"user": user})
            continue
        if user == ROOT_ACCOUNT:  # the root user is not audited; its line is kept for callers that look
            rows.append(dict(zip(header, fields)))
            continue
        if not _is_user_name(user):
            problems.append(_not_a_name(user, where, f"credential report line {number}"))
            continue
        if user.lower() in seen:
            problems.append(_twice(user, f"lines {seen[user.lower()]} and {number}"))
            continue
        seen[user.lower()] = number
        rows.append(dict(zip(header, fields)))
    return rows, problems


def _not_a_name(user: object, where: str, place: str) -> Finding:
    return Finding(_who(user, where), "unreadable", f"{place}: user name {_show(user)} is not an IAM user name; "
                                                    "not audited")


def _twice(user: str, places: str) -> Finding:
    return Finding(user, "unreadable", f"appears more than once in the credential report ({places}; IAM user "
                                       "names are unique regardless of case); only the first was audited")


# -- calling the endpoint ----------------------------------------------------------------------

def _call(operation: str, method, **kwargs):
    """One IAM call. botocore's own errors (ClientError, connection, credentials) pass through; an answer
    botocore cannot even parse (an endpoint that is not IAM) becomes an AuditError."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
        passing: tuple[type[BaseException], ...] = (BotoCoreError, ClientError)
    except ImportError:  # pragma: no cover - the CLI and the Lambda both have botocore
        passing = ()
    try:
        return method(**kwargs)
    except passing:
        raise
    except Exception as e:  # noqa: BLE001 - botocore raises KeyError, ParseError... for non-IAM answers
        raise AuditError(f"{operation}: the endpoint's answer is not an IAM API answer ({type(e).__name__}: "
                         f"{_one_line(e, 160)})") from None


def fetch_report(iam, *, attempts: int = REPORT_ATTEMPTS, pause: float = 2.0,
                 sleep=None) -> tuple[list[dict[str, str]], list[Finding]]:
    """Generates the credential report, waits until it is COMPLETE, returns ``parse_report`` of it."""
    sleep = sleep or time.sleep
    for _ in range(attempts):
        answer = _call("GenerateCredentialReport", iam.generate_credential_report)
        state = answer.get("State") if isinstance(answer, dict) else None
        if not isinstance(state, str):
            raise AuditError("GenerateCredentialReport answered without a State: the endpoint does not answer as "
                             "IAM does")
        if state == "COMPLETE":
            break
        if state not in ("STARTED", "INPROGRESS"):
            raise AuditError(f"GenerateCredentialReport answered State {_show(state)}, which IAM does not use")
        sleep(pause)
    else:
        raise AuditError(f"the credential report was not ready after {attempts} tries; try again in a minute")
    answer = _call("GetCredentialReport", iam.get_credential_report)
    if not isinstance(answer, dict) or "Content" not in answer:
        raise AuditError("GetCredentialReport answered without a report: the endpoint does not answer as IAM does")
    if answer.get("ReportFormat", "text/csv") != "text/csv":
        raise AuditError(f"GetCredentialReport answered a report in format {_show(answer.get('ReportFormat'))}; "
                         "the audit reads text/csv")
    return parse_report(answer["Content"])


def user_tags(iam, user: str) -> dict[str, str]:
    """One user's tags. A ClientError (NoSuchEntity, AccessDenied) passes through; an answer that is not
    IAM's (no tag list, pages without end) is an AuditError."""
    tags: dict[str, str] = {}
    marker = None
    for _ in range(MAX_TAG_PAGES):
        page = _call("ListUserTags", iam.list_user_tags, UserName=user, **({"Marker": marker} if marker else {}))
        listed = page.get("Tags") if isinstance(page, dict) else None
        if not isinstance(listed, list) or not all(
                isinstance(t, dict) and isinstance(t.get("Key"), str) and isinstance(t.get("Value"), str)
                for t in listed):
            raise AuditError(f"ListUserTags for {_show(user)} answered without a list of tags: the endpoint does "
                             "not answer as IAM does")
        tags.update({t["Key"]: t["Value"] for t in listed})
        if not page.get("IsTruncated"):
            return tags
        marker = page.get("Marker")
        if not isinstance(marker, str) or not marker:
            raise AuditError(f"ListUserTags for {_show(user)} answered a truncated page without a Marker")
    raise AuditError(f"ListUserTags for {_show(user)} went on for more than {MAX_TAG_PAGES} pages; a user has at "
                     "most 50 tags")


def read_tags(iam, users: Iterable[str]) -> tuple[dict[str, dict[str, str]], list[Finding]]:
    """Each user's tags, and an ``unreadable`` finding for each user whose tags could not be read
    (deleted since the report was made, or denied). If every read was denied, that is the caller's
    permissions, not the users: the ClientError is raised."""
    try:
        from botocore.exceptions import ClientError
    except ImportError:  # pragma: no cover
        ClientError = ()
    users = list(users)
    tags: dict[str, dict[str, str]] = {}
    problems: list[Finding] = []
    denied = []
    for user in users:
        try:
            tags[user] = user_tags(iam, user)
        except ClientError as e:
            error = e.response.get("Error") if isinstance(getattr(e, "response", None), dict) else None
            code = str((error or {}).get("Code") or "no error code")
            message = _one_line((error or {}).get("Message") or "", 120)
            if code in ACCESS_DENIED:
                denied.append(e)
            if code == "NoSuchEntity":
                why = f"the user was deleted during the audit (ListUserTags: {code})"
            else:
                why = f"its tags could not be read (ListUserTags: {code}{': ' + message if message else ''})"
            problems.append(Finding(user, "unreadable", f"{why}; its Expiry and {DISABLED_SINCE_TAG} tags were "
                                                        "not checked"))
    if denied and len(denied) == len(users):
        raise denied[0]
    return tags, problems


# -- judging -----------------------------------------------------------------------------------

def _days(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AuditError(f"{name} must be a whole number of days >= 1, not {_show(value)}")
    return value


def _span(days: int) -> _dt.timedelta:
    """`days` as a timedelta; more days than a timedelta holds is longer than any two dates apart."""
    return _dt.timedelta(days=min(days, _MAX_DAYS))


def _clock(now: object) -> _dt.datetime:
    if not isinstance(now, _dt.datetime):
        raise AuditError(f"now must be a datetime, not {_show(now)}")
    return now if now.utcoffset() is not None else now.replace(tzinfo=_dt.timezone.utc)


def _rows(rows: object) -> list[Mapping[str, object]]:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
        raise AuditError(f"rows must be the credential report's rows (mappings of column names to text), "
                         f"not {_show(rows)}")
    rows = list(rows)
    for number, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            raise AuditError(f"row {number} is a {type(row).__name__}, not a mapping of column names to text")
    return rows


def _tag_sets(tags: object) -> Mapping[str, Mapping[str, str]]:
    if not isinstance(tags, Mapping):
        raise AuditError(f"tags must map user names to their tags, not {_show(tags)}")
    for user, these in tags.items():
        if not isinstance(these, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in these.items()):
            raise AuditError(f"tags of {_show(user)} must map tag keys to text values, not {_show(these)}")
    return tags


def _roster(roster_users: object) -> list[str] | None:
    if roster_users is None:
        return None
    if isinstance(roster_users, (str, bytes)) or not isinstance(roster_users, Iterable):
        raise AuditError(f"roster_users must be a list of user names, not {_show(roster_users)}")
    names = list(roster_users)
    bad = next((n for n in names if not isinstance(n, str)), None)
    if bad is not None:
        raise AuditError(f"roster_users must be a list of user names; {_show(bad)} is not one")
    return names


def _tag(tags: Mapping[str, str], key: str) -> str | None:
    return next((v for k, v in tags.items() if k.lower() == key.lower()), None)


def _read(row: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """The flags and dates of a row, and what could not be read of them. A column the row does not
    have at all (a caller's partial row) is absent here: off, or never."""
    values: dict[str, object] = {}
    bad: list[str] = []
    for field in FLAGS + DATES:
        if field in row:
            value = _flag(row[field]) if field in FLAGS else _when(row[field])
            values[field] = value
            if value is UNREADABLE:
                bad.append(f"{field} {_show(row[field])} is " +
                           ("neither true nor false" if field in FLAGS else "not a date"))
    return values, bad


def _departure(user: str, values: Mapping[str, object], since_text: str, now: _dt.datetime,
               window_days: int) -> list[Finding]:
    """A disabled user: credentials still on or used since it was disabled, and the end of its window."""
    try:
        since = _dt.date.fromisoformat(since_text)
    except ValueError:
        return [Finding(user, "disabled-but-active", f"{DISABLED_SINCE_TAG} tag {_show(since_text)} is not a "
                                                     "YYYY-MM-DD date, so its departure cannot be followed")]
    out = []
    signs = []
    if values.get("password_enabled") is True:
        signs.append("console password still enabled")
    used = values.get("password_last_used")
    if isinstance(used, _dt.datetime) and used.date() >= since:
        signs.append(f"password used {used.date().isoformat()}")
    for n in (1, 2):
        if values.get(f"access_key_{n}_active") is True:
            signs.append(f"access key {n} still active")
        used = values.get(f"access_key_{n}_last_used_date")
        if isinstance(used, _dt.datetime) and used.date() >= since:
            signs.append(f"access key {n} used {used.date().isoformat()}")
    if signs:
        out.append(Finding(user, "disabled-but-active", f"disabled since {since.isoformat()}, yet: {'; '.join(signs)}"))
    try:
        ends = since + _span(window_days)
    except OverflowError:  # after 9999-12-31: the window has not ended
        return out
    if now.date() >= ends:
        out.append(Finding(user, "ready-to-remove", f"disabled since {since.isoformat()}; the {window_days}-day "
                                                    f"departure window ended {ends.isoformat()}: remove the user "
                                                    "from the roster"))
    return out


def _judge(user: str, row: Mapping[str, object], tags: Mapping[str, str], now: _dt.datetime, key_age: _dt.timedelta,
           unused: _dt.timedelta, max_key_age_days: int, max_unused_days: int, window_days: int) -> list[Finding]:
    values, bad = _read(row)
    findings: list[Finding] = []
    if bad:
        findings.append(Finding(user, "unreadable", f"credential report: {'; '.join(bad)}; the checks that need "
                                                    f"{'it' if len(bad) == 1 else 'them'} were skipped"))
    if values.get("password_enabled") is True:
        if values.get("mfa_active", False) is False:
            findings.append(Finding(user, "console-without-mfa", "console password without an MFA device"))
        last = values.get("password_last_used")
        created = values.get("user_creation_time")
        if isinstance(last, _dt.datetime):
            if now - last > unused:
                findings.append(Finding(user, "password-unused",
                                        f"password last used {last.date().isoformat()}, over {max_unused_days} days"))
        elif last is None and isinstance(created, _dt.datetime) and now - created > unused:
            findings.append(Finding(user, "password-unused",
                                    f"password never used; user created {created.date().isoformat()}"))
    for n in (1, 2):
        if values.get(f"access_key_{n}_active") is not True:
            continue
        rotated = values.get(f"access_key_{n}_last_rotated")
        used = values.get(f"access_key_{n}_last_used_date")
        if isinstance(rotated, _dt.datetime) and now - rotated > key_age:
            findings.append(Finding(user, "access-key-too-old",
                                    f"active key {n} created {rotated.date().isoformat()}, over "
                                    f"{max_key_age_days} days"))
        if isinstance(used, _dt.datetime):
            if now - used > unused:
                findings.append(Finding(user, "access-key-unused",
                                        f"active key {n} last used {used.date().isoformat()}, over "
                                        f"{max_unused_days} days"))
        elif used is None and isinstance(rotated, _dt.datetime) and now - rotated > unused:
            findings.append(Finding(user, "access-key-unused",
                                    f"active key {n} never used; created {rotated.date().isoformat()}"))
    since = _tag(tags, DISABLED_SINCE_TAG)
    if since is not None:  # departing: followed by its window, not by its expiry
        return findings + _departure(user, values, since, now, window_days)
    expiry = _tag(tags, "expiry")
    if expiry is not None:
        try:
            if _dt.date.fromisoformat(expiry) < now.date():
                findings.append(Finding(user, "user-expired", f"Expiry tag {expiry} has passed"))
        except ValueError:
            findings.append(Finding(user, "user-expired", f"Expiry tag {_show(expiry)} is not a YYYY-MM-DD date"))
    return findings


def evaluate(rows: Iterable[Mapping[str, str]], tags: Mapping[str, Mapping[str, str]], *, now: _dt.datetime,
             max_key_age_days: int = 90, max_unused_days: int = 90,
             roster_users: Iterable[str] | None = None,
             departure_window_days: int = DEPARTURE_WINDOW_DAYS) -> list[Finding]:
    """Pure: findings from credential-report rows and user tags.

    A date without an offset is UTC; so is a ``now`` without one. A value that is neither a date nor
    one of NEVER, a flag neither true nor false, a user name IAM would refuse or a user listed twice
    is an ``unreadable`` finding, and the checks that needed it are skipped. A column a row does not
    have at all counts as off, or never. Day limits beyond what dates can span mean "never".
    Arguments of the wrong type raise AuditError.
    """
    now = _clock(now)
    max_key_age_days = _days("max_key_age_days", max_key_age_days)
    max_unused_days = _days("max_unused_days", max_unused_days)
    departure_window_days = _days("departure_window_days", departure_window_days)
    checked, tags, declared = _rows(rows), _tag_sets(tags), _roster(roster_users)
    key_age, unused = _span(max_key_age_days), _span(max_unused_days)
    findings: list[Finding] = []
    audited: dict[str, tuple[str, int]] = {}
    present: set[str] = set()
    for number, row in enumerate(checked, 1):
        user = row.get("user")
        if isinstance(user, str):
            present.add(user.lower())
        if user == ROOT_ACCOUNT:
            continue
        if not _is_user_name(user):
            findings.append(_not_a_name(user, f"<row {number}>", f"row {number}"))
            continue
        if user.lower() in audited:
            findings.append(_twice(user, f"rows {audited[user.lower()][1]} and {number}"))
            continue
        audited[user.lower()] = (user, number)
        findings += _judge(user, row, tags.get(user, {}), now, key_age, unused, max_key_age_days, max_unused_days,
                           departure_window_days)
    if declared is not None:
        names = {u.lower(): u for u in declared}
        findings += [Finding(user, "not-in-roster", "in the account but not declared in the roster")
                     for key, (user, _) in audited.items() if key not in names]
        findings += [Finding(_who(name, _show(name)), "missing-from-account",
                             "declared in the roster but not in the account")
                     for key, name in names.items() if key not in present]
    return sorted(findings)


def audit(iam, *, now: _dt.datetime | None = None, max_key_age_days: int = 90, max_unused_days: int = 90,
          roster_users: Iterable[str] | None = None, sleep=None,
          departure_window_days: int = DEPARTURE_WINDOW_DAYS, roster=None) -> list[Finding]:
    """The whole audit against one IAM client (any endpoint): what it could read judged, what it could
    not read named. With a loaded ``roster``, also its drift against the account (``drift``); its
    users are then the roster users unless ``roster_users`` are given."""
    if roster is not None and roster_users is None:
        roster_users = [u.name for u in roster.users]
    now = _clock(now or _dt.datetime.now(_dt.timezone.utc))
    for name, value in (("max_key_age_days", max_key_age_days), ("max_unused_days", max_unused_days),
                        ("departure_window_days", departure_window_days)):
        _days(name, value)
    roster_users = _roster(roster_users)
    rows, problems = fetch_report(iam, sleep=sleep)
    names = list(dict.fromkeys(r["user"] for r in rows if _is_user_name(r.get("user"))))
    tags, unread = read_tags(iam, names)
    if roster is not None:
        unread = unread + drift(roster, *read_details(iam))
    return sorted(problems + unread + evaluate(rows, tags, now=now, max_key_age_days=max_key_age_days,
                                               max_unused_days=max_unused_days, roster_users=roster_users,
                                               departure_window_days=departure_window_days))


# -- drift: the account against the roster ------------------------------------------------------

def read_details(iam) -> tuple[list[dict], list[dict]]:
    """Users (path, tags, groups) and groups (path, attached policies) of the account, from
    GetAccountAuthorizationDetails: one paginated call, one permission."""
    users: list[dict] = []
    groups: list[dict] = []
    marker = None
    for _ in range(MAX_DETAIL_PAGES):
        page = _call("GetAccountAuthorizationDetails", iam.get_account_authorization_details,
                     Filter=["User", "Group"], **({"Marker": marker} if marker else {}))
        if not isinstance(page, dict) or not isinstance(page.get("UserDetailList", []), list) \
                or not isinstance(page.get("GroupDetailList", []), list):
            raise AuditError("GetAccountAuthorizationDetails answered without user and group lists: the endpoint "
                             "does not answer as IAM does")
        users += [u for u in page.get("UserDetailList") or [] if isinstance(u, dict) and _is_user_name(u.get("UserName"))]
        groups += [g for g in page.get("GroupDetailList") or [] if isinstance(g, dict) and isinstance(g.get("GroupName"), str)]
        if not page.get("IsTruncated"):
            return users, groups
        marker = page.get("Marker")
        if not isinstance(marker, str) or not marker:
            raise AuditError("GetAccountAuthorizationDetails answered a truncated page without a Marker")
    raise AuditError(f"GetAccountAuthorizationDetails went on for more than {MAX_DETAIL_PAGES} pages")


def _policy_key(arn: str) -> str:
    """A policy ARN without its partition (``aws:policy/ReadOnlyAccess``, ``123456789012:policy/x``); a
    roster's AWS-managed name (``ReadOnlyAccess``) the same way."""
    if arn.startswith("arn:"):
        parts = arn.split(":", 5)
        return f"{parts[4]}:{parts[5]}" if len(parts) == 6 else arn
    return f"aws:policy/{arn}"


def _at(roster, item, field: str, kind: str) -> str:
    """``PATH:LINE: users[3].tags``: where in the roster a change goes."""
    line = (getattr(item, "lines", None) or {}).get(field) or getattr(item, "line", 0)
    return f"{roster.path}:{line}: {kind}[{getattr(item, 'index', 0)}].{field}"


def drift(roster, users: Iterable[Mapping], groups: Iterable[Mapping]) -> list[Finding]:
    """Pure: where the account (GetAccountAuthorizationDetails' users and groups) and a loaded roster
    differ: groups either side, memberships, paths, tags, attached managed policies. Users on one side
    only are the report's ``not-in-roster`` and ``missing-from-account``, not repeated here.

    A group's customer-managed policies that the roster does not list by ARN (the one its
    ``statements`` make, the MFA pair) get names from CloudFormation, so they are counted, not named:
    more of them than the roster makes is drift (a policy made by hand, or one converted into
    ``statements`` at adoption and not yet detached)."""
    findings: list[Finding] = []
    account_users = {u["UserName"].lower(): u for u in users}
    account_groups = {g["GroupName"].lower(): g for g in groups}
    declared_groups = {g.name.lower(): g for g in roster.groups}
    mfa = roster.mfa_groups() if hasattr(roster, "mfa_groups") else set()
    for key, group in account_groups.items():
        if key not in declared_groups:
            findings.append(Finding(group["GroupName"], "group-not-in-roster",
                                    f"group in the account but not declared in the roster; add it under groups: "
                                    f"in {roster.path}, or delete it"))
    for key, spec in declared_groups.items():
        g = account_groups.get(key)
        if g is None:
            findings.append(Finding(spec.name, "group-missing-from-account",
                                    f"declared at {roster.path}:{spec.line} but not in the account: deploy the "
                                    "roster, or remove it there"))
            continue
        if g.get("Path", "/") != spec.path:
            findings.append(Finding(spec.name, "path-drift",
                                    f"group path is {_show(g.get('Path'))} in the account, {_show(spec.path)} in "
                                    f"the roster: change {_at(roster, spec, 'path', 'groups')}, or the group"))
        listed = {_policy_key(p): p for p in spec.managed_policies}
        attached = [p.get("PolicyArn", "") for p in g.get("AttachedManagedPolicies") or [] if isinstance(p, dict)]
        keys = {_policy_key(a): a for a in attached}
        for k, arn in sorted(keys.items()):
            if k not in listed and k.startswith("aws:"):
                findings.append(Finding(spec.name, "policy-drift",
                                        f"{arn} is attached in the account, not in the roster: add it to "
                                        f"{_at(roster, spec, 'managed_policies', 'groups')}, or detach it"))
        for k, name in listed.items():
            if k not in keys:
                findings.append(Finding(spec.name, "policy-drift",
                                        f"{name} is listed at {_at(roster, spec, 'managed_policies', 'groups')} but "
                                        "not attached in the account: deploy the roster, or remove it there"))
        own = (1 if spec.statements else 0) + (2 if spec.name.lower() in mfa else 0)
        local = sorted(a for k, a in keys.items() if k not in listed and not k.startswith("aws:"))
        if len(local) > own:
            findings.append(Finding(spec.name, "policy-drift",
                                    f"{len(local)} customer-managed policies attached ({', '.join(local)}) where the "
                                    f"roster makes {own} ({'statements' if spec.statements else 'no statements'}"
                                    f"{', MFA pair' if own > 1 else ''}, {_at(roster, spec, 'statements', 'groups')}): "
                                    "detach the ones made by hand or converted into statements"))
    for spec in roster.users:
        u = account_users.get(spec.name.lower())
        if u is None:
            continue
        if u.get("Path", "/") != spec.path:
            findings.append(Finding(spec.name, "path-drift",
                                    f"user path is {_show(u.get('Path'))} in the account, {_show(spec.path)} in the "
                                    f"roster: change {_at(roster, spec, 'path', 'users')}, or the user"))
        have = {g.lower(): g for g in u.get("GroupList") or [] if isinstance(g, str)}
        want = {g.lower(): g for g in spec.groups}
        for key in sorted(set(have) - set(want)):
            findings.append(Finding(spec.name, "membership-drift",
                                    f"member of {have[key]} in the account, not in the roster: add it to "
                                    f"{_at(roster, spec, 'groups', 'users')}, or remove the user from the group"))
        for key in sorted(set(want) - set(have)):
            findings.append(Finding(spec.name, "membership-drift",
                                    f"listed in {want[key]} at {_at(roster, spec, 'groups', 'users')} but not a member "
                                    "in the account: deploy the roster, or remove it there"))
        tags = {t["Key"]: t["Value"] for t in u.get("Tags") or []
                if isinstance(t, dict) and isinstance(t.get("Key"), str) and t["Key"] != STACK_TAG}
        expected = {str(k): str(v) for k, v in spec.tags.items()}
        if getattr(spec, "expires", None) is not None:
            expected.setdefault(EXPIRY_TAG, spec.expires.isoformat())
        if getattr(spec, "disabled_since", None) is not None:
            expected.setdefault(DISABLED_SINCE_TAG, spec.disabled_since.isoformat())
        where = _at(roster, spec, "tags", "users")
        for key in sorted(set(tags) | set(expected)):
            if key not in expected:
                findings.append(Finding(spec.name, "tag-drift", f"tag {_show(key)} = {_show(tags[key])} in the "
                                                                f"account, not in the roster: add it at {where}, or "
                                                                "remove it from the user"))
            elif key not in tags:
                findings.append(Finding(spec.name, "tag-drift", f"tag {_show(key)} = {_show(expected[key])} in the "
                                                                f"roster ({where}) but not on the user: deploy the "
                                                                "roster, or remove it there"))
            elif tags[key] != expected[key]:
                findings.append(Finding(spec.name, "tag-drift", f"tag {_show(key)} is {_show(tags[key])} in the "
                                                                f"account, {_show(expected[key])} in the roster: "
                                                                f"change {where}, or the user's tag"))
    return sorted(findings)


def as_json(findings: list[Finding]) -> str:
    return json.dumps({"findings": [asdict(f) for f in findings], "count": len(findings)}, indent=2, sort_keys=True)


def as_table(findings: list[Finding]) -> str:
    if not findings:
        return "no findings"
    cells = [tuple(_printable(v) for v in (f.user, f.kind, f.detail)) for f in findings]
    widths = [max(len(c[i]) for c in cells + [("user", "finding", "detail")]) for i in range(3)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(("user", "finding", "detail"), widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(c, widths)) for c in cells]
    return "\n".join(lines) + f"\n{len(findings)} finding(s)"


# -- CLI ---------------------------------------------------------------------------------------

CONNECT_TIMEOUT, READ_TIMEOUT = 10, 30  # seconds, per attempt; IAM answers in well under a second
PERMISSIONS = {"GenerateCredentialReport": "iam:GenerateCredentialReport",
               "GetCredentialReport": "iam:GetCredentialReport", "ListUserTags": "iam:ListUserTags",
               "GetAccountAuthorizationDetails": "iam:GetAccountAuthorizationDetails"}


def _positive(text: str) -> int:
    """A whole number of days, in ASCII digits, at least 1. More days than dates span means never."""
    import argparse
    digits = text.strip()
    if re.fullmatch(r"-?[0-9]+", digits) is None:
        raise argparse.ArgumentTypeError(f"{_show(text, 20)} is not a whole number of days")
    significant = digits.lstrip("-").lstrip("0")
    if digits.startswith("-") or not significant:
        raise argparse.ArgumentTypeError(f"{_show(digits, 20)[1:-1]} must be at least 1 day")
    return int(significant) if len(significant) <= 18 else 10 ** 18


def add_arguments(p) -> None:
    p.add_argument("--endpoint-url", help="IAM endpoint (e.g. LocalStack's http://127.0.0.1:4566)")
    p.add_argument("--region", help="AWS region for the client; default: boto3's configuration")
    p.add_argument("--profile", help="AWS profile; default: boto3's credential chain")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--roster", help="also report users the roster does not declare, roster users not in the account, "
                                    "and drift: groups, memberships, paths, tags and attached managed policies that "
                                    "differ from the roster (needs iam:GetAccountAuthorizationDetails)")
    p.add_argument("--max-key-age-days", type=_positive, default=90)
    p.add_argument("--max-unused-days", type=_positive, default=90)
    p.add_argument("--departure-window-days", type=_positive, default=None,
                   help="days a disabled user (DisabledSince tag) is kept before it is reported ready to remove; "
                        f"default: the roster's account.departure_window_days, else {DEPARTURE_WINDOW_DAYS}")


def _endpoint_problem(url: str | None) -> str | None:
    if url is None:
        return None
    from urllib.parse import urlsplit
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
        usable = (parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
                  and not any(c.isspace() or not c.isprintable() for c in url))
    except ValueError:
        usable = False
    return None if usable else f"--endpoint-url {_show(url)} is not an http(s) URL (e.g. http://127.0.0.1:4566)"


def _client_error(e, endpoint: str | None) -> str:
    op = getattr(e, "operation_name", None) or "an IAM call"
    response: dict[str, Any] = e.response if isinstance(getattr(e, "response", None), dict) else {}
    raw_error = response.get("Error")
    error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
    code, message = str(error.get("Code") or ""), _one_line(error.get("Message") or "", 200)
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode", "?")
    if code in ACCESS_DENIED:
        return f"audit: access denied: the caller needs {PERMISSIONS.get(op, op)} ({code})"
    if not code or code.isdigit() or code == "Unknown":
        return (f"audit: {op} failed: HTTP {status} from {_show(endpoint) if endpoint else 'the endpoint'}, "
                f"which is not an IAM API answer{': ' + message if message else ''}")
    return f"audit: {op} failed: {_one_line(code, 80)}: {message}"


def _emit(text: str, stream) -> None:
    """Writes a line whatever the stream can encode, and quietly if its reader has gone (`audit | head`)."""
    try:
        try:
            print(text, file=stream)
        except UnicodeEncodeError:
            encoding = getattr(stream, "encoding", None) or "ascii"
            print(text.encode(encoding, "backslashreplace").decode(encoding, "replace"), file=stream)
        stream.flush()
    except BrokenPipeError:
        import os
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (OSError, ValueError):
            pass


def _say(line: str) -> None:
    import sys
    _emit(line, sys.stderr)


def run_cli(args) -> int:
    """`iam-constructs audit`: 0 no findings, 1 findings, 2 cannot audit (one line on stderr; an
    unexpected error is reported as a bug by the CLI, in one line)."""
    import sys

    import boto3
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )
    problem = _endpoint_problem(args.endpoint_url)
    if problem:
        _say(f"audit: {problem}")
        return 2
    roster_users = None
    roster = None
    window = args.departure_window_days
    if args.roster:
        try:
            from .errors import print_problems
            from .roster import load_roster
            roster, problems = load_roster(args.roster)
        except Exception as e:  # noqa: BLE001 - the roster reader's bug: one line, never a traceback
            try:
                path = args.roster.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            except UnicodeError:
                path = _printable(args.roster)
            _say(f"{path}:0: roster: could not be read ({type(e).__name__}: {_one_line(e, 200)}); this is a bug "
                 "in iam-constructs, please report it with the roster")
            return 2
        if problems or roster is None:  # None comes with its problems
            print_problems(problems)
            return 2
        roster_users = [u.name for u in roster.users]
        window = window or roster.departure_window_days
    try:
        session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
        iam = session.client("iam", endpoint_url=args.endpoint_url,
                             config=Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT))
        findings = audit(iam, max_key_age_days=args.max_key_age_days, max_unused_days=args.max_unused_days,
                         roster_users=roster_users, departure_window_days=window or DEPARTURE_WINDOW_DAYS,
                         roster=roster)
    except AuditError as e:
        _say(f"audit: {_one_line(e, 400)}")
        return 2
    except ClientError as e:
        _say(_client_error(e, args.endpoint_url))
        return 2
    except NoCredentialsError:
        _say("audit: no AWS credentials found (environment, profile or instance role)")
        return 2
    except (ConnectTimeoutError, ReadTimeoutError) as e:
        _say(f"audit: {_one_line(e.kwargs.get('endpoint_url') or args.endpoint_url, 200)} did not answer in time "
             f"({type(e).__name__}); is it an IAM API?")
        return 2
    except EndpointConnectionError as e:
        _say(f"audit: cannot reach {_one_line(e.kwargs.get('endpoint_url') or args.endpoint_url, 200)}")
        return 2
    except (BotoCoreError, ValueError, OSError) as e:  # configuration: profile, region, retries, CA bundle
        _say(f"audit: {type(e).__name__}: {_one_line(e, 300)}")
        return 2
    _emit(as_json(findings) if args.format == "json" else as_table(findings), sys.stdout)
    return 1 if findings else 0


# -- Lambda (CredentialAudit) ------------------------------------------------------------------

def lambda_handler(event, context):
    """Entry point of the scheduled audit: the same ``audit`` as the CLI, findings to SNS."""
    import os

    import boto3
    roster = json.loads(os.environ.get("ROSTER_USERS") or "null")
    findings = audit(boto3.client("iam"), max_key_age_days=int(os.environ.get("MAX_KEY_AGE_DAYS", "90")),
                     max_unused_days=int(os.environ.get("MAX_UNUSED_DAYS", "90")), roster_users=roster,
                     departure_window_days=int(os.environ.get("DEPARTURE_WINDOW_DAYS", str(DEPARTURE_WINDOW_DAYS))))
    if findings:
        message = as_table(findings) + "\n\n" + as_json(findings)
        boto3.client("sns").publish(  # SNS takes 256 KB: cut by bytes, not characters
            TopicArn=os.environ["TOPIC_ARN"], Subject=f"IAM credential audit: {len(findings)} finding(s)"[:100],
            Message=message.encode("utf-8")[:250_000].decode("utf-8", "ignore"))
    print(json.dumps({"findings": len(findings), "kinds": sorted({f.kind for f in findings})}))
    return {"count": len(findings)}
