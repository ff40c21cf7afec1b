"""The credential-report audit against moto's IAM, with the clock as an input."""

import datetime as dt
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from iam_constructs import audit as au
from iam_constructs.cli import main

LATER = dt.timedelta(days=120)


@pytest.fixture
def iam(moto_aws):
    """moto's IAM (the shared ``moto_aws`` fixture, tests/conftest.py)."""
    return boto3.client("iam", region_name="us-east-1")


def now():
    return dt.datetime.now(dt.timezone.utc)


def person(iam, name, mfa=False, tags=None):
    iam.create_user(UserName=name, Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    iam.create_login_profile(UserName=name, Password="not-a-real-password-Aa1!", PasswordResetRequired=True)
    if mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName=name, SerialNumber=serial, AuthenticationCode1="123456",
                              AuthenticationCode2="654321")


def kinds(findings):
    return sorted((f.user, f.kind) for f in findings)


def test_clean_account(iam):
    person(iam, "jane", mfa=True)
    iam.create_user(UserName="bot")
    assert au.audit(iam, now=now() + dt.timedelta(days=1), sleep=lambda s: None) == []


def test_console_user_without_mfa(iam):
    person(iam, "jane", mfa=False)
    assert kinds(au.audit(iam, now=now(), sleep=lambda s: None)) == [("jane", "console-without-mfa")]


def test_old_and_unused_access_key(iam):
    iam.create_user(UserName="bot")
    iam.create_access_key(UserName="bot")
    assert au.audit(iam, now=now() + dt.timedelta(days=1), sleep=lambda s: None) == []
    found = au.audit(iam, now=now() + LATER, sleep=lambda s: None)
    assert kinds(found) == [("bot", "access-key-too-old"), ("bot", "access-key-unused")]
    assert "never used" in next(f.detail for f in found if f.kind == "access-key-unused")


def test_inactive_key_is_not_reported(iam):
    iam.create_user(UserName="bot")
    key = iam.create_access_key(UserName="bot")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="bot", AccessKeyId=key, Status="Inactive")
    assert au.audit(iam, now=now() + LATER, sleep=lambda s: None) == []


def test_password_never_used(iam):
    person(iam, "jane", mfa=True)
    assert kinds(au.audit(iam, now=now() + LATER, sleep=lambda s: None)) == [("jane", "password-unused")]


def test_limits_are_inputs(iam):
    iam.create_user(UserName="bot")
    iam.create_access_key(UserName="bot")
    assert au.audit(iam, now=now() + LATER, max_key_age_days=200, max_unused_days=200, sleep=lambda s: None) == []


def test_user_past_expiry_tag(iam):
    iam.create_user(UserName="temp", Tags=[{"Key": "Expiry", "Value": "2020-01-31"}])
    iam.create_user(UserName="fine", Tags=[{"Key": "Expiry", "Value": "2999-01-31"}])
    found = au.audit(iam, now=now(), sleep=lambda s: None)
    assert kinds(found) == [("temp", "user-expired")] and "2020-01-31" in found[0].detail


def test_roster_drift(iam):
    iam.create_user(UserName="declared")
    iam.create_user(UserName="stowaway")
    found = au.audit(iam, now=now(), roster_users=["Declared", "ghost"], sleep=lambda s: None)
    assert kinds(found) == [("ghost", "missing-from-account"), ("stowaway", "not-in-roster")]


# -- the departure window ----------------------------------------------------------------------

def _row(user, **fields):
    return {"user": user, "password_enabled": "false", "access_key_1_active": "false",
            "access_key_2_active": "false", **fields}


SINCE = dt.date(2026, 11, 2)
AT = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)


def test_disabled_user_with_credentials_off_and_unused_is_quiet_until_its_window_ends():
    rows, tags = [_row("gone", password_last_used="2026-10-30T09:00:00+00:00")], {"gone": {"DisabledSince": "2026-11-02"}}
    assert au.evaluate(rows, tags, now=AT) == []
    found = au.evaluate(rows, tags, now=dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc))
    assert kinds(found) == [("gone", "ready-to-remove")]
    assert "window ended 2026-12-02" in found[0].detail
    assert au.evaluate(rows, tags, now=dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc),
                       departure_window_days=60) == []


@pytest.mark.parametrize("fields,sign", [
    ({"password_enabled": "true"}, "console password still enabled"),
    ({"password_last_used": "2026-11-05T08:00:00+00:00"}, "password used 2026-11-05"),
    ({"access_key_2_active": "true"}, "access key 2 still active"),
    ({"access_key_1_last_used_date": "2026-11-19T23:00:00+00:00"}, "access key 1 used 2026-11-19"),
])
def test_disabled_user_whose_credentials_show_activity_after_the_date_is_reported(fields, sign):
    found = au.evaluate([_row("gone", **fields)], {"gone": {"DisabledSince": SINCE.isoformat()}}, now=AT)
    (departure,) = [f for f in found if f.kind == "disabled-but-active"]
    assert sign in departure.detail and not [f for f in found if f.kind == "ready-to-remove"]


def test_disabled_user_is_followed_by_its_window_not_its_expiry_and_enabled_users_still_expire():
    rows = [_row("gone"), _row("temp")]
    tags = {"gone": {"DisabledSince": "2026-11-02", "Expiry": "2020-01-01"}, "temp": {"Expiry": "2020-01-01"}}
    assert kinds(au.evaluate(rows, tags, now=AT)) == [("temp", "user-expired")]


def test_unreadable_disabled_since_is_a_finding_not_silence():
    found = au.evaluate([_row("gone")], {"gone": {"DisabledSince": "last tuesday"}}, now=AT)
    assert kinds(found) == [("gone", "disabled-but-active")] and "'last tuesday' is not" in found[0].detail


def test_departure_against_moto_from_the_tag_the_construct_writes(iam):
    iam.create_user(UserName="gone", Tags=[{"Key": "DisabledSince", "Value": "2026-11-02"}])
    iam.create_access_key(UserName="gone")  # still active: the roster change was not deployed
    found = au.audit(iam, now=dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc), sleep=lambda s: None)
    assert kinds(found) == [("gone", "disabled-but-active"), ("gone", "ready-to-remove")]


def test_the_report_moto_writes_reads_without_a_problem(iam):
    person(iam, "jane", mfa=True)
    iam.create_user(UserName="bot")
    iam.create_access_key(UserName="bot")
    rows, problems = au.fetch_report(iam, sleep=lambda s: None)
    assert problems == [] and sorted(r["user"] for r in rows) == ["bot", "jane"]
    assert not [f for f in au.evaluate(rows, {}, now=now() + LATER) if f.kind == "unreadable"]


def test_report_not_ready_on_first_calls(iam):
    class Slow:
        def __init__(self, inner):
            self.inner, self.calls = inner, 0

        def generate_credential_report(self):
            self.calls += 1
            return {"State": "STARTED"} if self.calls < 3 else self.inner.generate_credential_report()

        def __getattr__(self, name):
            return getattr(self.inner, name)

    person(iam, "jane")
    slow, waits = Slow(iam), []
    assert kinds(au.audit(slow, now=now(), sleep=waits.append)) == [("jane", "console-without-mfa")]
    assert slow.calls >= 3 and len(waits) == slow.calls - 1  # one wait per not-ready answer


def test_report_never_ready_is_a_clear_error():
    class Never:
        def generate_credential_report(self):
            return {"State": "STARTED"}

    with pytest.raises(au.AuditError, match="not ready after 3 tries"):
        au.fetch_report(Never(), attempts=3, sleep=lambda s: None)


def test_cli_json_is_stable_and_exit_1_on_findings(iam, monkeypatch, capsys):
    person(iam, "jane")
    monkeypatch.setattr(au.time, "sleep", lambda s: None)
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, *a, **k: iam)
    assert main(["audit", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out == {"count": 1, "findings": [{"detail": "console password without an MFA device",
                                             "kind": "console-without-mfa", "user": "jane"}]}


def test_cli_table_and_exit_0_when_clean(iam, monkeypatch, capsys):
    monkeypatch.setattr(au.time, "sleep", lambda s: None)
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, *a, **k: iam)
    assert main(["audit"]) == 0
    assert capsys.readouterr().out.strip() == "no findings"


def test_cli_access_denied_names_the_permission(monkeypatch, capsys):
    class Denied:
        def generate_credential_report(self):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GenerateCredentialReport")

    monkeypatch.setattr(boto3.session.Session, "client", lambda self, *a, **k: Denied())
    assert main(["audit", "--region", "us-east-1"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "audit: access denied: the caller needs iam:GenerateCredentialReport (AccessDenied)"


def test_cli_bad_endpoint(aws_env, monkeypatch, capsys):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["audit", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"]) == 2
    err = capsys.readouterr().err
    assert "audit: cannot reach http://127.0.0.1:9" in err and "Traceback" not in err


@pytest.mark.parametrize("args,fragment", [
    (["audit", "--max-key-age-days", "0"], "0 must be at least 1 day"),
    (["audit", "--max-unused-days", "soon"], "'soon' is not a whole number of days"),
    (["audit", "--format", "xml"], "invalid choice: 'xml'"),
])
def test_cli_bad_arguments(args, fragment, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2 and fragment in capsys.readouterr().err


def test_cli_bad_roster(tmp_path, capsys):
    roster = tmp_path / "r.yaml"
    roster.write_text("version: 3\n")
    assert main(["audit", "--roster", str(roster)]) == 2
    assert f"{roster}:1: version: 3 is not supported" in capsys.readouterr().err


def test_the_audit_reads_the_tags_the_constructs_write():
    """audit.py is also a Lambda's whole code and imports nothing of the package, so it restates the
    tag names; they must stay the constructs' own."""
    from iam_constructs import audit as audit_module, defaults
    assert audit_module.EXPIRY_TAG == defaults.EXPIRY_TAG
    assert audit_module.DISABLED_SINCE_TAG == defaults.DISABLED_SINCE_TAG
