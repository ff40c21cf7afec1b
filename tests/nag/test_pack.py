"""The pack as a whole: its rule ids and levels, the plugin inside a real synth, acknowledgements,
and zero unacknowledged findings on the example app."""

import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
import pytest
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from iam_constructs import AccountPasswordPolicy, CredentialsKey, IamGroup, IamUser, PasswordPolicy
from iam_constructs.nag import RULES, IamConstructsChecks, check, load_templates, Assembly
from tests.nag.support import TODAY
from tests.support import TAGS, assert_lint_clean

ROOT = Path(__file__).resolve().parents[2]


def test_rule_ids_and_levels_are_pinned():
    assert [(r.id, r.level.value) for r in RULES] == [
        ("IamConstructs-LoginProfilePassword", "error"),
        ("IamConstructs-PasswordResetRequired", "warning"),
        ("IamConstructs-ConsoleUserMfa", "error"),
        ("IamConstructs-ConsoleAndKeys", "error"),
        ("IamConstructs-NoDirectUserPolicies", "error"),
        ("IamConstructs-UserInGroup", "warning"),
        ("IamConstructs-NoAdminAccess", "error"),
        ("IamConstructs-RequiredTags", "warning"),
        ("IamConstructs-UserNotExpired", "error"),
        ("IamConstructs-PasswordPolicyCis", "error"),
        ("IamConstructs-CredentialSecretCmk", "warning"),
        ("IamConstructs-CredentialsKeyAdministrators", "warning"),
    ]
    plugin = IamConstructsChecks()
    assert plugin.name == "IamConstructs" and plugin.rule_ids == [r.id for r in RULES]


def test_rules_md_documents_every_rule():
    text = (ROOT / "iam_constructs" / "nag" / "RULES.md").read_text()
    for r in RULES:
        assert f"| {r.id} | {r.level.value} |" in text, r.id


def test_every_rule_module_has_a_docstring_stating_the_compliant_condition():
    for r in RULES:
        assert r.module.__doc__ and r.module.__doc__.startswith("Compliant when"), r.id


def _report(tmp_path, build, plugins=None):
    app = cdk.App(outdir=str(tmp_path))
    build(app)
    plugin = IamConstructsChecks(today=TODAY)
    cdk.Validations.of(app).add_plugins(*(plugins(app) if plugins else []), plugin)
    error = None
    try:
        app.synth()
    except Exception as e:  # ValidationFailed comes through jsii as a RuntimeError
        error = str(e)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    return report, error, plugin


def test_errors_fail_the_synth_and_name_the_resource(tmp_path):
    def build(app):
        stack = cdk.Stack(app, "S")
        IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True, groups=["nomfa"])
        IamGroup(stack, "G", group_name="nomfa")
    report, error, plugin = _report(tmp_path, build)
    assert error and "ValidationFailed" in error
    (ours,) = [p for p in report["pluginReports"] if p["pluginName"] == "IamConstructs"]
    assert ours["conclusion"] == "failure"
    mfa = next(v for v in ours["violations"] if v["ruleName"] == "IamConstructs-ConsoleUserMfa")
    assert mfa["severity"] == "error"
    from iam_constructs._user_template import logical_id
    assert mfa["violatingConstructs"][0]["constructPath"] == f"S/Jane/Resources/{logical_id('jane')}"
    assert "enforce_mfa=True" in mfa["description"]


def test_acknowledged_finding_is_suppressed_with_its_reason(tmp_path):
    def build(app):
        stack = cdk.Stack(app, "S")
        user = IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True, groups=["nomfa"],
                       acknowledgements={"IamConstructs::IamConstructs-ConsoleUserMfa": "MFA enforced by SCP"})
        IamGroup(stack, "G", group_name="nomfa")
        assert user is not None
    report, error, plugin = _report(tmp_path, build)
    assert error is None
    assert [f.rule.id for f in plugin.last_findings] == ["IamConstructs-ConsoleUserMfa",
                                                          "IamConstructs-CredentialSecretCmk"]
    (ours,) = [p for p in report["pluginReports"] if p["pluginName"] == "IamConstructs"]
    (suppressed,) = ours["suppressedViolations"]
    assert suppressed["reason"] == "MFA enforced by SCP" and suppressed["acknowledgedAt"] == "S/Jane"
    assert [v["severity"] for v in ours["violations"]] == ["warning"]  # the CMK warning stays visible


DEPLOYER = "arn:aws:iam::111122223333:role/deployer"


def test_console_and_keys_reason_becomes_the_acknowledgement(tmp_path):
    def build(app):
        stack = cdk.Stack(app, "S")
        group = IamGroup(stack, "G", group_name="g", enforce_mfa=True)
        IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True, programmatic_access=True,
                groups=[group], console_and_keys_reason="break-glass user kept in a safe",
                credentials_key=CredentialsKey(stack, "K", administrators=[DEPLOYER]))
    report, error, plugin = _report(tmp_path, build)
    assert error is None
    (ours,) = [p for p in report["pluginReports"] if p["pluginName"] == "IamConstructs"]
    assert ours["violations"] == []
    assert [s["reason"] for s in ours["suppressedViolations"]] == ["break-glass user kept in a safe"]


def test_library_output_is_clean_under_all_three_packs(tmp_path):
    def build(app):
        account, users = cdk.Stack(app, "Account"), cdk.Stack(app, "Users")
        AccountPasswordPolicy(account, "PasswordPolicy", policy=PasswordPolicy())
        key = CredentialsKey(account, "Key", administrators=[DEPLOYER])
        group = IamGroup(account, "G", group_name="g", enforce_mfa=True,
                         statements=[{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::bucket/report.csv"]}])
        IamUser(users, "Jane", user_name="jane", tags=TAGS, console_access=True, groups=[group], credentials_key=key)
        IamUser(users, "Bot", user_name="bot", tags=TAGS, groups=[group], credentials_key=key,
                programmatic_access=True)
    report, error, plugin = _report(tmp_path, build, lambda app: [AwsSolutionsChecks(app), NIST80053R5Checks(app)])
    unacknowledged = [(p["pluginName"], v["ruleName"], [c["constructPath"] for c in v["violatingConstructs"]])
                      for p in report["pluginReports"] for v in p["violations"]]
    assert unacknowledged == [] and error is None
    assert plugin.last_findings == []
    reasons = [s["reason"] for p in report["pluginReports"] for s in p.get("suppressedViolations", [])]
    assert reasons and all(len(r) > 40 for r in reasons)


def test_direct_policies_reason_acknowledges_what_each_pack_finds(tmp_path):
    """A user given an AWS managed policy and a customer statement directly, with a reason: each pack's
    finding on it (AwsSolutions-IAM4 for the managed policy, NIST's IAMUserNoPolicies, ours) is
    acknowledged with that reason, and nothing else is found."""
    def build(app):
        stack = cdk.Stack(app, "S")
        key = CredentialsKey(stack, "Key", administrators=[DEPLOYER])
        group = IamGroup(stack, "G", group_name="g", enforce_mfa=True)
        user = IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True, groups=[group],
                       credentials_key=key, direct_managed_policies=["ReadOnlyAccess"],
                       direct_policies_reason="audit role until SSO lands")
        user.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"],
                                                         resources=["arn:aws:s3:::bucket/report.csv"]))
    report, error, _ = _report(tmp_path, build, lambda app: [AwsSolutionsChecks(app), NIST80053R5Checks(app)])
    unacknowledged = [(p["pluginName"], v["ruleName"]) for p in report["pluginReports"] for v in p["violations"]]
    assert unacknowledged == [] and error is None
    on_the_reason = {(p["pluginName"], s["ruleName"]) for p in report["pluginReports"]
                     for s in p.get("suppressedViolations", []) if s["reason"] == "audit role until SSO lands"}
    assert {("AwsSolutions", "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess]"),
            ("NIST.800.53.R5", "NIST.800.53.R5-IAMUserNoPolicies"),
            ("IamConstructs", "IamConstructs-NoDirectUserPolicies")} <= on_the_reason, on_the_reason


def test_example_app_has_zero_unacknowledged_findings(tmp_path):
    env = dict(os.environ, CDK_OUTDIR=str(tmp_path), CDK_CONTEXT_JSON=json.dumps(
        json.load(open(ROOT / "cdk.json"))["context"]))
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert {p["pluginName"] for p in report["pluginReports"]} >= {"AwsSolutions", "NIST.800.53.R5"}
    assert [v["ruleName"] for p in report["pluginReports"] for v in p["violations"]] == []
    templates = load_templates(str(p) for p in tmp_path.glob("*.template.json"))
    assert len(templates) == 3  # account stack + account.user_stacks: 2
    assert check(Assembly(templates)) == []  # the pack ran clean: nothing needed acknowledging
    for t in templates:
        assert_lint_clean(t.body)


@pytest.mark.parametrize("bad", [{"nope": "x"}, {"IamConstructs::IamConstructs-UserInGroup": " "}])
def test_fails_if_acknowledgement_malformed(bad):
    from iam_constructs import IamConstructsError
    from tests.support import new_stack
    with pytest.raises(IamConstructsError, match=r"acknowledgements"):
        IamUser(new_stack(), "U", user_name="u", tags=TAGS, acknowledgements=bad)
