"""The app's own roles can do their job and nothing more, judged by the evaluator."""

from __future__ import annotations

from iam_constructs import defaults
from iam_constructs.user_cleanup import IAM_ACTIONS
from tests.policy.account import ACCOUNT
from tests.policy.rosters import account

TAG = f"aws:ResourceTag/{defaults.STACK_TAG}"


def _cleanup_roles(roster: str):
    return [p for p in account(roster).principals() if p.kind == "role" and "UserCleanup" in p.name]


def test_each_user_stack_has_one_cleanup_role_scoped_to_its_own_users(evaluator):
    acct = account("paths")
    roles = _cleanup_roles("paths")
    stacks = {p.stack for p in acct.principals() if p.kind == "user"}
    assert sorted(r.stack for r in roles) == sorted(stacks)
    user = f"arn:aws:iam::{ACCOUNT}:user/developers/jane.smith"
    for role in roles:
        requests = []
        for action in IAM_ACTIONS["user"]:
            for tag in (role.stack, "PathsUsers9", None):
                context = {TAG: tag} if tag is not None else {}
                requests.append(evaluator.Request(principal=role.arn, action=action, resource=user,
                                                  identity_policies=role.policies, context=context))
        decisions = {(r.request.action, r.request.context.get(TAG)): r.decision
                     for r in evaluator.evaluate(requests, detail="none")}
        for action in IAM_ACTIONS["user"]:
            assert decisions[(action, role.stack)] == "Allowed", (role.stack, action)
            assert decisions[(action, "PathsUsers9")] == "ImplicitlyDenied", (role.stack, action)
            assert decisions[(action, None)] == "ImplicitlyDenied", (role.stack, action)


def test_the_cleanup_role_can_create_nothing_and_read_no_secret(evaluator):
    role = _cleanup_roles("paths")[0]
    asks = [("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/developers/jane.smith"),
            ("iam:CreateLoginProfile", f"arn:aws:iam::{ACCOUNT}:user/developers/jane.smith"),
            ("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:group/teams/people"),
            ("iam:CreateVirtualMFADevice", f"arn:aws:iam::{ACCOUNT}:mfa/x"),
            ("secretsmanager:GetSecretValue",
             f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:/iam-users/jane.smith/console-password-AbC123")]
    results = evaluator.evaluate([evaluator.Request(
        principal=role.arn, action=a, resource=r, identity_policies=role.policies,
        context={TAG: role.stack} if a.startswith("iam:Create") and ":user/" in r else {}) for a, r in asks])
    assert [r.decision for r in results] == ["ImplicitlyDenied"] * len(asks)
