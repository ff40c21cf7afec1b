"""Credential-report audit: who should not have the access they have.

One code path for the CLI (`iam-constructs audit`) and the scheduled `CredentialAudit` Lambda:
``audit(iam, ...)`` generates the credential report, waits for it, reads it, joins user tags and
returns findings. Nothing here reads or prints a secret: the report holds dates and flags only.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import time
from dataclasses import asdict, dataclass
from typing import Iterable

KINDS = ("console-without-mfa", "access-key-too-old", "password-unused", "access-key-unused", "user-expired",
         "not-in-roster", "missing-from-account", "disabled-but-active", "ready-to-remove")
# The tag a disabled user carries from the day its departure window began (defaults.DISABLED_SINCE_TAG;
# this module stays free of the package's imports, since it is also the audit Lambda's whole code).
DISABLED_SINCE_TAG = "DisabledSince"
DEPARTURE_WINDOW_DAYS = 30
ROOT_ACCOUNT = "<root_account>"
NEVER = ("N/A", "no_information", "not_supported", "")


@dataclass(frozen=True, order=True)
class Finding:
    user: str
    kind: str
    detail: str


class AuditError(Exception):
    """Bad input or no access: one readable line, never a traceback."""


def _when(text: str) -> _dt.datetime | None:
    if text in NEVER:
        return None
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def fetch_report(iam, *, attempts: int = 20, pause: float = 2.0, sleep=time.sleep) -> list[dict[str, str]]:
    """Generates the credential report, waits until it is COMPLETE, returns its rows."""
    for _ in range(attempts):
        if iam.generate_credential_report()["State"] == "COMPLETE":
            break
        sleep(pause)
    else:
        raise AuditError(f"the credential report was not ready after {attempts} tries; try again in a minute")
    content = iam.get_credential_report()["Content"]
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return list(csv.DictReader(io.StringIO(text)))


def user_tags(iam, user: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in iam.get_paginator("list_user_tags").paginate(UserName=user):
        tags.update({t["Key"]: t["Value"] for t in page["Tags"]})
    return tags


def _tag(tags: dict[str, str], key: str) -> str | None:
    return next((v for k, v in tags.items() if k.lower() == key.lower()), None)


def _departure(user: str, row: dict[str, str], since_text: str, now: _dt.datetime,
               window_days: int) -> list[Finding]:
    """A disabled user: credentials still on or used since it was disabled, and the end of its window."""
    try:
        since = _dt.date.fromisoformat(since_text)
    except ValueError:
        return [Finding(user, "disabled-but-active", f"{DISABLED_SINCE_TAG} tag {since_text!r} is not a YYYY-MM-DD "
                                                     "date, so its departure cannot be followed")]
    out = []
    signs = []
    if row.get("password_enabled") == "true":
        signs.append("console password still enabled")
    used = _when(row.get("password_last_used", ""))
    if used is not None and used.date() >= since:
        signs.append(f"password used {used.date().isoformat()}")
    for n in (1, 2):
        if row.get(f"access_key_{n}_active") == "true":
            signs.append(f"access key {n} still active")
        used = _when(row.get(f"access_key_{n}_last_used_date", ""))
        if used is not None and used.date() >= since:
            signs.append(f"access key {n} used {used.date().isoformat()}")
    if signs:
        out.append(Finding(user, "disabled-but-active", f"disabled since {since.isoformat()}, yet: {'; '.join(signs)}"))
    ends = since + _dt.timedelta(days=window_days)
    if now.date() >= ends:
        out.append(Finding(user, "ready-to-remove", f"disabled since {since.isoformat()}; the {window_days}-day "
                                                    f"departure window ended {ends.isoformat()}: remove the user "
                                                    "from the roster"))
    return out


def evaluate(rows: Iterable[dict[str, str]], tags: dict[str, dict[str, str]], *, now: _dt.datetime,
             max_key_age_days: int = 90, max_unused_days: int = 90,
             roster_users: Iterable[str] | None = None,
             departure_window_days: int = DEPARTURE_WINDOW_DAYS) -> list[Finding]:
    """Pure: findings from credential-report rows and user tags."""
    findings: list[Finding] = []
    key_age = _dt.timedelta(days=max_key_age_days)
    unused = _dt.timedelta(days=max_unused_days)
    seen: set[str] = set()
    for row in rows:
        user = row["user"]
        if user == ROOT_ACCOUNT:
            continue
        seen.add(user.lower())
        created = _when(row.get("user_creation_time", ""))
        if row.get("password_enabled") == "true":
            if row.get("mfa_active") != "true":
                findings.append(Finding(user, "console-without-mfa", "console password without an MFA device"))
            last = _when(row.get("password_last_used", ""))
            if last is not None and now - last > unused:
                findings.append(Finding(user, "password-unused",
                                        f"password last used {last.date().isoformat()}, over {max_unused_days} days"))
            elif last is None and created is not None and now - created > unused:
                findings.append(Finding(user, "password-unused",
                                        f"password never used; user created {created.date().isoformat()}"))
        for n in (1, 2):
            if row.get(f"access_key_{n}_active") != "true":
                continue
            rotated = _when(row.get(f"access_key_{n}_last_rotated", ""))
            if rotated is not None and now - rotated > key_age:
                findings.append(Finding(user, "access-key-too-old",
                                        f"active key {n} created {rotated.date().isoformat()}, over "
                                        f"{max_key_age_days} days"))
            used = _when(row.get(f"access_key_{n}_last_used_date", ""))
            if used is not None and now - used > unused:
                findings.append(Finding(user, "access-key-unused",
                                        f"active key {n} last used {used.date().isoformat()}, over "
                                        f"{max_unused_days} days"))
            elif used is None and rotated is not None and now - rotated > unused:
                findings.append(Finding(user, "access-key-unused",
                                        f"active key {n} never used; created {rotated.date().isoformat()}"))
        since = _tag(tags.get(user, {}), DISABLED_SINCE_TAG)
        if since is not None:  # departing: followed by its window, not by its expiry
            findings += _departure(user, row, since, now, departure_window_days)
            continue
        expiry = _tag(tags.get(user, {}), "expiry")
        if expiry is not None:
            try:
                if _dt.date.fromisoformat(expiry) < now.date():
                    findings.append(Finding(user, "user-expired", f"Expiry tag {expiry} has passed"))
            except ValueError:
                findings.append(Finding(user, "user-expired", f"Expiry tag {expiry!r} is not a YYYY-MM-DD date"))
    if roster_users is not None:
        declared = {u.lower(): u for u in roster_users}
        for row in rows:
            if row["user"] != ROOT_ACCOUNT and row["user"].lower() not in declared:
                findings.append(Finding(row["user"], "not-in-roster", "in the account but not declared in the roster"))
        for key, name in declared.items():
            if key not in seen:
                findings.append(Finding(name, "missing-from-account", "declared in the roster but not in the account"))
    return sorted(findings)


def audit(iam, *, now: _dt.datetime | None = None, max_key_age_days: int = 90, max_unused_days: int = 90,
          roster_users: Iterable[str] | None = None, sleep=time.sleep,
          departure_window_days: int = DEPARTURE_WINDOW_DAYS) -> list[Finding]:
    """The whole audit against one IAM client (any endpoint)."""
    rows = fetch_report(iam, sleep=sleep)
    tags = {r["user"]: user_tags(iam, r["user"]) for r in rows if r["user"] != ROOT_ACCOUNT}
    return evaluate(rows, tags, now=now or _dt.datetime.now(_dt.timezone.utc), max_key_age_days=max_key_age_days,
                    max_unused_days=max_unused_days, roster_users=roster_users,
                    departure_window_days=departure_window_days)


def as_json(findings: list[Finding]) -> str:
    return json.dumps({"findings": [asdict(f) for f in findings], "count": len(findings)}, indent=2, sort_keys=True)


def as_table(findings: list[Finding]) -> str:
    if not findings:
        return "no findings"
    widths = [max(len(getattr(f, k)) for f in findings + [Finding("user", "finding", "detail")])
              for k in ("user", "kind", "detail")]
    lines = ["  ".join(h.ljust(w) for h, w in zip(("user", "finding", "detail"), widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip((f.user, f.kind, f.detail), widths)) for f in findings]
    return "\n".join(lines) + f"\n{len(findings)} finding(s)"


# -- CLI ---------------------------------------------------------------------------------------

PERMISSIONS = {"GenerateCredentialReport": "iam:GenerateCredentialReport",
               "GetCredentialReport": "iam:GetCredentialReport", "ListUserTags": "iam:ListUserTags"}


def _positive(text: str) -> int:
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1 day")
    return value


def add_arguments(p) -> None:
    p.add_argument("--endpoint-url", help="IAM endpoint (e.g. LocalStack's http://127.0.0.1:4566)")
    p.add_argument("--region", help="AWS region for the client; default: boto3's configuration")
    p.add_argument("--profile", help="AWS profile; default: boto3's credential chain")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--roster", help="also report users the roster does not declare, and roster users not in the account")
    p.add_argument("--max-key-age-days", type=_positive, default=90)
    p.add_argument("--max-unused-days", type=_positive, default=90)
    p.add_argument("--departure-window-days", type=_positive, default=None,
                   help="days a disabled user (DisabledSince tag) is kept before it is reported ready to remove; "
                        f"default: the roster's account.departure_window_days, else {DEPARTURE_WINDOW_DAYS}")


def run_cli(args) -> int:
    import sys

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError
    roster_users = None
    window = args.departure_window_days
    if args.roster:
        from .errors import print_problems
        from .roster import load_roster
        roster, problems = load_roster(args.roster)
        if problems:
            print_problems(problems)
            return 2
        roster_users = [u.name for u in roster.users]
        window = window or roster.departure_window_days
    try:
        session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
        iam = session.client("iam", endpoint_url=args.endpoint_url)
        findings = audit(iam, max_key_age_days=args.max_key_age_days, max_unused_days=args.max_unused_days,
                         roster_users=roster_users, departure_window_days=window or DEPARTURE_WINDOW_DAYS)
    except AuditError as e:
        print(f"audit: {e}", file=sys.stderr)
        return 2
    except ClientError as e:
        op = e.operation_name
        code = e.response.get("Error", {}).get("Code", "")
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            print(f"audit: access denied: the caller needs {PERMISSIONS.get(op, op)} ({code})", file=sys.stderr)
        else:
            print(f"audit: {op} failed: {code}: {e.response.get('Error', {}).get('Message', '')}", file=sys.stderr)
        return 2
    except NoCredentialsError:
        print("audit: no AWS credentials found (environment, profile or instance role)", file=sys.stderr)
        return 2
    except EndpointConnectionError as e:
        print(f"audit: cannot reach {e.kwargs.get('endpoint_url', args.endpoint_url)}", file=sys.stderr)
        return 2
    except (BotoCoreError, ValueError) as e:
        print(f"audit: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print(as_json(findings) if args.format == "json" else as_table(findings))
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
        boto3.client("sns").publish(
            TopicArn=os.environ["TOPIC_ARN"], Subject=f"IAM credential audit: {len(findings)} finding(s)"[:100],
            Message=(as_table(findings) + "\n\n" + as_json(findings))[:250_000])
    print(json.dumps({"findings": len(findings), "kinds": sorted({f.kind for f in findings})}))
    return {"count": len(findings)}
