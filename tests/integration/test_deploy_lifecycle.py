"""Deploy the exported roster through LocalStack's CloudFormation, check the live IAM and Secrets
Manager state, change the roster (add, remove, rotate, disable), update, then delete everything.

What LocalStack cannot do, and how it is covered instead:
- it accepts a user's LoginProfile and ignores it, so no test here reads a login profile; the
  template's dynamic reference is asserted by the unit tests and the rule pack;
- it runs Lambda only with Docker, so the roster here sets `password_policy: false` and
  `user_cleanup: false`; both handlers are run against LocalStack's IAM API through the
  custom-resource protocol in test_password_policy_handler.py and test_user_cleanup_handler.py;
- it does not implement updating an AWS::SecretsManager::Secret, so after a rotation the slot's
  secret keeps the old key id there;
- deleting a stack leaves behind the resources an update added to it, so the delete is asserted
  on a stack that was only created (test_create_then_delete_leaves_nothing_unintended);
- its DeleteGroup still sees members after CloudFormation deleted them, so groups and their
  policies survive the account stack's delete there.
The last three are named in skipped tests at the end, with where the behaviour is proven instead.
"""

import json
import time
from pathlib import Path

import pytest

from iam_constructs.credentials import EXCLUDED_PASSWORD_CHARACTERS
from iam_constructs.export import export
from iam_constructs.roster.builder import credentials_key_alias

def roster(tag, users):
    return {
        "version": 1,
        "account": {"password_policy": False, "user_cleanup": False, "enforce_mfa": True, "credentials_key": True,
                    "credential_administrators": ["arn:aws:iam::000000000000:role/platform-deployer"],
                    "stack_prefix": tag.capitalize(), "user_stacks": 2},
        "groups": [
            {"name": f"{tag}-developers", "path": "/teams/", "managed_policies": ["ReadOnlyAccess"],
             "statements": [{"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}],
             "acknowledge": {"AwsSolutions::AwsSolutions-IAM5[Resource::*]": "ecr login takes no resource ARN",
                             "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                             "ReadOnlyAccess]": "read-only by design"}},
            {"name": f"{tag}-bots", "path": "/bots/",
             "statements": [{"actions": ["sqs:SendMessage"], "resources": ["arn:aws:sqs:us-east-1:000000000000:q"]}]},
        ],
        "users": users,
    }


def people(tag, names=("ana", "bo", "cy")):
    return [{"name": f"{tag}.{n}", "path": "/people/", "console": True, "groups": [f"{tag}-developers"],
             "tags": {"Owner": "platform", "Purpose": "human"}} for n in names]


def bots(tag):
    return [{"name": f"{tag}-bot-1", "path": "/bots/", "access_keys": [{"serial": 1, "active": True}],
             "groups": [f"{tag}-bots"], "tags": {"Owner": "platform", "Purpose": "ci"}},
            {"name": f"{tag}-bot-2", "path": "/bots/", "groups": [f"{tag}-bots"],
             "tags": {"Owner": "platform", "Purpose": "ci"},
             "access_keys": [{"slot": 1, "serial": 1, "active": False}, {"slot": 2, "serial": 1, "active": True}]}]


def _deploy(aws, tmp_path, data, label):
    import yaml
    path = tmp_path / f"{label}.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / label
    assert export(str(path), str(out)) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    cfn = aws("cloudformation")
    existing = {s["StackName"] for s in cfn.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"}
    for entry in manifest["stacks"]:
        body = (out / entry["template"]).read_text()
        args = dict(StackName=entry["name"], TemplateBody=body, Capabilities=entry["capabilities"])
        if entry["name"] in existing:
            try:
                cfn.update_stack(**args)
            except cfn.exceptions.ClientError as e:
                if "No updates are to be performed" in str(e):
                    continue
                raise
            _wait(cfn, entry["name"], "UPDATE_COMPLETE")
        else:
            cfn.create_stack(**args)
            _wait(cfn, entry["name"], "CREATE_COMPLETE")
    return manifest


def _wait(cfn, name, goal, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
        status = stacks[0]["StackStatus"]
        if status == goal:
            return
        if status.endswith("FAILED") or status.endswith("ROLLBACK_COMPLETE"):
            events = cfn.describe_stack_events(StackName=name)["StackEvents"][:8]
            reasons = [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason")) for e in events]
            pytest.fail(f"{name}: {status}: {reasons}")
        time.sleep(1)
    pytest.fail(f"{name} did not reach {goal} in {timeout} s")


def _secret(aws, name):
    return json.loads(aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"])


def _keys(aws, user):
    return {k["AccessKeyId"]: k["Status"] for k in aws("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]}


def _user_exists(aws, name):
    try:
        aws("iam").get_user(UserName=name)
        return True
    except aws("iam").exceptions.NoSuchEntityException:
        return False


def _secret_live(aws, name):
    try:
        return "DeletedDate" not in aws("secretsmanager").describe_secret(SecretId=name)
    except aws("secretsmanager").exceptions.ResourceNotFoundException:
        return False


def _assert_created(aws, tag, users):
    """Live state after a create: users, tags, groups, the MFA deny, passwords and keys."""
    iam = aws("iam")
    for u in users:
        live = iam.get_user(UserName=u["name"])["User"]
        assert live["Path"] == u["path"]
        assert {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=u["name"])["Tags"]} == u["tags"]
        assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=u["name"])["Groups"]] == u["groups"]
    attached = [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=f"{tag}-developers")["AttachedPolicies"]]
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" in attached and len(attached) == 4
    deny = []
    for arn in attached:
        if ":aws:policy/" not in arn:
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            doc = json.loads(doc) if isinstance(doc, str) else doc
            deny += [s for s in doc["Statement"] if s.get("Effect") == "Deny"]
    # The guide's deny and the one keeping the exempted actions on the own user, both BoolIfExists.
    assert len(deny) == 2 and all(d["Condition"] == {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
                                  for d in deny)
    assert len(iam.list_attached_group_policies(GroupName=f"{tag}-bots")["AttachedPolicies"]) == 1  # no MFA on bots
    keys = {}
    for u in users:
        if u.get("console"):
            secret = _secret(aws, f"/iam-users/{u['name']}/console-password")
            password = secret["password"]
            assert secret["username"] == u["name"] and len(password) == 32  # max(32, CIS minimum 14)
            # LocalStack 2026.3 ignores RequireEachIncludedType (seen: a password without a digit),
            # so every class being present is asserted on the template (tests/unit/test_credentials.py);
            # here: only printable ASCII, none of the characters the template excludes.
            assert all(" " < c <= "~" and c not in EXCLUDED_PASSWORD_CHARACTERS for c in password), "bad character"
        live = _keys(aws, u["name"])
        assert len(live) == len(u.get("access_keys", []))
        for n, slot in enumerate(u.get("access_keys", []), 1):
            number = slot.get("slot", n)
            secret = _secret(aws, f"/iam-users/{u['name']}/access-key-{number}")
            assert secret["AccessKeyId"] in live and len(secret["SecretAccessKey"]) >= 20
            assert live[secret["AccessKeyId"]] == ("Active" if slot["active"] else "Inactive")
            keys[(u["name"], number)] = secret["AccessKeyId"]
    key = aws("kms").describe_key(KeyId=f"alias/{credentials_key_alias(tag.capitalize())}")["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"
    assert aws("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    return keys, key["KeyId"]


def _delete(aws, manifest):
    """Deletes the stacks in reverse deployment order, each fully before the next."""
    cfn = aws("cloudformation")
    for entry in reversed(manifest["stacks"]):
        cfn.delete_stack(StackName=entry["name"])
        deadline = time.time() + 300
        while True:
            try:
                status = cfn.describe_stacks(StackName=entry["name"])["Stacks"][0]["StackStatus"]
            except cfn.exceptions.ClientError as e:
                assert "does not exist" in str(e), e
                break
            if status == "DELETE_COMPLETE":
                break
            assert not status.endswith("FAILED"), (entry["name"], status)
            assert time.time() < deadline, f"{entry['name']} still {status}"
            time.sleep(1)


def test_create_then_delete_leaves_nothing_unintended(aws, tmp_path):
    tag = "lca"
    users = people(tag) + bots(tag)
    manifest = _deploy(aws, tmp_path, roster(tag, users), "v1")
    assert [s["name"] for s in manifest["stacks"]] == ["LcaAccount", "LcaUsers1", "LcaUsers2"]
    _, key_id = _assert_created(aws, tag, users)

    _delete(aws, manifest)
    iam = aws("iam")
    assert not [u["UserName"] for u in iam.list_users()["Users"] if u["UserName"].startswith(f"{tag}")]
    # Groups and their policies: see test_group_delete_is_not_checked_here.
    assert not [s["Name"] for s in aws("secretsmanager").list_secrets()["SecretList"]
                if s["Name"].startswith(f"/iam-users/{tag}") and "DeletedDate" not in s]
    # Kept on purpose: the credentials key (RemovalPolicy RETAIN: deleting it would make every
    # secret encrypted with it unreadable); its alias goes with the stack.
    assert aws("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    aliases = [a["AliasName"] for a in aws("kms").list_aliases()["Aliases"]]
    assert f"alias/{credentials_key_alias('Lca')}" not in aliases


def test_update_adds_removes_rotates_and_disables(aws, tmp_path):
    tag = "lcb"
    iam = aws("iam")
    before = people(tag) + bots(tag)
    _deploy(aws, tmp_path, roster(tag, before), "v1")
    keys, _ = _assert_created(aws, tag, before)

    after_people = [p for p in people(tag) if p["name"] != f"{tag}.bo"]                  # remove .bo
    after_people += people(tag, ("dee",))                                                # add .dee
    after_people[0]["disabled"] = True                                                    # disable .ana
    after_bots = bots(tag)
    # Rotation as the README describes it: bump a slot's serial only while the other slot is free
    # (CloudFormation creates the replacement before deleting the old key; IAM allows 2 keys).
    after_bots[0]["access_keys"][0]["serial"] = 2                                          # rotate bot-1
    after_bots[1]["disabled"] = True                                                      # disable bot-2
    _deploy(aws, tmp_path, roster(tag, after_people + after_bots), "v2")

    assert _user_exists(aws, f"{tag}.dee") and _secret_live(aws, f"/iam-users/{tag}.dee/console-password")
    assert not _user_exists(aws, f"{tag}.bo")
    assert not _secret_live(aws, f"/iam-users/{tag}.bo/console-password")
    (rotated,) = _keys(aws, f"{tag}-bot-1")
    assert rotated != keys[(f"{tag}-bot-1", 1)]                                           # a new key, live,
    assert _keys(aws, f"{tag}-bot-1") == {rotated: "Active"}                              # the old one gone
    assert _keys(aws, f"{tag}-bot-2") == {keys[(f"{tag}-bot-2", 1)]: "Inactive",           # disabled: keys kept,
                                          keys[(f"{tag}-bot-2", 2)]: "Inactive"}           # off, ids unchanged
    for number in (1, 2):
        assert _secret(aws, f"/iam-users/{tag}-bot-2/access-key-{number}")["AccessKeyId"] == \
            keys[(f"{tag}-bot-2", number)]
    assert _user_exists(aws, f"{tag}.ana") and _secret_live(aws, f"/iam-users/{tag}.ana/console-password")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=f"{tag}.ana")["Groups"]] == [f"{tag}-developers"]
    assert _user_exists(aws, f"{tag}.cy") and _user_exists(aws, f"{tag}-bot-2")


def test_rotated_key_secret_refresh_is_not_checked_here():
    pytest.skip("LocalStack 2026.3 logs 'Unable to update resource type AWS::SecretsManager::Secret ... the update "
                "operation is not implemented', so after a rotation the secret keeps the old key there. In "
                "CloudFormation the secret's SecretString is Fn::Join over the key's Ref and GetAtt SecretAccessKey, "
                "re-resolved when the key is replaced: asserted from the template by test_credentials.py::"
                "test_access_key_secret_holds_id_and_secret_as_json and ::"
                "test_rotation_bumping_one_serial_changes_only_that_slot; the live key rotation itself is asserted by "
                "test_update_adds_removes_rotates_and_disables.")


def test_delete_after_update_is_not_checked_here():
    pytest.skip("LocalStack 2026.3 leaves behind, on stack delete, a user that a stack update added (seen: the user "
                "stays in the stack's resources as CREATE_COMPLETE, then survives DeleteStack, and its groups fail "
                "with DeleteConflict). Deleting what the roster made is asserted on a created stack by "
                "test_create_then_delete_leaves_nothing_unintended; the templates carry no DeletionPolicy on users "
                "or secrets (tests/unit).")


def test_group_delete_is_not_checked_here():
    pytest.skip("LocalStack 2026.3: after the user stacks are DELETE_COMPLETE (DescribeStacks says they do not "
                "exist) and GetGroup lists no users, its DeleteGroup in the account stack's delete still fails with "
                "DeleteConflict 'must remove users from group first', so the groups and their policies stay. The "
                "templates carry no DeletionPolicy on groups or policies (tests/unit), and the users, secrets and "
                "key alias are asserted gone by test_create_then_delete_leaves_nothing_unintended.")


def test_example_roster_deploys_and_its_delete_keeps_only_what_the_readme_lists(aws, tmp_path):
    """examples/roster.yaml as a platform team would deploy it, less what needs Lambda (LocalStack
    runs none here: the password policy and the user cleanup, proven through the protocol instead)."""
    import yaml
    data = yaml.safe_load((Path(__file__).parents[2] / "examples" / "roster.yaml").read_text())
    data["account"].update(password_policy=False, user_cleanup=False, stack_prefix="Example")
    manifest = _deploy(aws, tmp_path, data, "example")
    names = [u["name"] for u in data["users"]]
    assert all(_user_exists(aws, n) for n in names)
    key_id = aws("kms").describe_key(KeyId=f"alias/{credentials_key_alias('Example')}")["KeyMetadata"]["KeyId"]
    _delete(aws, manifest)
    assert not [n for n in names if _user_exists(aws, n)]
    assert not [s["Name"] for s in aws("secretsmanager").list_secrets()["SecretList"]
                if s["Name"].split("/")[2:3] and s["Name"].split("/")[2] in names and "DeletedDate" not in s]
    # Kept on purpose (README, "Removing everything"): the key; its alias goes with the stack.
    assert aws("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    assert f"alias/{credentials_key_alias('Example')}" not in [a["AliasName"] for a in aws("kms").list_aliases()["Aliases"]]
