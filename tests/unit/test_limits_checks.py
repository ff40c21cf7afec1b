"""The limits of limits.py that the constructs check: groups per account (default quota and hard
maximum), parameters per stack, the name pattern of a group's customer-managed policy."""

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from iam_constructs import PARAMETER, ConsoleAccess, IamConstructsError, IamGroup, IamUsers
from iam_constructs import limits
from iam_constructs._registry import claimed_count
from tests.support import TAGS, new_stack

# -- groups per account ------------------------------------------------------------------------


def _groups(stack: cdk.Stack, start: int, stop: int) -> list[IamGroup]:
    return [IamGroup(stack, f"G{i}", group_name=f"group-{i:03d}") for i in range(start, stop)]


def test_warns_past_the_default_quota_of_groups_per_account():
    app = cdk.App()
    first, second = new_stack("First", app), new_stack("Second", app)  # same (unknown) account
    _groups(first, 0, 250)
    _groups(second, 250, limits.GROUPS_PER_ACCOUNT_DEFAULT + 1)
    annotations = assertions.Annotations.from_stack(second)
    annotations.has_warning(f"/Second/G{limits.GROUPS_PER_ACCOUNT_DEFAULT}", assertions.Match.string_like_regexp(
        r"group_name: 'group-300' is the 301st IAM group declared in this app for this account; IAM's default "
        r"quota is 300"))
    warned = annotations.find_warning("*", assertions.Match.string_like_regexp("default quota"))
    assert len(warned) == 1, warned  # once, on the group that passes the quota
    assert not assertions.Annotations.from_stack(first).find_warning("*", assertions.Match.any_value())


def test_fails_past_the_maximum_of_groups_per_account():
    app = cdk.App()
    first, second = new_stack("First", app), new_stack("Second", app)
    _groups(first, 0, 250)
    _groups(second, 250, limits.GROUPS_PER_ACCOUNT_MAX)  # 500: the most IAM allows
    with pytest.raises(IamConstructsError, match=r"Second/G500: group_name: 'group-500' would be the 501st IAM group "
                                                 r"declared in this app for this account; IAM allows at most 500"):
        IamGroup(second, "G500", group_name="group-500")
    # Nothing was claimed for the refused group, and a name already taken is named as such, not as the 501st.
    assert claimed_count(second, "group") == limits.GROUPS_PER_ACCOUNT_MAX
    assert second.node.try_find_child("G500") is None
    with pytest.raises(IamConstructsError, match=r"'group-007' is already used by First/G7"):
        IamGroup(second, "Again", group_name="group-007")


# -- parameters per stack ----------------------------------------------------------------------


def _parameter_users(n: int) -> list[dict]:
    return [{"user_name": f"person.{i:03d}", "tags": TAGS, "cleanup_on_delete": False,
             "console_access": ConsoleAccess(initial_password=PARAMETER)} for i in range(n)]


def test_a_stack_of_200_parameters_synthesizes():
    stack = new_stack()
    IamUsers(stack, "Users", users=_parameter_users(limits.STACK_PARAMETERS_MAX - 1))  # + BootstrapVersion
    parameters = assertions.Template.from_stack(stack).to_json()["Parameters"]
    assert len(parameters) == limits.STACK_PARAMETERS_MAX


def test_fails_at_synth_past_200_parameters_per_stack():
    stack = new_stack()
    IamUsers(stack, "Users", users=_parameter_users(limits.STACK_PARAMETERS_MAX))
    with pytest.raises(RuntimeError, match=r"TestStack: console_access.initial_password: the stack's template would "
                                           r"hold 201 parameters \(200 of them initial passwords of users with "
                                           r"initial_password='parameter', the first TestStack/Users/person.000; one "
                                           r"the BootstrapVersion of the stack synthesizer\); CloudFormation allows at "
                                           r"most 200 per stack"):
        cdk.App.of(stack).synth()


@pytest.mark.parametrize("synthesizer", [cdk.CliCredentialsStackSynthesizer, cdk.BootstraplessSynthesizer])
def test_synthesizers_that_make_no_bootstrap_version_take_200_user_parameters(synthesizer):
    stack = new_stack(synthesizer=synthesizer())
    IamUsers(stack, "Users", users=_parameter_users(limits.STACK_PARAMETERS_MAX))
    parameters = assertions.Template.from_stack(stack).to_json()["Parameters"]
    assert len(parameters) == limits.STACK_PARAMETERS_MAX and "BootstrapVersion" not in parameters


def test_a_second_synthesis_counts_the_bootstrap_version_once():
    stack = new_stack()
    IamUsers(stack, "Users", users=_parameter_users(limits.STACK_PARAMETERS_MAX - 1))
    app = cdk.App.of(stack)
    app.synth()
    assert len(app.synth(force=True).get_stack_by_name(stack.stack_name).template["Parameters"]) == \
        limits.STACK_PARAMETERS_MAX


def test_counts_every_parameter_of_the_stack_and_no_bootstrap_version_where_none_is_made():
    def stack_with(own: int) -> cdk.Stack:
        stack = new_stack(synthesizer=cdk.LegacyStackSynthesizer())  # adds no BootstrapVersion parameter
        for i in range(own):
            cdk.CfnParameter(stack, f"Own{i}", type="String")
        IamUsers(stack, "Users", users=_parameter_users(limits.STACK_PARAMETERS_MAX - 1))
        return stack

    assert len(assertions.Template.from_stack(stack_with(1)).to_json()["Parameters"]) == limits.STACK_PARAMETERS_MAX
    with pytest.raises(RuntimeError, match=r"would hold 201 parameters \(199 of them initial passwords .*person.000\); "):
        cdk.App.of(stack_with(2)).synth()


# -- the name of a group's customer-managed policy ------------------------------------------------


@pytest.mark.parametrize("name", ["pólicy", "policy١", "x" * (limits.MANAGED_POLICY_NAME_MAX - 2), "", "a b", "p\n"])
def test_fails_if_policy_name_is_not_an_iam_policy_name(name):
    with pytest.raises(IamConstructsError, match=r"G: policy_name: .* is not a managed-policy name; use 1-125 of ASCII "
                                                 r"letters, digits and _\+=,\.@-"):
        IamGroup(new_stack(), "G", group_name="g", policy_name=name,
                 statements=[{"actions": ["s3:GetObject"], "resources": ["*"]}])


def test_the_longest_policy_name_is_accepted():
    name = "p" * (limits.MANAGED_POLICY_NAME_MAX - 3)
    group = IamGroup(new_stack(), "G", group_name="g", policy_name=name,
                     statements=[{"actions": ["s3:GetObject"], "resources": ["*"]}])
    assert group.policy is not None and group.policy.managed_policy_name == name
