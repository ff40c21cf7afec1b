"""Drift between a roster and the account, as a pure function of GetAccountAuthorizationDetails'
users and groups: what each kind reports, and where in the roster it says to change it."""

from __future__ import annotations

import datetime as _dt

import pytest

from iam_constructs import audit as au
from iam_constructs.roster import load_roster

ROSTER = """\
version: 1
account:
  password_policy: false
groups:
  - name: developers
    path: /teams/
    managed_policies: [ReadOnlyAccess, "arn:aws:iam::123456789012:policy/shared"]
    statements:
      - actions: [s3:GetObject]
        resources: ["*"]
  - name: bots
users:
  - name: jane.smith
    path: /developers/
    console: true
    groups: [developers]
    tags: {Owner: platform, Purpose: human}
    expires: 2099-06-30
  - name: ci-bot
    groups: [bots]
    tags: {Owner: platform, Purpose: ci}
"""


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER)
    loaded, problems = load_roster(str(path))
    assert problems == []
    return loaded


def account(**changes):
    users = [
        {"UserName": "jane.smith", "Path": "/developers/", "GroupList": ["Developers"],
         "Tags": [{"Key": "Owner", "Value": "platform"}, {"Key": "Purpose", "Value": "human"},
                  {"Key": "Expiry", "Value": "2099-06-30"}, {"Key": "iam-constructs:stack", "Value": "IamUsers1"}]},
        {"UserName": "ci-bot", "Path": "/", "GroupList": ["bots"],
         "Tags": [{"Key": "Owner", "Value": "platform"}, {"Key": "Purpose", "Value": "ci"}]},
    ]
    own = [f"arn:aws:iam::123456789012:policy/IamAccount-developersPolicy{n}-X" for n in range(3)]
    groups = [
        {"GroupName": "developers", "Path": "/teams/", "AttachedManagedPolicies": [
            {"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
            {"PolicyArn": "arn:aws:iam::123456789012:policy/shared"}] + [{"PolicyArn": a} for a in own]},
        {"GroupName": "bots", "Path": "/", "AttachedManagedPolicies": []},
    ]
    for change in changes.values():
        change(users, groups)
    return users, groups


def kinds(findings):
    return [(f.user, f.kind) for f in findings]


def test_a_deployed_roster_has_no_drift(roster):
    """Statements policy and the MFA pair (jane is a console user) are counted, not named; the
    Expiry tag comes from `expires`; the stack tag and group-name case are the library's own."""
    assert au.drift(roster, *account()) == []


def test_one_more_customer_managed_policy_than_the_roster_makes(roster):
    extra = lambda users, groups: groups[0]["AttachedManagedPolicies"].append(
        {"PolicyArn": "arn:aws:iam::123456789012:policy/by-hand"})
    (finding,) = au.drift(roster, *account(extra=extra))
    assert (finding.user, finding.kind) == ("developers", "policy-drift")
    assert "4 customer-managed policies attached" in finding.detail and "roster makes 3" in finding.detail


def test_a_listed_customer_policy_detached_is_named(roster):
    gone = lambda users, groups: groups[0]["AttachedManagedPolicies"].pop(1)
    (finding,) = au.drift(roster, *account(gone=gone))
    assert "arn:aws:iam::123456789012:policy/shared is listed at" in finding.detail
    assert f"{roster.path}:" in finding.detail and "groups[0].managed_policies" in finding.detail


def test_expiry_changed_by_hand_is_tag_drift_at_the_tags_line(roster):
    def later(users, groups):
        users[0]["Tags"][2]["Value"] = "2100-01-01"
    (finding,) = au.drift(roster, *account(later=later))
    jane = roster.users[0]
    assert finding.kind == "tag-drift" and f"{roster.path}:{jane.lines['tags']}: users[0].tags" in finding.detail


def test_groups_either_side_and_paths(roster):
    def shuffle(users, groups):
        groups[1]["GroupName"] = "robots"
        groups[0]["Path"] = "/"
        users[1]["GroupList"] = ["robots"]
    assert sorted(kinds(au.drift(roster, *account(shuffle=shuffle)))) == [
        ("bots", "group-missing-from-account"), ("ci-bot", "membership-drift"), ("ci-bot", "membership-drift"),
        ("developers", "path-drift"), ("robots", "group-not-in-roster")]


def test_users_on_one_side_only_are_left_to_the_credential_report(roster):
    def stowaway(users, groups):
        users.append({"UserName": "stowaway", "Path": "/", "GroupList": ["bots"], "Tags": []})
        del users[1]
    assert au.drift(roster, *account(stowaway=stowaway)) == []


def test_audit_reads_the_details_only_with_a_roster(roster, monkeypatch):
    calls = []

    class Iam:
        def generate_credential_report(self):
            return {"State": "COMPLETE"}

        def get_credential_report(self):
            header = ",".join(au.REQUIRED_COLUMNS)
            return {"Content": (header + "\n").encode()}

        def get_account_authorization_details(self, **kwargs):
            calls.append(kwargs)
            return {"UserDetailList": [], "GroupDetailList": [], "IsTruncated": False}

    now = _dt.datetime(2026, 12, 1, tzinfo=_dt.UTC)
    assert au.audit(Iam(), now=now, roster_users=[]) == []
    assert calls == []
    found = kinds(au.audit(Iam(), now=now, roster=roster))
    assert calls == [{"Filter": ["User", "Group"]}]
    assert sorted(found) == [("bots", "group-missing-from-account"), ("ci-bot", "missing-from-account"),
                             ("developers", "group-missing-from-account"), ("jane.smith", "missing-from-account")]


def test_cli_without_the_details_permission_names_it(roster, moto_aws, monkeypatch, capsys):
    import boto3
    from botocore.exceptions import ClientError

    from iam_constructs.cli import main

    def denied(iam):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}},
                          "GetAccountAuthorizationDetails")
    monkeypatch.setattr(au, "read_details", denied)
    boto3.client("iam").create_user(UserName="jane.smith")
    assert main(["audit", "--roster", roster.path]) == 2
    assert "needs iam:GetAccountAuthorizationDetails (AccessDenied)" in capsys.readouterr().err
