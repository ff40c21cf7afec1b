import pytest
from aws_cdk import aws_iam as iam

from iam_constructs import IamConstructsError, IamGroup, IamUser, MfaEnforcementPolicy
from tests.support import TAGS, new_stack, resources_of_type, template

PARTITION_ARN = lambda name: {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{name}"]]}  # noqa: E731


def test_group_with_managed_policies_by_name_and_arn():
    stack = new_stack()
    IamGroup(stack, "Devs", group_name="developers", path="/teams/",
             managed_policies=["ReadOnlyAccess", "job-function/ViewOnlyAccess",
                               "arn:aws:iam::123456789012:policy/Custom"])
    template(stack).has_resource_properties("AWS::IAM::Group", {
        "GroupName": "developers", "Path": "/teams/",
        "ManagedPolicyArns": [PARTITION_ARN("ReadOnlyAccess"), PARTITION_ARN("job-function/ViewOnlyAccess"),
                              "arn:aws:iam::123456789012:policy/Custom"],
    })


def test_statements_become_one_customer_managed_policy():
    stack = new_stack()
    IamGroup(stack, "Devs", group_name="developers", statements=[
        {"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]},
        iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::bucket/*"]),
        {"effect": "Deny", "not_actions": ["s3:*"], "resources": ["*"], "sid": "OnlyS3",
         "conditions": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}},
    ])
    t = template(stack)
    policies = resources_of_type(t, "AWS::IAM::ManagedPolicy")
    assert len(policies) == 1
    policy_id, policy = next(iter(policies.items()))
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]},
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::bucket/*"},
        {"Sid": "OnlyS3", "Effect": "Deny", "NotAction": ["s3:*"], "Resource": ["*"],
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}},
    ]
    t.has_resource_properties("AWS::IAM::Group", {"ManagedPolicyArns": [{"Ref": policy_id}]})


@pytest.mark.parametrize("stmt,fragment", [
    ({"actions": ["s3:GetObject"]}, r"statements\[0\]: give exactly one of 'resources' or 'not_resources'"),
    ({"actions": ["GetObject"], "resources": ["*"]}, r"statements\[0\].actions: 'GetObject' is not an IAM action"),
    ({"actions": [], "resources": ["*"]}, r"statements\[0\].actions: \[\] must be a non-empty list"),
    ({"actions": ["s3:*"], "resources": ["*"], "effect": "allow"}, r"statements\[0\].effect: 'allow' must be 'Allow' or 'Deny'"),
    ({"actions": ["s3:*"], "resources": ["*"], "action": "x"}, r"statements\[0\].action: unknown statement key"),
    ("s3:*", r"statements\[0\]: 's3:\*' is not a statement"),
])
def test_fails_if_statement_invalid(stmt, fragment):
    with pytest.raises(IamConstructsError, match=fragment):
        IamGroup(new_stack(), "G", group_name="g", statements=[stmt])


def test_fails_if_managed_policy_name_invalid():
    with pytest.raises(IamConstructsError, match=r"managed_policies\[1\]: 'arn:aws:s3:::x' is not an IAM policy ARN"):
        IamGroup(new_stack(), "G", group_name="g", managed_policies=["ReadOnlyAccess", "arn:aws:s3:::x"])


def test_fails_if_managed_policy_listed_twice():
    with pytest.raises(IamConstructsError, match=r"lists a policy twice"):
        IamGroup(new_stack(), "G", group_name="g", managed_policies=["ReadOnlyAccess", "ReadOnlyAccess"])


def test_fails_if_more_than_10_policies_counting_statements_and_mfa():
    names = [f"arn:aws:iam::aws:policy/P{i}" for i in range(8)]
    IamGroup(new_stack(), "G", group_name="g", managed_policies=names, enforce_mfa=True)  # 10: fine
    with pytest.raises(IamConstructsError, match=r"11 managed policies would be attached \(8 listed, \+1 for statements, \+2 for enforce_mfa\)"):
        IamGroup(new_stack(), "G", group_name="g", managed_policies=names, enforce_mfa=True,
                 statements=[{"actions": ["s3:GetObject"], "resources": ["*"]}])


def test_fails_if_policy_document_over_6144_characters():
    resources = [f"arn:aws:s3:::bucket-{i:04d}/*" for i in range(250)]
    with pytest.raises(IamConstructsError, match=r"statements: the policy document is \d+ characters .* at most 6144"):
        IamGroup(new_stack(), "G", group_name="g", statements=[{"actions": ["s3:GetObject"], "resources": resources}])


def test_policy_document_just_under_limit_is_accepted():
    resources = [f"arn:aws:s3:::bucket-{i:04d}/*" for i in range(200)]
    stack = new_stack()
    IamGroup(stack, "G", group_name="g", statements=[{"actions": ["s3:GetObject"], "resources": resources}])
    template(stack).resource_count_is("AWS::IAM::ManagedPolicy", 1)


@pytest.mark.parametrize("name,fragment", [("x" * 129, "129 characters; IAM allows at most 128"),
                                           ("dev team", "characters IAM refuses")])
def test_fails_if_group_name_invalid(name, fragment):
    with pytest.raises(IamConstructsError, match=fragment):
        IamGroup(new_stack(), "G", group_name=name)


def test_fails_if_group_name_duplicate_case_insensitively():
    stack = new_stack()
    IamGroup(stack, "A", group_name="Developers")
    with pytest.raises(IamConstructsError, match=r"'developers' is already used by TestStack/A"):
        IamGroup(stack, "B", group_name="developers")


def test_enforce_mfa_shares_one_policy_pair_per_stack():
    stack = new_stack()
    a = IamGroup(stack, "A", group_name="a", enforce_mfa=True)
    b = IamGroup(stack, "B", group_name="b", enforce_mfa=True)
    assert a.mfa_policy is b.mfa_policy
    t = template(stack)
    t.resource_count_is("AWS::IAM::ManagedPolicy", 2)
    groups = resources_of_type(t, "AWS::IAM::Group")
    arns = [g["Properties"]["ManagedPolicyArns"] for g in groups.values()]
    assert arns[0] == arns[1] and len(arns[0]) == 2


def test_enforce_mfa_with_explicit_policy():
    stack = new_stack()
    mfa = MfaEnforcementPolicy(stack, "Mfa", managed_policy_name="RequireMfa")
    group = IamGroup(stack, "A", group_name="a", enforce_mfa=mfa)
    assert group.mfa_policy is mfa and group.enforces_mfa
    template(stack).has_resource_properties("AWS::IAM::ManagedPolicy", {"ManagedPolicyName": "RequireMfa"})


def test_members_join_the_group():
    stack = new_stack()
    jane = IamUser(stack, "Jane", user_name="jane", tags=TAGS)
    IamGroup(stack, "Devs", group_name="developers", members=[jane])
    assert jane.group_names == ("developers",)
    t = template(stack)
    t.has_resource_properties("AWS::IAM::User", {"Groups": [{"Ref": next(iter(resources_of_type(t, "AWS::IAM::Group")))}]})


def test_group_without_policies_has_no_policy_resource():
    stack = new_stack()
    IamGroup(stack, "G", group_name="g")
    t = template(stack)
    t.resource_count_is("AWS::IAM::ManagedPolicy", 0)
    assert "ManagedPolicyArns" not in next(iter(resources_of_type(t, "AWS::IAM::Group").values()))["Properties"]


def test_each_construct_has_its_own_arn_even_where_paths_read_alike():
    """A user with id 'a/b' (the CDK makes it 'a--b') beside a group 'b' under a construct 'a': two
    principals, each ARN its own resource's."""
    from constructs import Construct
    stack = new_stack()
    user = IamUser(stack, "a/b", user_name="jane", tags=TAGS)
    group = IamGroup(Construct(stack, "a"), "b", group_name="devs")
    assert stack.resolve(user.user_arn) == {"Fn::GetAtt": [stack.resolve(user.resource.ref)["Ref"], "Arn"]}
    assert stack.resolve(group.group_arn) == {"Fn::GetAtt": [stack.resolve(group.resource.ref)["Ref"], "Arn"]}


def test_a_problem_is_reported_at_the_path_the_cdk_gives_the_construct():
    """An id holding '/' becomes '--' in the CDK's path; the message points there, not at a path that
    does not exist."""
    stack = new_stack()
    with pytest.raises(IamConstructsError, match=r"^TestStack/team--devs: group_name: "):
        IamGroup(stack, "team/devs", group_name="no spaces allowed")
    with pytest.raises(IamConstructsError, match=r"^TestStack/ops--jane: user_name: "):
        IamUser(stack, "ops/jane", user_name="jane smith", tags=TAGS)
