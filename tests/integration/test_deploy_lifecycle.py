"""Deploy the exported roster through LocalStack's CloudFormation, check the live IAM and Secrets
Manager state, change the roster (add, remove, rotate, disable), update, then delete everything.

What LocalStack cannot do, and how it is covered instead:
- it accepts a user's LoginProfile and ignores it, so no test here reads a login profile; the
  template's dynamic reference is asserted by the unit tests and the rule pack;
- it runs Lambda only with Docker, so the roster here sets `password_policy: false`; the handler
  is run against LocalStack's IAM API through the custom-resource protocol in
  test_password_policy_handler.py.
"""

import json
import time

import pytest

from iam_constructs.export import export
from iam_constructs.roster.builder import CREDENTIALS_KEY_ALIAS

PREFIX = "Lc"


def roster(users):
    return {
        "version": 1,
        "account": {"password_policy": False, "enforce_mfa": True, "credentials_key": True,
                    "stack_prefix": PREFIX, "user_stacks": 2},
        "groups": [
            {"name": "lc-developers", "path": "/teams/", "managed_policies": ["ReadOnlyAccess"],
             "statements": [{"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}],
             "acknowledge": {"AwsSolutions::AwsSolutions-IAM5[Resource::*]": "ecr login takes no resource ARN",
                             "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                             "ReadOnlyAccess]": "read-only by design"}},
            {"name": "lc-bots", "path": "/bots/",
             "statements": [{"actions": ["sqs:SendMessage"], "resources": ["arn:aws:sqs:us-east-1:000000000000:q"]}]},
        ],
        "users": users,
    }


PEOPLE = [{"name": n, "path": "/people/", "console": True, "groups": ["lc-developers"],
           "tags": {"Owner": "platform", "Purpose": "human"}} for n in ("lc.ana", "lc.bo", "lc.cy")]
BOTS = [{"name": "lc-bot-1", "path": "/bots/", "access_keys": [{"serial": 1, "active": True}], "groups": ["lc-bots"],
         "tags": {"Owner": "platform", "Purpose": "ci"}},
        {"name": "lc-bot-2", "path": "/bots/", "groups": ["lc-bots"], "tags": {"Owner": "platform", "Purpose": "ci"},
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


def test_roster_lifecycle_create_update_delete(aws, tmp_path):
    iam = aws("iam")
    manifest = _deploy(aws, tmp_path, roster(PEOPLE + BOTS), "v1")
    assert [s["name"] for s in manifest["stacks"]][0] == f"{PREFIX}Account"

    # -- created: users, paths, tags, groups, policies ------------------------------------------
    for u in PEOPLE + BOTS:
        live = iam.get_user(UserName=u["name"])["User"]
        assert live["Path"] == u["path"]
        tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=u["name"])["Tags"]}
        assert tags == u["tags"]
        groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName=u["name"])["Groups"]]
        assert groups == u["groups"]
    attached = {p["PolicyArn"]: p["PolicyName"] for p in
                iam.list_attached_group_policies(GroupName="lc-developers")["AttachedPolicies"]}
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" in attached and len(attached) == 4
    documents = []
    for arn in attached:
        if ":aws:policy/" in arn:
            continue
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        documents.append(json.loads(doc) if isinstance(doc, str) else doc)
    deny = [s for d in documents for s in d["Statement"] if s.get("Effect") == "Deny"]
    assert deny and deny[0]["Condition"] == {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    assert len(iam.list_attached_group_policies(GroupName="lc-bots")["AttachedPolicies"]) == 1  # no MFA on bots

    # -- credentials ----------------------------------------------------------------------------
    for u in PEOPLE:
        secret = _secret(aws, f"/iam-users/{u['name']}/console-password")
        password = secret["password"]
        assert secret["username"] == u["name"] and len(password) == 32  # max(32, CIS minimum 14)
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)
    keys_before = {}
    for u in BOTS:
        live = _keys(aws, u["name"])
        assert len(live) == len(u["access_keys"])
        for n, slot in enumerate(u["access_keys"], 1):
            number = slot.get("slot", n)
            secret = _secret(aws, f"/iam-users/{u['name']}/access-key-{number}")
            assert secret["AccessKeyId"] in live and len(secret["SecretAccessKey"]) >= 20
            assert live[secret["AccessKeyId"]] == ("Active" if slot["active"] else "Inactive")
            keys_before[(u["name"], number)] = secret["AccessKeyId"]
    key = aws("kms").describe_key(KeyId=f"alias/{CREDENTIALS_KEY_ALIAS}")["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER" and aws("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]

    # -- change the roster: add, remove, rotate, disable ----------------------------------------
    people = [dict(p) for p in PEOPLE if p["name"] != "lc.bo"]                       # remove lc.bo
    people.append({"name": "lc.dee", "console": True, "groups": ["lc-developers"],  # add lc.dee
                   "tags": {"Owner": "platform", "Purpose": "human"}})
    people[0]["disabled"] = True                                                    # disable lc.ana
    bots = json.loads(json.dumps(BOTS))
    bots[1]["access_keys"][1]["serial"] = 2                                          # rotate lc-bot-2 slot 2
    bots[0]["disabled"] = True                                                      # disable lc-bot-1
    _deploy(aws, tmp_path, roster(people + bots), "v2")

    assert _user_exists(aws, "lc.dee") and _secret_live(aws, "/iam-users/lc.dee/console-password")
    assert not _user_exists(aws, "lc.bo")
    assert not _secret_live(aws, "/iam-users/lc.bo/console-password")
    rotated = _secret(aws, "/iam-users/lc-bot-2/access-key-2")["AccessKeyId"]
    untouched = _secret(aws, "/iam-users/lc-bot-2/access-key-1")["AccessKeyId"]
    assert rotated != keys_before[("lc-bot-2", 2)] and untouched == keys_before[("lc-bot-2", 1)]
    assert set(_keys(aws, "lc-bot-2")) == {rotated, untouched}
    assert _keys(aws, "lc-bot-1") == {keys_before[("lc-bot-1", 1)]: "Inactive"}   # disabled: key kept, off
    assert _secret(aws, "/iam-users/lc-bot-1/access-key-1")["AccessKeyId"] == keys_before[("lc-bot-1", 1)]
    assert _user_exists(aws, "lc.ana") and _secret_live(aws, "/iam-users/lc.ana/console-password")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="lc.ana")["Groups"]] == ["lc-developers"]

    # -- delete every stack ---------------------------------------------------------------------
    cfn = aws("cloudformation")
    for entry in reversed(manifest["stacks"]):
        cfn.delete_stack(StackName=entry["name"])
        deadline = time.time() + 300
        while time.time() < deadline:
            live = [s for s in cfn.describe_stacks()["Stacks"] if s["StackName"] == entry["name"]
                    and s["StackStatus"] != "DELETE_COMPLETE"]
            if not live:
                break
            assert not live[0]["StackStatus"].endswith("FAILED"), live[0]
            time.sleep(1)
    names = {u["name"] for u in PEOPLE + BOTS} | {"lc.dee"}
    assert not [u["UserName"] for u in iam.list_users()["Users"] if u["UserName"] in names]
    assert not [g["GroupName"] for g in iam.list_groups()["Groups"] if g["GroupName"].startswith("lc-")]
    live_secrets = [s["Name"] for s in aws("secretsmanager").list_secrets()["SecretList"]
                    if s["Name"].startswith("/iam-users/lc") and "DeletedDate" not in s]
    assert live_secrets == []
    # what the roster keeps on purpose: the credentials key (RemovalPolicy RETAIN), now without its alias
    assert aws("kms").describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] in ("Enabled", "PendingDeletion")
