"""IamGroup as an aws_iam.IGroup and IamUser as an aws_iam.IUser, through the CDK's own APIs and
the synthesized templates."""

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from iam_constructs import IamConstructsError, IamGroup, IamUser, IamUsers
from iam_constructs._user_template import logical_id
from iam_constructs.nag import IamConstructsChecks
from tests.support import TAGS, assert_lint_clean, new_stack, resources_of_type, template


def _group_policy_statements(t, group_id):
    """Statements of every customer-managed policy attached to the group, in attachment order."""
    group = t.to_json()["Resources"][group_id]
    policies = resources_of_type(t, "AWS::IAM::ManagedPolicy")
    out = []
    for arn in group["Properties"].get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and "Ref" in arn and arn["Ref"] in policies:
            out += policies[arn["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
    return out


def test_group_is_an_igroup_and_bucket_grant_read_lands_in_its_managed_policy():
    stack = new_stack()
    group = IamGroup(stack, "Devs", group_name="developers")
    bucket = s3.Bucket(stack, "Bucket", enforce_ssl=True)
    bucket.grant_read(group)
    t = template(stack)
    t.resource_count_is("AWS::IAM::Policy", 0)  # never inline
    bucket_id = stack.get_logical_id(bucket.node.default_child)
    (stmt,) = _group_policy_statements(t, stack.get_logical_id(group.resource))
    assert stmt["Action"] == ["s3:GetObject*", "s3:GetBucket*", "s3:List*"]
    assert stmt["Resource"][0] == {"Fn::GetAtt": [bucket_id, "Arn"]}


def test_table_grant_read_data_and_grant_add_to_principal_and_statements_share_one_policy():
    stack = new_stack()
    group = IamGroup(stack, "Devs", group_name="developers",
                     statements=[{"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}])
    table = ddb.TableV2(stack, "Table", partition_key=ddb.Attribute(name="pk", type=ddb.AttributeType.STRING))
    table.grant_read_data(group)
    iam.Grant.add_to_principal(grantee=group, actions=["sqs:SendMessage"],
                               resource_arns=["arn:aws:sqs:us-east-1:123456789012:jobs"])
    t = template(stack)
    t.resource_count_is("AWS::IAM::ManagedPolicy", 1)
    stmts = _group_policy_statements(t, stack.get_logical_id(group.resource))
    assert stmts[0] == {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]}
    assert "dynamodb:GetItem" in stmts[1]["Action"]
    assert stmts[-1] == {"Action": "sqs:SendMessage", "Effect": "Allow",
                         "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs"}


def test_queue_grant_and_managed_policy_and_group_attributes():
    stack = new_stack()
    group = IamGroup(stack, "Devs", group_name="developers", path="/teams/")
    queue = sqs.Queue(stack, "Queue", enforce_ssl=True)
    queue.grant_send_messages(group)
    mp = iam.ManagedPolicy(stack, "Extra", statements=[iam.PolicyStatement(actions=["s3:ListAllMyBuckets"],
                                                                          resources=["*"])])
    group.add_managed_policy(mp)
    group.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess"))
    iam.ManagedPolicy(stack, "ByGroups", groups=[group],
                      statements=[iam.PolicyStatement(actions=["sqs:ListQueues"], resources=["*"])])
    assert group.assume_role_action == "sts:AssumeRole" and group.grant_principal is group
    t = template(stack)
    group_id = stack.get_logical_id(group.resource)
    arns = t.to_json()["Resources"][group_id]["Properties"]["ManagedPolicyArns"]
    assert arns[1] == {"Ref": stack.get_logical_id(mp.node.default_child)} and len(arns) == 3
    t.has_resource_properties("AWS::IAM::ManagedPolicy", {"Groups": [{"Ref": group_id}]})
    assert stack.resolve(group.group_arn) == {"Fn::GetAtt": [group_id, "Arn"]}
    other = cdk.Stack(cdk.App(), "Other", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    arn = json.dumps(other.resolve(group.group_arn))
    assert "AWS::Partition" in arn and ":group/teams/developers" in arn


def test_group_from_group_name_interop_and_grant_visible_to_awssolutions(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "S")
    group = IamGroup(stack, "Devs", group_name="developers")
    bucket = s3.Bucket(stack, "Bucket", enforce_ssl=True)
    bucket.grant_read(group)  # s3:GetObject* on bucket/*: a wildcard AwsSolutions-IAM5 must still see
    imported = iam.Group.from_group_name(stack, "Imported", "auditors")
    jane = IamUser(stack, "Jane", user_name="jane", tags=TAGS, groups=[group, imported])
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        app.synth()
    except Exception:  # ValidationFailed comes through jsii as a RuntimeError
        pass
    report = json.loads((tmp_path / "validation-report.json").read_text())
    iam5 = [c["constructPath"] for p in report["pluginReports"] for v in p["violations"]
            if v["ruleName"].startswith("AwsSolutions-IAM5[") for c in v["violatingConstructs"]]
    assert "S/Devs/Policy" in iam5
    body = json.loads((tmp_path / "S.template.json").read_text())
    assert_lint_clean(body)
    user = body["Resources"][jane.logical_id]["Properties"]
    assert user["Groups"] == [{"Ref": stack.get_logical_id(group.resource)}, "auditors"]


def test_grants_split_over_managed_policies_by_iams_size_limit():
    stack = new_stack()
    group = IamGroup(stack, "G", group_name="g")
    for i in range(60):  # 60 statements of about 230 characters: more than one policy holds
        iam.Grant.add_to_principal(grantee=group, actions=["s3:GetObject"],
                                   resource_arns=[f"arn:aws:s3:::bucket-{i:03d}-{'x' * 150}/*"])
    t = template(stack)
    policies = resources_of_type(t, "AWS::IAM::ManagedPolicy")
    assert len(policies) == len(group.policies) >= 2
    for p in policies.values():  # whitespace does not count
        assert len(json.dumps(p["Properties"]["PolicyDocument"], separators=(",", ":"))) <= 6144
    assert len(_group_policy_statements(t, stack.get_logical_id(group.resource))) == 60


def test_fails_at_synth_past_ten_managed_policies_per_group():
    stack = new_stack()
    group = IamGroup(stack, "G", group_name="g", managed_policies=[f"arn:aws:iam::aws:policy/P{i}" for i in range(8)])
    for i in range(60):
        iam.Grant.add_to_principal(grantee=group, actions=["s3:GetObject"],
                                   resource_arns=[f"arn:aws:s3:::bucket-{i:03d}-{'x' * 150}/*"])
    assert len(group.managed_policy_arns) == 10
    with pytest.raises(RuntimeError, match=r"TestStack/G: add_to_principal_policy: the grants to IAM group 'g' need "
                                           r"more managed policies than IAM allows \(10 per group"):
        cdk.App.of(stack).synth()


def test_fails_if_inline_policy_attached_to_group():
    stack = new_stack()
    group = IamGroup(stack, "G", group_name="g")
    with pytest.raises(IamConstructsError, match=r"TestStack/G: attach_inline_policy: inline policies are refused "
                                                 r"on IAM group 'g'"):
        group.attach_inline_policy(iam.Policy(stack, "P"))
    with pytest.raises(RuntimeError, match=r"attach_inline_policy: inline policies are refused"):
        iam.Policy(stack, "P2", groups=[group])  # through jsii the error arrives as a RuntimeError


def test_group_add_user_with_iam_user_and_iuser():
    stack = new_stack()
    group = IamGroup(stack, "G", group_name="devs")
    jane = IamUser(stack, "Jane", user_name="jane", tags=TAGS)
    cdk_user = iam.User(stack, "Cdk")
    imported = iam.User.from_user_name(stack, "Imp", "legacy")
    group.add_user(jane)
    group.add_user(cdk_user)
    group.add_user(imported)
    t = template(stack)
    group_id = stack.get_logical_id(group.resource)
    resources = t.to_json()["Resources"]
    assert resources[jane.logical_id]["Properties"]["Groups"] == [{"Ref": group_id}]
    cdk_props = resources[stack.get_logical_id(cdk_user.node.default_child)]
    assert cdk_props["Properties"]["Groups"] == ["devs"] and group_id in cdk_props["DependsOn"]
    t.has_resource_properties("AWS::IAM::UserToGroupAddition", {"GroupName": {"Ref": group_id},
                                                               "Users": ["legacy"]})


def test_cdk_group_add_user_with_iam_user_and_groups_prop_takes_igroups():
    stack = new_stack()
    cdk_group = iam.Group(stack, "Cdk", group_name="cdk-devs")
    imported = iam.Group.from_group_name(stack, "Imported", "auditors")
    jane = IamUser(stack, "Jane", user_name="jane", tags=TAGS, groups=[cdk_group])
    bob = IamUser(stack, "Bob", user_name="bob", tags=TAGS)
    iam.Group(stack, "Other").add_user(bob)
    bob.add_to_group(imported)
    t = template(stack).to_json()["Resources"]
    assert t[jane.logical_id]["Properties"]["Groups"] == [{"Ref": stack.get_logical_id(cdk_group.node.default_child)}]
    assert t[bob.logical_id]["Properties"]["Groups"][1] == "auditors"
    cleanup = t[f"{bob.logical_id}Cleanup"]["Properties"]
    assert cleanup["StackGroups"] == t[bob.logical_id]["Properties"]["Groups"]  # kept in step


def test_user_is_an_iuser_with_path_aware_arn_and_default_child():
    stack = new_stack()
    jane = IamUser(stack, "Jane", user_name="jane.smith", path="/developers/", tags=TAGS)
    # jsii hands back a new Python object for a resource the JS side made: compare paths
    assert jane.node.default_child.node.path == jane.resource.node.path == f"TestStack/Jane/Resources/{jane.logical_id}"
    assert stack.resolve(jane.user_arn) == {"Fn::GetAtt": [logical_id("jane.smith"), "Arn"]}
    other = cdk.Stack(cdk.App(), "Other", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    arn = json.dumps(other.resolve(jane.user_arn))
    assert "AWS::Partition" in arn and ":user/developers/jane.smith" in arn
    iam.ManagedPolicy(stack, "ByUsers", users=[jane], statements=[
        iam.PolicyStatement(actions=["s3:ListAllMyBuckets"], resources=["*"])])
    template(stack).has_resource_properties("AWS::IAM::ManagedPolicy", {"Users": [{"Ref": jane.logical_id}]})


def test_fails_if_granting_to_a_user_without_the_escape_hatch():
    stack = new_stack()
    jane = IamUser(stack, "Jane", user_name="jane", tags=TAGS)
    bucket = s3.Bucket(stack, "Bucket")
    with pytest.raises(IamConstructsError, match=r"TestStack/Jane: add_to_principal_policy: grants to a user are "
                                                 r"refused: permissions come through groups"):
        jane.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    with pytest.raises(RuntimeError, match=r"direct_policies_reason"):
        bucket.grant_read(jane)
    with pytest.raises(IamConstructsError, match=r"add_managed_policy: policies attached straight to a user"):
        jane.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess"))


def test_grant_to_user_through_escape_hatch_lands_in_a_managed_policy_with_the_reason(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "S")
    bot = IamUser(stack, "Bot", user_name="bot", tags=TAGS, direct_policies_reason="vendor tool signs as this user")
    bucket = s3.Bucket(stack, "Bucket", enforce_ssl=True)
    bucket.grant_read(bot)
    cdk.Validations.of(app).add_plugins(IamConstructsChecks())
    try:
        app.synth()  # before any Template.from_stack, which would synthesize without the plugin
    except Exception:
        pass
    report = json.loads((tmp_path / "validation-report.json").read_text())
    reasons = {s["ruleName"]: s["reason"] for p in report["pluginReports"] for s in p.get("suppressedViolations", [])}
    assert reasons.get("IamConstructs-NoDirectUserPolicies") == "vendor tool signs as this user"
    body = json.loads((tmp_path / "S.template.json").read_text())
    assert_lint_clean(body)
    t = body["Resources"]
    (policy_id,) = [k for k, v in t.items() if v["Type"] == "AWS::IAM::ManagedPolicy" and k.startswith("BotPolicy")]
    assert t[bot.logical_id]["Properties"]["ManagedPolicyArns"] == [{"Ref": policy_id}]
    assert t[f"{bot.logical_id}Cleanup"]["Properties"]["StackManagedPolicies"] == [{"Ref": policy_id}]


@pytest.mark.parametrize("bad,fragment", [
    (42, r"groups\[0\]: 42 is not a group; give an IamGroup, an aws_iam.IGroup or a group name"),
    ("dev team", r"groups\[0\]: 'dev team' has characters IAM refuses"),
])
def test_fails_if_group_is_not_a_group(bad, fragment):
    with pytest.raises(IamConstructsError, match=r"TestStack/U: " + fragment):
        IamUser(new_stack(), "U", user_name="u", tags=TAGS, groups=[bad])


def test_fails_if_members_are_not_users():
    with pytest.raises(IamConstructsError, match=r"TestStack/G: members\[0\]: 'jane' is not a user"):
        IamGroup(new_stack(), "G", group_name="g", members=["jane"])


def test_bulk_users_take_igroups_and_refuse_token_names():
    stack = new_stack()
    cdk_group = iam.Group(stack, "Cdk")
    users = IamUsers(stack, "Users", users=[{"user_name": "a", "tags": TAGS, "groups": [cdk_group]}])
    t = template(stack).to_json()["Resources"]
    assert t[logical_id("a")]["Properties"]["Groups"] == [{"Ref": stack.get_logical_id(cdk_group.node.default_child)}]
    assert users.user_names == ("a",)
    param = cdk.CfnParameter(stack, "Name", type="String")
    with pytest.raises(IamConstructsError, match=r"TestStack/More/\$\{Token.*user_name: .*is a token"):
        IamUsers(stack, "More", users=[{"user_name": param.value_as_string, "tags": TAGS}])
