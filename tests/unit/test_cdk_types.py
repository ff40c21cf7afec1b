"""The CDK's own types in and out: secrets as aws_secretsmanager.ISecret, key slots as named
objects, aws_kms.IKey and aws_iam.IRole accepted, and IamGroup / IamUser through Secrets Manager,
KMS, S3, SQS and aws_iam with the three rule packs on."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as sm
from aws_cdk import aws_sqs as sqs

from iam_constructs import AccessKeySlot, ConsoleAccess, CredentialsKey, IamConstructsError, IamGroup, IamUser
from iam_constructs.synth import add_rule_packs
from iam_constructs.user import AccessKey
from tests.support import TAGS, assert_lint_clean, new_stack, resources_of_type, template


def _synth_with_packs(tmp_path, app, stack_name):
    add_rule_packs(app)
    try:
        app.synth()
    except Exception:  # ValidationFailed comes through jsii as a RuntimeError
        pass
    body = json.loads((tmp_path / f"{stack_name}.template.json").read_text())
    assert_lint_clean(body)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = {(v["ruleName"], c["constructPath"]) for p in report["pluginReports"] for v in p["violations"]
                  for c in v["violatingConstructs"]}
    return body, violations


def _policy_statements(body, owner_ref):
    """Statements of every customer-managed policy attached to the group or user ``owner_ref``."""
    owner = body["Resources"][owner_ref]["Properties"]
    out = []
    for arn in owner.get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and arn.get("Ref") in body["Resources"]:
            out += body["Resources"][arn["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
    return out


def test_group_and_user_through_five_cdk_apis_with_the_rule_packs_on(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "S")
    group = IamGroup(stack, "Devs", group_name="developers")
    user = IamUser(stack, "Jane", user_name="jane", tags=TAGS, groups=[group],
                   direct_policies_reason="reads the release key during the migration")
    secret = sm.Secret(stack, "Secret")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Bucket", enforce_ssl=True)
    queue = sqs.Queue(stack, "Queue", enforce_ssl=True)
    secret.grant_read(group)
    key.grant_decrypt(group)
    bucket.grant_read(group)
    queue.grant_send_messages(group)
    key.grant_decrypt(user)  # through the escape hatch: a customer-managed policy on the user
    other = iam.Group(stack, "Other")
    other.add_user(user)
    managed = iam.ManagedPolicy(stack, "ByGroups", groups=[group],
                                statements=[iam.PolicyStatement(actions=["sqs:ListQueues"], resources=["*"])])
    # iam.Policy (inline) is refused; the refusal comes back through the CDK (jsii) as its error.
    elsewhere = new_stack("Elsewhere")
    refused = IamGroup(elsewhere, "Devs", group_name="developers")
    with pytest.raises((IamConstructsError, RuntimeError), match="inline policies are refused on IAM group"):
        iam.Policy(elsewhere, "Inline", groups=[refused],
                   statements=[iam.PolicyStatement(actions=["sqs:ListQueues"], resources=["*"])])

    body, violations = _synth_with_packs(tmp_path, app, "S")
    ids = {stack.get_logical_id(c.node.default_child): c for c in (secret, key, bucket, queue)}
    group_id, user_id = stack.get_logical_id(group.resource), user.logical_id
    by_resource = {}
    for stmt in _policy_statements(body, group_id):
        for res in stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]:
            ref = res.get("Ref") or (res.get("Fn::GetAtt") or [None])[0] if isinstance(res, dict) else None
            by_resource.setdefault(ref, set()).update(
                stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]])
    secret_id, key_id, bucket_id, queue_id = ids
    assert {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"} <= by_resource[secret_id]
    assert "kms:Decrypt" in by_resource[key_id]
    assert "s3:GetObject*" in by_resource[bucket_id]
    assert "sqs:SendMessage" in by_resource[queue_id]
    (user_stmt,) = _policy_statements(body, user_id)
    assert user_stmt["Action"] == "kms:Decrypt" and user_stmt["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert {"Ref": stack.get_logical_id(other.node.default_child)} in body["Resources"][user_id]["Properties"]["Groups"]
    assert body["Resources"][stack.get_logical_id(managed.node.default_child)]["Properties"]["Groups"] == [
        {"Ref": group_id}]
    assert resources_of_type_json(body, "AWS::IAM::Policy") == {}
    ours = {(rule, path) for rule, path in violations if path.startswith(("S/Devs", "S/Jane"))}
    assert not {r for r, _ in ours if r.startswith("IamConstructs-")}, ours


def resources_of_type_json(body, cfn_type):
    return {k: v for k, v in body["Resources"].items() if v["Type"] == cfn_type}


def test_credential_secrets_are_isecrets_and_key_slots_named_objects():
    stack = new_stack()
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    jane = IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(password_readers=[reader]))
    bot = IamUser(stack, "Bot", user_name="bot", tags=TAGS,
                  programmatic_access=[AccessKeySlot(serial=3, readers=[reader]), AccessKeySlot(slot=2, active=False)])
    secret = jane.console_password_secret
    assert hasattr(secret, "grant_read") and hasattr(secret, "secret_arn")  # an aws_secretsmanager.ISecret
    assert jane.console_password_secret_resource.cfn_resource_type == "AWS::SecretsManager::Secret"
    one, two = bot.access_keys
    assert isinstance(one, AccessKey) and (one.slot, one.serial, one.active) == (1, 3, True)
    assert (two.slot, two.serial, two.active) == (2, 1, False)
    assert one.resource.cfn_resource_type == "AWS::IAM::AccessKey"
    with pytest.raises(Exception):
        one.slot = 2  # frozen
    jane.console_password_secret.grant_read(reader)
    two.secret.grant_read(reader)
    t = template(stack)
    statements = [s for p in resources_of_type(t, "AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    refs = {json.dumps(s["Resource"]) for s in statements}
    assert json.dumps({"Ref": f"{jane.logical_id}ConsolePassword"}) in refs
    assert json.dumps({"Ref": f"{bot.logical_id}AccessKey2Secret"}) in refs
    # The role given as a reader is named by its ARN in the secrets' resource policies.
    policies = resources_of_type(t, "AWS::SecretsManager::ResourcePolicy")
    principals = [p["Properties"]["ResourcePolicy"]["Statement"][0]["Principal"]["AWS"] for p in policies.values()]
    role_arn = stack.resolve(reader.role_arn)
    assert principals == [[role_arn], [role_arn]]
    # Nothing secret in the template: a secret's value is generated or comes from Fn::GetAtt.
    for res in resources_of_type(t, "AWS::SecretsManager::Secret").values():
        assert not isinstance(res["Properties"].get("SecretString"), str)


def test_credentials_key_takes_an_ikey_a_credentials_key_or_an_arn():
    stack = new_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    a = IamUser(stack, "A", user_name="a", tags=TAGS, console_access=True, credentials_key=key)
    ours = CredentialsKey(stack, "Ours")
    b = IamUser(stack, "B", user_name="b", tags=TAGS, console_access=True, credentials_key=ours)
    c = IamUser(stack, "C", user_name="c", tags=TAGS, console_access=True,
                credentials_key="alias/iam-constructs/credentials")
    t = template(stack).to_json()["Resources"]
    assert t[f"{a.logical_id}ConsolePassword"]["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}
    assert t[f"{b.logical_id}ConsolePassword"]["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": [stack.get_logical_id(ours.resource), "Arn"]}
    assert t[f"{c.logical_id}ConsolePassword"]["Properties"]["KmsKeyId"] == "alias/iam-constructs/credentials"


@pytest.mark.parametrize("bad,fragment", [
    ("alias/aws/secretsmanager", "not a KMS key ARN"),
    ("my-key", "not a KMS key ARN"),
    (42, "must be a CredentialsKey, an aws_kms.IKey or a KMS key ARN"),
])
def test_fails_if_credentials_key_is_not_a_key(bad, fragment):
    with pytest.raises(IamConstructsError, match=f"credentials_key: .*{fragment}"):
        IamUser(new_stack(), "A", user_name="a", tags=TAGS, console_access=True, credentials_key=bad)


def test_fails_if_a_reader_is_neither_an_arn_nor_a_role():
    stack = new_stack()
    with pytest.raises(IamConstructsError, match=r"console_access.password_readers: 3 is not an IAM principal ARN"):
        IamUser(stack, "A", user_name="a", tags=TAGS, console_access=ConsoleAccess(password_readers=[3]))
    assert stack.node.try_find_child("A") is None


def test_grant_read_on_a_credential_secret_also_grants_decrypt_with_an_ikey():
    stack = new_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    jane = IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True, credentials_key=key)
    jane.console_password_secret.grant_read(reader)
    t = template(stack).to_json()["Resources"]
    statements = t[stack.get_logical_id(key.node.default_child)]["Properties"]["KeyPolicy"]["Statement"]
    decrypt = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert decrypt and decrypt[0]["Principal"] == {"AWS": {"Fn::GetAtt": [stack.get_logical_id(
        reader.node.default_child), "Arn"]}}
    assert "secretsmanager." in json.dumps(decrypt[0]["Condition"])
