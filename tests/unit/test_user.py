import datetime as dt

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from iam_constructs import AccessKeySlot, IamConstructsError, IamGroup, IamUser
from tests.support import TAGS, new_stack, resources_of_type, template


def test_default_user_has_no_credentials_and_no_permissions():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS)
    t = template(stack)
    users = resources_of_type(t, "AWS::IAM::User")
    assert len(users) == 1
    props = next(iter(users.values()))["Properties"]
    assert props["UserName"] == "jane"
    assert props["Path"] == "/"
    for absent in ("LoginProfile", "ManagedPolicyArns", "Policies", "Groups", "PermissionsBoundary"):
        assert absent not in props
    t.resource_count_is("AWS::IAM::AccessKey", 0)
    t.resource_count_is("AWS::SecretsManager::Secret", 0)
    t.resource_count_is("AWS::IAM::Policy", 0)


def test_user_path_tags_and_expiry_tag():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane.smith", path="/developers/", tags=TAGS, expires="2099-06-30")
    props = next(iter(resources_of_type(template(stack), "AWS::IAM::User").values()))["Properties"]
    assert props["Path"] == "/developers/"
    assert {t["Key"]: t["Value"] for t in props["Tags"]} == {
        "Owner": "platform", "Purpose": "test", "Expiry": "2099-06-30",
        "iam-constructs:stack": {"Ref": "AWS::StackName"}}  # scopes the stack's cleanup role


def test_the_stack_tag_is_the_library_s_and_counts_towards_iams_fifty():
    with pytest.raises(IamConstructsError, match=r"tags.iam-constructs:stack: is written by the library"):
        IamUser(new_stack(), "Jane", user_name="jane", tags={**TAGS, "iam-constructs:stack": "x"})
    many = {**TAGS, **{f"k{i}": "v" for i in range(47)}}  # 49 tags + the library's = 50
    IamUser(new_stack(), "Jane", user_name="jane", tags=many)
    with pytest.raises(IamConstructsError, match=r"50 tags plus the 1 the library writes \(iam-constructs:stack\) make 51; IAM allows at most 50"):
        IamUser(new_stack(), "Jane", user_name="jane", tags={**many, "k47": "v"})
    # Without the cleanup there is no stack tag, and nothing of the cleanup in the stack.
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags={**many, "k47": "v"}, cleanup_on_delete=False)
    kinds = {r["Type"] for r in template(stack).to_json()["Resources"].values()}
    assert kinds == {"AWS::IAM::User"}


def test_cleanup_resource_names_what_the_stack_made():
    stack = new_stack()
    group = IamGroup(stack, "G", group_name="devs")
    IamUser(stack, "Bot", user_name="bot", tags=TAGS, groups=[group, "ops"], programmatic_access=True,
            direct_managed_policies=["ReadOnlyAccess"], direct_policies_reason="test")
    t = template(stack).to_json()["Resources"]
    (uid, _), = [(k, v) for k, v in t.items() if v["Type"] == "AWS::IAM::User"]
    (cleanup,) = [v for v in t.values() if v["Type"] == "Custom::IamUserCleanup"]
    props = cleanup["Properties"]
    assert props["UserName"] == {"Ref": uid} and props["UserLogicalId"] == uid
    assert props["StackAccessKeys"] == [{"Ref": f"{uid}AccessKey1"}] and props["StackLoginProfile"] == "false"
    assert props["StackGroups"] == [{"Ref": stack.get_logical_id(group.resource)}, "ops"]
    assert props["StackManagedPolicies"] == [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                                ":iam::aws:policy/ReadOnlyAccess"]]}]
    assert props["ServiceTimeout"] == 300


def test_expires_accepts_date_object():
    stack = new_stack()
    user = IamUser(stack, "Jane", user_name="jane", tags=TAGS, expires=dt.date(2099, 1, 2))
    assert user.tags["Expiry"] == "2099-01-02"


def test_past_expiry_warns():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, expires="2020-01-01")
    assertions.Annotations.from_stack(stack).has_warning(
        "/TestStack/Jane", assertions.Match.string_like_regexp("2020-01-01 is in the past"))


def test_permissions_boundary_by_name_is_partition_aware():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, permissions_boundary="PowerUserAccess")
    t = template(stack).to_json()
    user = next(iter(resources_of_type(assertions.Template.from_json(t), "AWS::IAM::User").values()))
    assert user["Properties"]["PermissionsBoundary"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/PowerUserAccess"]]}


def test_group_in_same_stack_is_referenced_with_ref():
    stack = new_stack()
    group = IamGroup(stack, "Devs", group_name="developers")
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, groups=[group])
    t = template(stack)
    group_id = next(iter(resources_of_type(t, "AWS::IAM::Group")))
    t.has_resource_properties("AWS::IAM::User", {"Groups": [{"Ref": group_id}]})


def test_group_in_other_stack_by_name_with_stack_dependency():
    app = cdk.App()
    account = cdk.Stack(app, "Account")
    users = cdk.Stack(app, "Users")
    group = IamGroup(account, "Devs", group_name="developers")
    IamUser(users, "Jane", user_name="jane", tags=TAGS, groups=[group, "other-group"])
    template(users).has_resource_properties("AWS::IAM::User", {"Groups": ["developers", "other-group"]})
    assert account in users.dependencies
    # no cross-stack export for membership
    assert "Outputs" not in template(account).to_json()


def test_add_to_group_is_idempotent_case_insensitively():
    stack = new_stack()
    user = IamUser(stack, "Jane", user_name="jane", tags=TAGS, groups=["Developers"])
    user.add_to_group("developers")
    assert user.group_names == ("Developers",)


def test_fails_if_console_and_keys_without_reason():
    with pytest.raises(IamConstructsError, match=r"console_access: a user with both console access and access keys"):
        IamUser(new_stack(), "Jane", user_name="jane", tags=TAGS, console_access=True, programmatic_access=True)


def test_console_and_keys_allowed_with_reason():
    stack = new_stack()
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True, programmatic_access=True,
            console_and_keys_reason="break-glass user kept offline")
    t = template(stack)
    t.resource_count_is("AWS::IAM::AccessKey", 1)
    t.has_resource_properties("AWS::IAM::User", {"LoginProfile": assertions.Match.any_value()})


@pytest.mark.parametrize("name,fragment", [
    ("", "is not a user name"),
    ("x" * 65, "is 65 characters; IAM allows at most 64"),
    ("jane smith", "has characters IAM refuses"),
    ("jane/smith", "has characters IAM refuses"),
])
def test_fails_if_user_name_invalid(name, fragment):
    with pytest.raises(IamConstructsError, match=r"TestStack/U: user_name: .*" + fragment):
        IamUser(new_stack(), "U", user_name=name, tags=TAGS)


def test_fails_if_user_name_is_a_token():
    # The user's logical ids derive from its name; a token's text would make them unstable.
    stack = new_stack()
    param = cdk.CfnParameter(stack, "Name", type="String")
    with pytest.raises(IamConstructsError, match=r"TestStack/U: user_name: '\$\{Token\[.*is a token"):
        IamUser(stack, "U", user_name=param.value_as_string, tags=TAGS)


@pytest.mark.parametrize("path", ["developers", "/developers", "/dev elopers/", "/" + "a" * 511 + "/"])
def test_fails_if_path_invalid(path):
    with pytest.raises(IamConstructsError, match=r"path: "):
        IamUser(new_stack(), "U", user_name="u", path=path, tags=TAGS)


def test_fails_if_more_than_50_tags():
    tags = dict(TAGS, **{f"k{i}": "v" for i in range(49)})
    with pytest.raises(IamConstructsError, match=r"tags: 51 tags; IAM allows at most 50"):
        IamUser(new_stack(), "U", user_name="u", tags=tags)


def test_fails_if_expiry_tag_makes_51():
    tags = dict(TAGS, **{f"k{i}": "v" for i in range(48)})
    with pytest.raises(IamConstructsError, match=r"50 tags plus the 2 the library writes \(Expiry, iam-constructs:stack\)"):
        IamUser(new_stack(), "U", user_name="u", tags=tags, expires="2099-01-01")


@pytest.mark.parametrize("tags,fragment", [
    ({"k" * 129: "v"}, "tag key is 129 characters"),
    ({"Note": "v" * 257}, "tag value is 257 characters"),
    ({"aws:thing": "v"}, "reserved 'aws:' prefix"),
    ({"Team": "a", "team": "b"}, "tag key 'team' repeats 'Team'"),
    ({"Team": "a*b"}, "tag value 'a\\*b' has characters IAM refuses"),
    ({"Team": 3}, "tag value 3 must be a string"),
])
def test_fails_if_tag_invalid(tags, fragment):
    with pytest.raises(IamConstructsError, match=fragment):
        IamUser(new_stack(), "U", user_name="u", tags=dict(TAGS, **tags))


def test_fails_if_required_tags_missing_and_opt_out_works():
    with pytest.raises(IamConstructsError) as err:
        IamUser(new_stack(), "U", user_name="u", tags={"Owner": ""})
    assert [p.field for p in err.value.problems] == ["tags.Owner", "tags.Purpose"]
    stack = new_stack()
    IamUser(stack, "U", user_name="u", required_tags=())
    template(stack).resource_count_is("AWS::IAM::User", 1)
    stack2 = new_stack()
    IamUser(stack2, "U", user_name="u", required_tags=["CostCentre"], tags={"CostCentre": "42"})


def test_fails_if_expires_not_a_date():
    with pytest.raises(IamConstructsError, match=r"expires: '30/06/2027' is not a date; write it as YYYY-MM-DD"):
        IamUser(new_stack(), "U", user_name="u", tags=TAGS, expires="30/06/2027")


def test_fails_if_more_than_10_groups():
    groups = [f"g{i}" for i in range(11)]
    with pytest.raises(IamConstructsError, match=r"groups: 11 groups; IAM allows a user in at most 10"):
        IamUser(new_stack(), "U", user_name="u", tags=TAGS, groups=groups)


def test_fails_if_add_to_group_exceeds_10():
    user = IamUser(new_stack(), "U", user_name="u", tags=TAGS, groups=[f"g{i}" for i in range(10)])
    with pytest.raises(IamConstructsError, match=r"11 groups"):
        user.add_to_group("g10")
    assert len(user.group_names) == 10


def test_fails_if_group_listed_twice():
    with pytest.raises(IamConstructsError, match=r"group 'devs' is listed twice"):
        IamUser(new_stack(), "U", user_name="u", tags=TAGS, groups=["devs", "Devs"])


def test_fails_if_user_name_duplicate_case_insensitively():
    stack = new_stack()
    IamUser(stack, "A", user_name="Jane", tags=TAGS)
    with pytest.raises(IamConstructsError, match=r"TestStack/B: user_name: 'jane' is already used by TestStack/A"):
        IamUser(stack, "B", user_name="jane", tags=TAGS)


def test_same_name_in_two_accounts_is_fine():
    app = cdk.App()
    a = cdk.Stack(app, "A", env=cdk.Environment(account="111111111111", region="us-east-1"))
    b = cdk.Stack(app, "B", env=cdk.Environment(account="222222222222", region="us-east-1"))
    IamUser(a, "U", user_name="jane", tags=TAGS)
    IamUser(b, "U", user_name="jane", tags=TAGS)


def test_fails_if_direct_policies_without_reason():
    with pytest.raises(IamConstructsError, match=r"direct_managed_policies: policies attached straight to a user are refused"):
        IamUser(new_stack(), "U", user_name="u", tags=TAGS, direct_managed_policies=["ReadOnlyAccess"])


def test_direct_policies_escape_hatch_and_quota_warning():
    stack = new_stack()
    IamUser(stack, "U", user_name="u", tags=TAGS, direct_managed_policies=[f"arn:aws:iam::aws:policy/P{i}" for i in range(11)],
            direct_policies_reason="legacy vendor integration")
    t = template(stack)
    t.has_resource_properties("AWS::IAM::User", {"ManagedPolicyArns": assertions.Match.any_value()})
    assertions.Annotations.from_stack(stack).has_warning(
        "/TestStack/U", assertions.Match.string_like_regexp("exceed IAM's default quota of 10"))


def test_fails_if_more_than_20_direct_policies():
    with pytest.raises(IamConstructsError, match=r"21 policies; IAM allows at most 20"):
        IamUser(new_stack(), "U", user_name="u", tags=TAGS, direct_managed_policies=[f"arn:aws:iam::aws:policy/P{i}" for i in range(21)],
                direct_policies_reason="x")


def test_every_problem_reported_at_once_and_nothing_half_made():
    stack = new_stack()
    with pytest.raises(IamConstructsError) as err:
        IamUser(stack, "U", user_name="bad name", path="nope", tags={"Owner": "x"}, expires="soon",
                programmatic_access=[AccessKeySlot(serial=0), AccessKeySlot(), AccessKeySlot()])
    fields = [p.field for p in err.value.problems]
    assert {"user_name", "path", "tags.Purpose", "expires", "programmatic_access",
            "programmatic_access[0].serial"} <= set(fields)
    assert all(str(p).startswith("TestStack/U: ") for p in err.value.problems)
    assert stack.node.try_find_child("U") is None
    # the failed name was not claimed
    IamUser(stack, "U", user_name="bad_name_fixed", tags=TAGS)


def test_disabled_since_is_written_as_a_tag_and_needs_disabled():
    stack = new_stack()
    user = IamUser(stack, "Gone", user_name="gone", tags=TAGS, disabled=True, disabled_since="2026-11-02")
    assert user.tags["DisabledSince"] == "2026-11-02"
    with pytest.raises(IamConstructsError, match=r"disabled_since: 2026-11-02 is given but the user is not disabled"):
        IamUser(new_stack(), "Gone", user_name="gone", tags=TAGS, disabled_since="2026-11-02")
    with pytest.raises(IamConstructsError, match=r"disabled_since: 2999-01-01 is in the future"):
        IamUser(new_stack(), "Gone", user_name="gone", tags=TAGS, disabled=True, disabled_since="2999-01-01")


@pytest.mark.parametrize("credentials", [{"console_access": True}, {"programmatic_access": True}])
def test_a_name_iam_takes_but_secrets_manager_refuses_is_refused_only_with_secrets(credentials):
    """A comma is legal in an IAM user name, not in a secret name: a user whose credentials would
    live in /iam-users/<name>/... is refused at construction, not at deploy time."""
    stack = new_stack()
    IamUser(stack, "NoSecrets", user_name="a,b", tags=TAGS)
    with pytest.raises(IamConstructsError) as e:
        IamUser(stack, "WithSecrets", user_name="c,d", tags=TAGS, **credentials)
    assert "user_name: the secret name '/iam-users/c,d/" in str(e.value)
    assert "Secrets Manager refuses" in str(e.value)
    assert "WithSecrets" not in [c.node.id for c in stack.node.children]
