import json

from iam_constructs import MfaEnforcementPolicy, SelfServiceCredentialsPolicy
from iam_constructs.mfa import mfa_enforcement_document
from tests.support import new_stack, resources_of_type, template

EXPECTED_NOT_ACTIONS = [
    "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
    "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken",
    "iam:ListUsers", "iam:ChangePassword", "iam:GetAccountPasswordPolicy",
]


def _only_policy(stack):
    return next(iter(resources_of_type(template(stack), "AWS::IAM::ManagedPolicy").values()))["Properties"]


def test_mfa_enforcement_is_the_aws_deny_with_bool_if_exists():
    stack = new_stack()
    MfaEnforcementPolicy(stack, "Mfa")
    doc = _only_policy(stack)["PolicyDocument"]
    assert doc["Statement"] == [{
        "Sid": "BlockMostAccessUnlessSignedInWithMFA",
        "Effect": "Deny",
        "NotAction": EXPECTED_NOT_ACTIONS,
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }]


def test_mfa_enforcement_can_deny_password_change_without_mfa():
    doc = mfa_enforcement_document(allow_first_sign_in_password_change=False)
    assert doc["Statement"][0]["NotAction"] == EXPECTED_NOT_ACTIONS[:8]


def test_self_service_writes_are_scoped_to_own_user():
    stack = new_stack()
    SelfServiceCredentialsPolicy(stack, "Self")
    statements = _only_policy(stack)["PolicyDocument"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    for sid, s in by_sid.items():
        assert s["Effect"] == "Allow"
        if s["Resource"] == "*":
            # only reads that cannot be scoped to a user
            assert set(s["Action"]) <= {"iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"}, sid
        else:
            assert "${aws:username}" in json.dumps(s["Resource"]), sid
    assert by_sid["AllowDeactivateOwnMFAOnlyWhenSignedInWithMFA"]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"}}
    actions = {a for s in statements for a in s["Action"]}
    assert not {"iam:CreateAccessKey", "iam:UpdateAccessKey"} & actions


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
