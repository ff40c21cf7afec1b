import json

from iam_constructs import MfaEnforcementPolicy, SelfServiceCredentialsPolicy
from iam_constructs.mfa import mfa_enforcement_document
from tests.support import new_stack, resources_of_type, template

EXPECTED_NOT_ACTIONS = [
    "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
    "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken",
    "iam:ListUsers", "iam:GetMFADevice", "iam:ChangePassword", "iam:GetAccountPasswordPolicy",
]


def _only_policy(stack):
    return next(iter(resources_of_type(template(stack), "AWS::IAM::ManagedPolicy").values()))["Properties"]


def test_mfa_enforcement_is_the_aws_deny_with_bool_if_exists():
    # What the deny allows and refuses is proven by the evaluator (tests/policy); this pins the
    # published shape: the guide's NotAction list and BoolIfExists, never plain Bool.
    stack = new_stack()
    MfaEnforcementPolicy(stack, "Mfa")
    block, own_only = _only_policy(stack)["PolicyDocument"]["Statement"]
    assert block["Sid"] == "BlockMostAccessUnlessSignedInWithMFA" and block["Effect"] == "Deny"
    assert block["NotAction"] == EXPECTED_NOT_ACTIONS and block["Resource"] == "*"
    for s in (block, own_only):
        assert s["Condition"] == {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    assert own_only["Effect"] == "Deny" and "NotResource" in own_only


def test_mfa_enforcement_can_deny_password_change_without_mfa():
    doc = mfa_enforcement_document(allow_first_sign_in_password_change=False)
    assert doc["Statement"][0]["NotAction"] == EXPECTED_NOT_ACTIONS[:9]


def test_self_service_never_lets_a_user_make_access_keys_or_login_profiles():
    stack = new_stack()
    SelfServiceCredentialsPolicy(stack, "Self")
    actions = {a for s in _only_policy(stack)["PolicyDocument"]["Statement"] for a in s["Action"]}
    assert not {a for a in actions if "AccessKey" in a or a in ("iam:CreateLoginProfile", "iam:UpdateLoginProfile")}


def test_policies_are_partition_aware():
    stack = new_stack()
    SelfServiceCredentialsPolicy(stack, "Self")
    MfaEnforcementPolicy(stack, "Mfa")
    text = json.dumps(template(stack).to_json())
    assert "arn:aws:" not in text
    assert '{"Ref": "AWS::Partition"}' in text


def test_of_stack_returns_one_instance():
    stack = new_stack()
    assert MfaEnforcementPolicy.of_stack(stack) is MfaEnforcementPolicy.of_stack(stack)
    template(stack).resource_count_is("AWS::IAM::ManagedPolicy", 1)
