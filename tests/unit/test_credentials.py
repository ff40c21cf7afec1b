import json

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from iam_constructs import (PARAMETER, AccessKeySlot, ConsoleAccess, CredentialsKey, IamConstructsError, IamUser,
                            PasswordPolicy)
from tests.support import TAGS, new_stack, resources_of_type, template

PLANTED = "Planted-Secret-Value-9f3c!"


def _props(t, cfn_type):
    found = resources_of_type(t, cfn_type)
    assert len(found) == 1, found
    return next(iter(found.values()))["Properties"]


# -- console --------------------------------------------------------------------------------

def test_console_password_generated_in_secrets_manager_and_read_by_dynamic_reference():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True)
    t = template(stack)
    secret_id, secret = next(iter(resources_of_type(t, "AWS::SecretsManager::Secret").items()))
    props = secret["Properties"]
    assert props["Name"] == "/iam-users/jane/console-password"
    gen = props["GenerateSecretString"]
    assert gen["PasswordLength"] == 32 and gen["RequireEachIncludedType"] is True
    assert gen["GenerateStringKey"] == "password"
    assert "SecretString" not in props
    assert {t["Key"]: t["Value"] for t in props["Tags"]} == TAGS
    login = _props(t, "AWS::IAM::User")["LoginProfile"]
    assert login == {"Password": {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id},
                                                    ":SecretString:password}}"]]},
                     "PasswordResetRequired": True}


def test_generated_password_meets_a_longer_policy_minimum():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True,
            password_policy=PasswordPolicy(minimum_length=40))
    assert _props(template(stack), "AWS::SecretsManager::Secret")["GenerateSecretString"]["PasswordLength"] == 40


def test_generated_password_includes_every_class_iam_counts_as_symbol():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True)
    gen = _props(template(stack), "AWS::SecretsManager::Secret")["GenerateSecretString"]
    assert not {"ExcludePunctuation", "ExcludeNumbers", "ExcludeUppercase", "ExcludeLowercase"} & set(gen)
    for iam_symbol in "!@#$%^&*()_+-=[]{}|'":
        assert iam_symbol not in gen["ExcludeCharacters"]


def test_fails_if_password_length_below_policy_minimum():
    with pytest.raises(IamConstructsError, match=r"console_access.password_length: 12 is shorter than the password "
                                                 r"policy's minimum_length 14"):
        IamUser(new_stack(), "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(password_length=12))


def test_password_reset_can_be_turned_off_explicitly():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(password_reset_required=False))
    assert _props(template(stack), "AWS::IAM::User")["LoginProfile"]["PasswordResetRequired"] is False


def test_initial_password_from_noecho_parameter():
    stack = new_stack()
    user = IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(initial_password=PARAMETER),
                   password_policy=PasswordPolicy(minimum_length=16))
    t = template(stack).to_json()
    (name, param), = [(k, v) for k, v in t["Parameters"].items() if k == f"{user.logical_id}InitialPassword"]
    assert param["NoEcho"] is True and param["MinLength"] == 16 and param["Type"] == "String"
    assert "Default" not in param
    assert user.initial_password_parameter is not None
    user_props = next(iter(v for v in t["Resources"].values() if v["Type"] == "AWS::IAM::User"))["Properties"]
    assert user_props["LoginProfile"]["Password"] == {"Ref": name}
    assert not [r for r in t["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]


def test_parameter_pattern_demands_the_policy_classes():
    import re
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(initial_password=PARAMETER))
    param = next(iter(template(stack).to_json()["Parameters"].values()))
    pattern = re.compile(param["AllowedPattern"])
    assert pattern.match("Abcdefgh1234!x")
    assert not pattern.match("abcdefgh1234!x")  # no uppercase
    assert not pattern.match("Abcdefgh1234xx")  # no symbol


def test_initial_password_from_existing_secret_reference():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(
        initial_password=cdk.SecretValue.secrets_manager("onboarding/jane", json_field="password")))
    pw = _props(template(stack), "AWS::IAM::User")["LoginProfile"]["Password"]
    assert pw == "{{resolve:secretsmanager:onboarding/jane:SecretString:password::}}"


@pytest.mark.parametrize("value", [PLANTED, cdk.SecretValue.unsafe_plain_text(PLANTED)])
def test_fails_if_plaintext_password_and_never_echoes_it(value):
    stack = new_stack()
    with pytest.raises(IamConstructsError) as err:
        IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(initial_password=value))
    assert "console_access.initial_password" in str(err.value)
    assert "plaintext" in str(err.value)
    assert PLANTED not in str(err.value)
    assert stack.node.try_find_child("Jane") is None


def test_fails_if_secret_value_is_a_parameter_with_a_default():
    stack = new_stack()
    param = cdk.CfnParameter(stack, "Pw", no_echo=True, default=PLANTED)
    with pytest.raises(IamConstructsError, match=r"parameter 'Pw' has a Default") as err:
        IamUser(stack, "Jane", user_name="jane", tags=TAGS,
                console_access=ConsoleAccess(initial_password=cdk.SecretValue.cfn_parameter(param)))
    assert PLANTED not in str(err.value)


def test_noecho_parameter_without_default_is_accepted_as_secret_value():
    stack = new_stack()
    param = cdk.CfnParameter(stack, "Pw", no_echo=True, min_length=14)
    IamUser(stack, "Jane", user_name="jane", tags=TAGS,
            console_access=ConsoleAccess(initial_password=cdk.SecretValue.cfn_parameter(param)))
    assert _props(template(stack), "AWS::IAM::User")["LoginProfile"]["Password"] == {"Ref": "Pw"}


def test_password_readers_get_a_resource_policy():
    stack = new_stack()
    reader = "arn:aws:iam::123456789012:role/onboarding"
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(password_readers=[reader]))
    t = template(stack)
    policy = _props(t, "AWS::SecretsManager::ResourcePolicy")
    assert policy["BlockPublicPolicy"] is True
    assert policy["ResourcePolicy"]["Statement"][0]["Principal"] == {"AWS": [reader]}
    assert policy["ResourcePolicy"]["Statement"][0]["Action"] == ["secretsmanager:GetSecretValue",
                                                                  "secretsmanager:DescribeSecret"]


def test_no_resource_policy_by_default():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True)
    template(stack).resource_count_is("AWS::SecretsManager::ResourcePolicy", 0)


def test_fails_if_reader_is_not_a_principal_arn():
    with pytest.raises(IamConstructsError, match=r"password_readers: 'onboarding' is not an IAM principal ARN"):
        IamUser(new_stack(), "Jane", user_name="jane", tags=TAGS,
                console_access=ConsoleAccess(password_readers=["onboarding"]))


def test_credentials_key_is_named_by_alias_from_other_stacks_and_by_arn_in_its_own():
    app = cdk.App()
    home, other = new_stack("Home", app), new_stack("Other", app)
    key = CredentialsKey(home, "Key", alias="iam-credentials")
    IamUser(other, "Bot", user_name="bot", tags=TAGS, programmatic_access=True, credentials_key=key)
    secret = _props(template(other), "AWS::SecretsManager::Secret")
    assert secret["KmsKeyId"] == "alias/iam-credentials"  # no cross-stack export


def test_credentials_key_refuses_an_administrator_that_is_not_a_principal_arn():
    with pytest.raises(IamConstructsError, match=r"administrators: 'deployer' is not an IAM principal ARN"):
        CredentialsKey(new_stack(), "Key", administrators=["deployer"])


def test_readers_of_a_key_that_is_not_ours_get_a_warning():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, credentials_key="arn:aws:kms:us-east-1:111122223333:key/x",
            console_access=ConsoleAccess(password_readers=["arn:aws:iam::111122223333:role/helpdesk"]))
    assertions.Annotations.from_stack(stack).has_warning(
        "*", assertions.Match.string_like_regexp("cannot name the declared readers of jane's secrets"))


def test_credentials_key_encrypts_secrets_and_rotates():
    stack = new_stack()
    key = CredentialsKey(stack, "Key", alias="iam-credentials")
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True, credentials_key=key)
    IamUser(stack, "Bot", user_name="bot", tags=TAGS, programmatic_access=True, credentials_key=key)
    t = template(stack)
    key_id = next(iter(resources_of_type(t, "AWS::KMS::Key")))
    for secret in resources_of_type(t, "AWS::SecretsManager::Secret").values():
        assert secret["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    key_props = _props(t, "AWS::KMS::Key")
    assert key_props["EnableKeyRotation"] is True
    statements = key_props["KeyPolicy"]["Statement"]
    assert all("*" not in a for s in statements for a in s["Action"])  # no wildcard actions
    # What the key policy allows is proven by the evaluator (tests/policy/test_credentials_key.py).
    t.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    t.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/iam-credentials"})


# -- access keys ----------------------------------------------------------------------------

def test_access_key_secret_holds_id_and_secret_as_json():
    stack = new_stack()
    IamUser(stack, "Bot", user_name="ci-bot", tags=TAGS, programmatic_access=True)
    t = template(stack)
    key_id, key = next(iter(resources_of_type(t, "AWS::IAM::AccessKey").items()))
    user_id = next(iter(resources_of_type(t, "AWS::IAM::User")))
    assert key["Properties"] == {"UserName": {"Ref": user_id}, "Serial": 1, "Status": "Active"}
    secret = _props(t, "AWS::SecretsManager::Secret")
    assert secret["Name"] == "/iam-users/ci-bot/access-key-1"
    assert secret["SecretString"] == {"Fn::Join": ["", [
        '{"AccessKeyId":"', {"Ref": key_id}, '","SecretAccessKey":"',
        {"Fn::GetAtt": [key_id, "SecretAccessKey"]}, '"}']]}
    assert "Outputs" not in t.to_json()


def test_two_slots_and_inactive_key():
    stack = new_stack()
    IamUser(stack, "Bot", user_name="ci-bot", tags=TAGS,
            programmatic_access=[AccessKeySlot(serial=1, active=False), AccessKeySlot(serial=2)])
    keys = resources_of_type(template(stack), "AWS::IAM::AccessKey")
    assert sorted((v["Properties"]["Serial"], v["Properties"]["Status"]) for v in keys.values()) == [
        (1, "Inactive"), (2, "Active")]


def _key_resources(slots):
    stack = new_stack()
    IamUser(stack, "Bot", user_name="ci-bot", tags=TAGS, programmatic_access=slots)
    res = template(stack).to_json()["Resources"]
    return {k: v for k, v in res.items() if v["Type"] in ("AWS::IAM::AccessKey", "AWS::SecretsManager::Secret")}


def test_rotation_bumping_one_serial_changes_only_that_slot():
    before = _key_resources([AccessKeySlot(serial=1), AccessKeySlot(serial=1)])
    after = _key_resources([AccessKeySlot(serial=1), AccessKeySlot(serial=2)])
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert len(changed) == 1
    (cid,) = changed
    assert after[cid]["Type"] == "AWS::IAM::AccessKey" and after[cid]["Properties"]["Serial"] == 2
    assert cid.endswith("AccessKey2")  # the secret's definition references the key by Ref/GetAtt and is unchanged


def test_rotation_removing_old_slot_keeps_new_slot_identity():
    both = _key_resources([AccessKeySlot(serial=1, active=False), AccessKeySlot(serial=2)])
    only_new = _key_resources([AccessKeySlot(serial=2, slot=2)])
    assert set(only_new) < set(both)
    for k, v in only_new.items():
        assert both[k] == v


@pytest.mark.parametrize("slots,fragment", [
    ([AccessKeySlot(), AccessKeySlot(), AccessKeySlot()], r"programmatic_access: 3 key slots; IAM allows 2"),
    ([AccessKeySlot(slot=1), AccessKeySlot(slot=1)], r"programmatic_access\[1\].slot: slot 1 is used twice"),
    ([AccessKeySlot(slot=3)], r"programmatic_access\[0\].slot: 3 must be 1 or 2"),
    ([AccessKeySlot(serial=0)], r"programmatic_access\[0\].serial: 0 must be a whole number >= 1"),
    ([AccessKeySlot(serial="2")], r"programmatic_access\[0\].serial: '2' must be a whole number"),
    (["key"], r"programmatic_access\[0\]: 'key' must be an AccessKeySlot"),
])
def test_fails_if_key_slots_invalid(slots, fragment):
    with pytest.raises(IamConstructsError, match=fragment):
        IamUser(new_stack(), "Bot", user_name="bot", tags=TAGS, programmatic_access=slots)


# -- departure ------------------------------------------------------------------------------

def test_disabled_user_loses_login_profile_and_active_keys_but_keeps_everything_else():
    def build(disabled):
        stack = new_stack()
        IamUser(stack, "Jane", user_name="jane", tags=TAGS, groups=["developers"], console_access=True,
                programmatic_access=[AccessKeySlot(serial=3)], console_and_keys_reason="test of both",
                disabled=disabled)
        return template(stack).to_json()["Resources"]

    active, disabled = build(False), build(True)
    assert active.keys() == disabled.keys()  # nothing deleted: user, secrets, key stay
    user = next(v for v in disabled.values() if v["Type"] == "AWS::IAM::User")["Properties"]
    assert "LoginProfile" not in user
    assert user["Groups"] == ["developers"]
    key = next(v for v in disabled.values() if v["Type"] == "AWS::IAM::AccessKey")["Properties"]
    assert key["Status"] == "Inactive" and key["Serial"] == 3
    changed = {k for k in active if active[k] != disabled[k]}
    # ... and the cleanup learns that the stack no longer makes the login profile.
    assert {active[k]["Type"] for k in changed} == {"AWS::IAM::User", "AWS::IAM::AccessKey", "Custom::IamUserCleanup"}
    cleanup = next(v for v in disabled.values() if v["Type"] == "Custom::IamUserCleanup")["Properties"]
    assert cleanup["StackLoginProfile"] == "false"


# -- nothing secret anywhere ----------------------------------------------------------------

def test_leak_scan_of_a_whole_cloud_assembly(tmp_path):
    app = cdk.App(outdir=str(tmp_path / "cdk.out"), context={"planted": "not-a-secret"})
    stack = cdk.Stack(app, "Leak")
    param = cdk.CfnParameter(stack, "OnboardingPassword", no_echo=True)
    key = CredentialsKey(stack, "Key")
    IamUser(stack, "Gen", user_name="gen", tags=TAGS, console_access=True, credentials_key=key)
    IamUser(stack, "Param", user_name="param", tags=TAGS, console_access=ConsoleAccess(initial_password=PARAMETER))
    IamUser(stack, "Ref", user_name="ref", tags=TAGS,
            console_access=ConsoleAccess(initial_password=cdk.SecretValue.cfn_parameter(param)))
    IamUser(stack, "Bot", user_name="bot", tags=TAGS, programmatic_access=[AccessKeySlot(), AccessKeySlot(serial=5)])
    for bad in (PLANTED, cdk.SecretValue.unsafe_plain_text(PLANTED)):
        with pytest.raises(IamConstructsError):
            IamUser(stack, "Bad", user_name="bad", tags=TAGS, console_access=ConsoleAccess(initial_password=bad))
    assembly = app.synth()
    files = [p for p in (tmp_path / "cdk.out").rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert PLANTED not in path.read_text(errors="replace"), path
    t = assembly.get_stack_by_name("Leak").template
    assert "Outputs" not in t
    for name, p in t["Parameters"].items():
        if "Password" in name:
            assert p["NoEcho"] is True and "Default" not in p
    # dynamic references and key secrets appear only where CloudFormation resolves them
    for logical_id, res in t["Resources"].items():
        text = json.dumps(res)
        if "{{resolve:secretsmanager" in text:
            assert res["Type"] == "AWS::IAM::User", logical_id
            assert "{{resolve" in json.dumps(res["Properties"]["LoginProfile"]["Password"])
        if '"SecretAccessKey"]' in text:
            assert res["Type"] == "AWS::SecretsManager::Secret", logical_id
    # no dynamic reference in any resource's metadata (CloudFormation does not resolve it there)
    assert [k for k, v in t["Resources"].items() if "{{resolve" in json.dumps(v.get("Metadata", {}))] == []


def test_w1011_acknowledged_only_for_parameter_passwords():
    def metadata(console):
        stack = new_stack()
        IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=console)
        return next(iter(resources_of_type(template(stack), "AWS::IAM::User").values())).get("Metadata", {})

    assert metadata(ConsoleAccess(initial_password=PARAMETER)) == {"cfn-lint": {"config": {"ignore_checks": ["W1011"]}}}
    assert metadata(True) == {}
    assert metadata(ConsoleAccess(initial_password=cdk.SecretValue.secrets_manager("x"))) == {}
