"""Each rule of the pack, compliant and non-compliant, from real constructs or L1s."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from iam_constructs import (PARAMETER, AccessKeySlot, AccountPasswordPolicy, ConsoleAccess, CredentialsKey, IamGroup,
                            IamUser, PasswordPolicy)
from tests.nag.support import findings, raw_findings
from tests.support import TAGS, new_stack


def _user_l1(stack, **props):
    return iam.CfnUser(stack, "U", user_name="u", tags=[cdk.CfnTag(key=k, value=v) for k, v in TAGS.items()], **props)


# 1 LoginProfilePassword -------------------------------------------------------------------------

def test_login_profile_password_compliant_for_generated_parameter_and_reference():
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True)
    IamUser(stack, "B", user_name="b", tags=TAGS, console_access=ConsoleAccess(initial_password=PARAMETER))
    IamUser(stack, "C", user_name="c", tags=TAGS, console_access=ConsoleAccess(
        initial_password=cdk.SecretValue.ssm_secure("/onboarding/c")))
    assert findings(stack, "IamConstructs-LoginProfilePassword") == []


@pytest.mark.parametrize("password,params,fragment", [
    ("Hunter2-literal!", {}, "the password is written into the template"),
    ({"Ref": "Pw"}, {"Pw": {"Type": "String"}}, "parameter 'Pw' is not NoEcho"),
    ({"Ref": "Pw"}, {"Pw": {"Type": "String", "NoEcho": "true", "Default": "x"}}, "parameter 'Pw' has a Default"),
])
def test_login_profile_password_non_compliant(password, params, fragment):
    body = {"Parameters": params, "Resources": {"U": {"Type": "AWS::IAM::User", "Properties": {
        "LoginProfile": {"Password": password, "PasswordResetRequired": True}}}}}
    (f,) = raw_findings({"t": body}, "IamConstructs-LoginProfilePassword")
    assert fragment in f.detail and f.resource.logical_id == "U"


# 2 PasswordResetRequired ------------------------------------------------------------------------

def test_password_reset_required_both_ways():
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True)
    assert findings(stack, "IamConstructs-PasswordResetRequired") == []
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=ConsoleAccess(password_reset_required=False))
    (f,) = findings(stack, "IamConstructs-PasswordResetRequired")
    assert "password_reset_required=True" in f.detail


# 3 ConsoleUserMfa -------------------------------------------------------------------------------

def test_console_user_in_mfa_group_same_stack_is_compliant():
    stack = new_stack()
    g = IamGroup(stack, "G", group_name="devs", enforce_mfa=True)
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True, groups=[g])
    assert findings(stack, "IamConstructs-ConsoleUserMfa") == []


def test_console_user_in_mfa_group_of_another_stack_is_compliant():
    app = cdk.App()
    account, users = cdk.Stack(app, "Account"), cdk.Stack(app, "Users")
    g = IamGroup(account, "G", group_name="devs", enforce_mfa=True)
    IamUser(users, "A", user_name="a", tags=TAGS, console_access=True, groups=[g])
    assert findings([account, users], "IamConstructs-ConsoleUserMfa") == []


def test_console_user_without_mfa_group_is_non_compliant():
    stack = new_stack()
    g = IamGroup(stack, "G", group_name="devs")
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True, groups=[g])
    (f,) = findings(stack, "IamConstructs-ConsoleUserMfa")
    assert "enforce_mfa=True" in f.detail


def test_plain_bool_mfa_condition_is_flagged():
    stack = new_stack()
    IamGroup(stack, "G", group_name="devs", statements=[{
        "effect": "Deny", "not_actions": ["iam:ChangePassword"], "resources": ["*"],
        "conditions": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}])
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True, groups=["devs"])
    (f,) = findings(stack, "IamConstructs-ConsoleUserMfa")
    assert "uses Bool" in f.detail and "BoolIfExists" in f.detail


def test_user_in_undeclared_group_cannot_be_verified():
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True, groups=["external-group"])
    (f,) = findings(stack, "IamConstructs-ConsoleUserMfa")
    assert "1 of its groups are not declared in this app" in f.detail


def test_user_without_console_is_not_applicable_to_mfa_rule():
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, programmatic_access=True)
    assert findings(stack, "IamConstructs-ConsoleUserMfa") == []


# 4 ConsoleAndKeys -------------------------------------------------------------------------------

def test_console_and_keys_both_ways():
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True)
    IamUser(stack, "B", user_name="b", tags=TAGS, programmatic_access=True)
    assert findings(stack, "IamConstructs-ConsoleAndKeys") == []
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True, programmatic_access=True,
            console_and_keys_reason="break-glass")
    (f,) = findings(stack, "IamConstructs-ConsoleAndKeys")
    assert f.resource.type == "AWS::IAM::User"


def test_console_and_key_by_name_in_another_template():
    body_a = {"Resources": {"U": {"Type": "AWS::IAM::User", "Properties": {"UserName": "Jane", "LoginProfile": {
        "Password": "{{resolve:secretsmanager:s:SecretString:password}}"}}}}}
    body_b = {"Resources": {"K": {"Type": "AWS::IAM::AccessKey", "Properties": {"UserName": "jane"}}}}
    assert len(raw_findings({"a": body_a, "b": body_b}, "IamConstructs-ConsoleAndKeys")) == 1
    assert raw_findings({"a": body_a}, "IamConstructs-ConsoleAndKeys") == []


# 5 NoDirectUserPolicies -------------------------------------------------------------------------

def test_no_direct_user_policies_compliant_for_group_permissions():
    stack = new_stack()
    g = IamGroup(stack, "G", group_name="g", statements=[{"actions": ["s3:GetObject"], "resources": ["*"]}])
    IamUser(stack, "A", user_name="a", tags=TAGS, groups=[g])
    assert findings(stack, "IamConstructs-NoDirectUserPolicies") == []


def test_no_direct_user_policies_flags_each_kind():
    stack = new_stack()
    user = IamUser(stack, "A", user_name="a", tags=TAGS, direct_managed_policies=["ReadOnlyAccess"],
                   direct_policies_reason="vendor")
    iam.CfnManagedPolicy(stack, "P", users=[user.resource.ref], policy_document={
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    iam.CfnUserPolicy(stack, "Inline", user_name=user.resource.ref, policy_name="x", policy_document={
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    got = {(f.resource.type, f.detail.split(";")[0]) for f in findings(stack, "IamConstructs-NoDirectUserPolicies")}
    assert got == {("AWS::IAM::User", "the user has ManagedPolicyArns"),
                   ("AWS::IAM::ManagedPolicy", "the policy is attached to users"),
                   ("AWS::IAM::UserPolicy", "an inline policy on a user")}


# 6 UserInGroup ----------------------------------------------------------------------------------

def test_user_in_group_both_ways():
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, groups=["g"])
    user_b = IamUser(stack, "B", user_name="b", tags=TAGS)
    iam.CfnUserToGroupAddition(stack, "Add", group_name="g", users=[user_b.resource.ref])
    assert findings(stack, "IamConstructs-UserInGroup") == []
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS)
    (f,) = findings(stack, "IamConstructs-UserInGroup")
    assert f.rule.level.value == "warning"


# 7 NoAdminAccess --------------------------------------------------------------------------------

def test_no_admin_access_compliant_for_least_privilege():
    stack = new_stack()
    IamGroup(stack, "G", group_name="g", managed_policies=["ReadOnlyAccess"], enforce_mfa=True,
             statements=[{"actions": ["s3:GetObject"], "resources": ["*"]}])
    assert findings(stack, "IamConstructs-NoAdminAccess") == []


@pytest.mark.parametrize("kwargs,fragment", [
    ({"managed_policies": ["AdministratorAccess"]}, "the AWS-managed policy AdministratorAccess"),
    ({"managed_policies": ["PowerUserAccess"]}, "the AWS-managed policy PowerUserAccess"),
    ({"managed_policies": ["arn:aws:iam::aws:policy/IAMFullAccess"]}, "the AWS-managed policy IAMFullAccess"),
    ({"statements": [{"actions": ["*"], "resources": ["*"]}]}, "an Allow of every action"),
    ({"statements": [{"not_actions": ["iam:*"], "resources": ["*"]}]}, "an Allow with NotAction"),
])
def test_no_admin_access_non_compliant(kwargs, fragment):
    stack = new_stack()
    IamGroup(stack, "G", group_name="g", **kwargs)
    (f,) = findings(stack, "IamConstructs-NoAdminAccess")
    assert fragment in f.detail and f.resource.type == "AWS::IAM::Group"


def test_no_admin_access_on_user_inline_policy():
    # cfn-lint rejects "*:*" itself (W3037), so this one is a raw template
    body = {"Resources": {"U": {"Type": "AWS::IAM::User", "Properties": {"Policies": [{"PolicyName": "all",
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*:*", "Resource": "*"}]}}]}}}}
    (f,) = raw_findings({"t": body}, "IamConstructs-NoAdminAccess")
    assert "an Allow of every action" in f.detail


# 8 RequiredTags / UserNotExpired ----------------------------------------------------------------

def test_required_tags_both_ways():
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS)
    IamUser(stack, "B", user_name="b", tags={"Owner": "x"}, required_tags=())
    (f,) = findings(stack, "IamConstructs-RequiredTags")
    assert "Purpose" in f.detail and f.resource.properties["UserName"] == "b"
    assert findings(stack, "IamConstructs-RequiredTags", required_tags=("Owner",)) == []


def test_user_not_expired_both_ways():
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, expires="2026-11-23")  # today: still valid
    IamUser(stack, "B", user_name="b", tags=TAGS)  # no expiry: not applicable
    assert findings(stack, "IamConstructs-UserNotExpired") == []
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, expires="2026-11-22")
    _user_l1(stack).tags.set_tag("Expiry", "soon")
    got = sorted(f.detail for f in findings(stack, "IamConstructs-UserNotExpired"))
    assert got == ["Expiry tag 'soon' is not a YYYY-MM-DD date",
                   "the user expired on 2026-11-22; set disabled=True or remove the user"]


# 9 PasswordPolicyCis ----------------------------------------------------------------------------

def test_password_policy_cis_both_ways():
    stack = new_stack()
    AccountPasswordPolicy(stack, "P")
    assert findings(stack, "IamConstructs-PasswordPolicyCis") == []
    stack = new_stack()
    AccountPasswordPolicy(stack, "P", policy=PasswordPolicy(minimum_length=8, max_age_days=None, reuse_prevention=5,
                                                            require_symbols=False))
    (f,) = findings(stack, "IamConstructs-PasswordPolicyCis")
    assert f.detail == ("the password policy misses CIS: minimum length 8 < 14, reuse prevention 5 < 24, "
                        "max age none is not 1-90 days, RequireSymbols is off")


# 10 CredentialSecretCmk -------------------------------------------------------------------------

def test_credential_secret_cmk_both_ways():
    stack = new_stack()
    key = CredentialsKey(stack, "K")
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True, credentials_key=key)
    IamUser(stack, "B", user_name="b", tags=TAGS, programmatic_access=[AccessKeySlot(), AccessKeySlot()],
            credentials_key=key)
    assert findings(stack, "IamConstructs-CredentialSecretCmk") == []
    stack = new_stack()
    IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True)
    IamUser(stack, "B", user_name="b", tags=TAGS, programmatic_access=True)
    got = findings(stack, "IamConstructs-CredentialSecretCmk")
    assert len(got) == 2 and all(f.rule.level.value == "warning" for f in got)


def test_secret_not_holding_credentials_is_not_applicable():
    from aws_cdk import aws_secretsmanager as sm
    stack = new_stack()
    sm.CfnSecret(stack, "S", generate_secret_string=sm.CfnSecret.GenerateSecretStringProperty())
    assert findings(stack, "IamConstructs-CredentialSecretCmk") == []


# 12 CredentialsKeyAdministrators ----------------------------------------------------------------

def test_credentials_key_administrators_both_ways():
    app = cdk.App()
    home, users = new_stack("Home", app), new_stack("Users", app)
    key = CredentialsKey(home, "K", alias="creds", administrators=["arn:aws:iam::111122223333:role/deployer"])
    IamUser(users, "A", user_name="a", tags=TAGS, console_access=True, credentials_key=key)
    assert findings([home, users], "IamConstructs-CredentialsKeyAdministrators") == []
    app = cdk.App()
    home, users = new_stack("Home", app), new_stack("Users", app)
    key = CredentialsKey(home, "K", alias="creds")  # found through the alias the other stack names
    IamUser(users, "A", user_name="a", tags=TAGS, console_access=True, credentials_key=key)
    (f,) = findings([home, users], "IamConstructs-CredentialsKeyAdministrators")
    assert "grants the account root" in f.detail and "credential_administrators" in f.detail
    app = cdk.App()
    home, users = new_stack("Home", app), new_stack("Users", app)
    key = CredentialsKey(home, "K")  # no alias: found through the other stack's import of its ARN
    IamUser(users, "A", user_name="a", tags=TAGS, console_access=True, credentials_key=key)
    assert len(findings([home, users], "IamConstructs-CredentialsKeyAdministrators")) == 1


def test_credentials_key_administrators_ignores_keys_that_hold_no_credentials():
    from aws_cdk import aws_kms as kms
    stack = new_stack()
    kms.Key(stack, "Other", enable_key_rotation=True)  # the CDK's default policy grants the root
    assert findings(stack, "IamConstructs-CredentialsKeyAdministrators") == []
