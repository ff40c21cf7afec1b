"""What people and the app's own roles can really do, judged by an IAM policy evaluator over the
real documents of every test roster (AWS-managed policies included), never by string matching.

For each console user, every IAM action of the catalogue is asked on each resource type it takes
(for ``user``: the user's own ARN, with its path, and another user's), plus the group's own grants
and a sample of other services, in three sessions: a console session without MFA
(``aws:MultiFactorAuthPresent`` false), a request signed with a long-term key (key absent), and a
session with MFA (true).
"""

from __future__ import annotations

import re
from functools import cache

import aws_cdk as cdk
import pytest

from iam_constructs import CredentialAudit
from iam_constructs.mfa import SELF_SERVICE_BEFORE_MFA, SELF_SERVICE_WITH_MFA
from tests.policy.account import ACCOUNT, REGION, Account, Principal
from tests.policy.rosters import ROSTERS, account

ABSENT_MFA = "absent"
SESSIONS = {"console without MFA": "false", "long-term key": ABSENT_MFA, "with MFA": "true"}
OWN, OTHER = "own user", "other user"
_IN_ACCOUNT = re.compile(r"^arn:[^:]+:[^:]+:[^:]*:\d{12}:")
_OURS = re.compile(r"/IamConstructs(MfaEnforcement|SelfServiceCredentials)")
ESCALATION = {
    "policy": ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"),
    "user": ("iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:PutUserPermissionsBoundary",
             "iam:DeleteUserPermissionsBoundary"),
    "group": ("iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:AddUserToGroup"),
    "role": ("iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:PassRole", "iam:UpdateAssumeRolePolicy"),
    "other user": ("iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:CreateAccessKey"),
}

# What a console user may do to their own credentials before MFA, as (action, resource kind).
BEFORE_MFA = {
    ("iam:ChangePassword", OWN), ("iam:GetUser", OWN), ("iam:EnableMFADevice", OWN), ("iam:ListMFADevices", OWN),
    ("iam:GetMFADevice", OWN), ("iam:ResyncMFADevice", OWN), ("iam:CreateVirtualMFADevice", "mfa"),
    ("iam:GetAccountPasswordPolicy", "*"), ("iam:ListVirtualMFADevices", "*"),
}
# ... and in addition once signed in with MFA.
WITH_MFA = {("iam:GetLoginProfile", OWN), ("iam:DeactivateMFADevice", OWN), ("iam:DeleteVirtualMFADevice", "mfa")}
# Exempted from the MFA deny on any resource: a group that grants them keeps them before MFA.
# (iam:ListUsers is in the IAM user guide's current list; sts:GetSessionToken is how a key user
# gets an MFA session.)
GROUP_GRANTS_KEPT_BEFORE_MFA = {("iam:ListUsers", "*"), ("iam:ListVirtualMFADevices", "*"), ("sts:GetSessionToken", "*")}


def test_the_expectations_are_the_library_s_own_lists():
    assert {a for a, _ in BEFORE_MFA} == set(SELF_SERVICE_BEFORE_MFA)
    assert {a for a, _ in WITH_MFA} == set(SELF_SERVICE_WITH_MFA)


# -- the request matrix ------------------------------------------------------------------------

def _fill(pattern: str, principal: Principal, other: Principal, kind: str) -> str:
    values = {"Partition": "aws", "Account": ACCOUNT, "Region": REGION,
              "UserNameWithPath": (principal if kind == OWN else other).arn.split(":user/", 1)[1],
              "MfaTokenIdWithPath": "phone-of-someone", "RoleNameWithPath": "app/deploy",
              "GroupNameWithPath": "teams/developers", "PolicyNameWithPath": "teams/app-policy"}
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), f"{m.group(1).lower()}-x"), pattern)


@cache
def _catalogue(evaluator):
    return evaluator.action_details("iam")


def iam_matrix(evaluator, principal: Principal, other: Principal) -> list[tuple[str, str, str]]:
    """(action, resource kind, resource ARN) for every IAM action on each resource type it takes."""
    out = []
    for action, info in _catalogue(evaluator).items():
        if not info.resource_arns:
            out.append((action, "*", "*"))
        for kind, pattern in info.resource_arns.items():
            if "${Account}" not in pattern:
                continue  # AWS-owned resources (role templates): nobody in the account owns them
            for k in ((OWN, OTHER) if kind == "user" else (kind,)):
                out.append((action, k, _fill(pattern, principal, other, k)))
    return out


def other_services(acct: Account, principal: Principal) -> list[tuple[str, str, str]]:
    """The user's groups' own grants (resolved from the templates) and a fixed sample."""
    out = [("s3:GetObject", "s3", "arn:aws:s3:::artifacts-111122223333/builds/app.zip"),
           ("ec2:DescribeInstances", "*", "*"), ("sts:GetSessionToken", "*", "*"),
           ("cloudformation:DescribeStacks", "stack",
            f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/app/6c5a2f50-0000-4000-8000-000000000000")]
    for name, doc in principal.policies:
        if _OURS.search(name) or not name.startswith(tuple(acct.templates)):
            continue
        for s in doc["Statement"]:
            for action in ([s["Action"]] if isinstance(s.get("Action"), str) else s.get("Action", [])):
                for resource in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]):
                    out.append((action, "group grant", resource))
    return out


def _request(evaluator, principal: Principal, action: str, resource: str, mfa: str, policies=None):
    context = {} if mfa == ABSENT_MFA else {"aws:MultiFactorAuthPresent": mfa}
    return evaluator.Request(principal=principal.arn, action=action, resource=resource,
                             identity_policies=policies if policies is not None else principal.policies,
                             permission_boundary=principal.boundary, context=context,
                             # S3 objects and AWS-owned resources name no account: judge as same-account.
                             resource_account=None if resource == "*" or _IN_ACCOUNT.match(resource) else ACCOUNT)


def _allowed(evaluator, requests) -> list[bool]:
    return [r.allowed for r in evaluator.evaluate(requests, detail="none")]


def _people(roster: str) -> list[tuple[Principal, Principal]]:
    principals = account(roster).principals()
    users = [p for p in principals if p.kind == "user"]
    people = [p for p in users if p.console]
    # "Another user": the next user of the roster, at another path where there is one.
    return [(p, next((u for u in users if u is not p and u.path != p.path), next(u for u in users if u is not p)))
            for p in people]


@pytest.fixture(scope="module", params=list(ROSTERS))
def roster_people(request, evaluator):
    return request.param, _people(request.param)


def test_every_roster_has_people_at_paths(roster_people):
    roster, people = roster_people
    assert people, f"{roster} has no console user to judge"


@pytest.mark.parametrize("session", ["console without MFA", "long-term key"])
def test_before_mfa_a_person_can_do_exactly_the_self_service_list(evaluator, roster_people, session):
    roster, people = roster_people
    acct = account(roster)
    failures = []
    for person, other in people:
        matrix = iam_matrix(evaluator, person, other) + other_services(acct, person)
        allowed = _allowed(evaluator, [_request(evaluator, person, a, arn, SESSIONS[session]) for a, _, arn in matrix])
        got = {(a, kind) for (a, kind, _), ok in zip(matrix, allowed) if ok}
        groups_only = [(n, d) for n, d in person.policies if not _OURS.search(n)]
        kept = {(a, k) for (a, k) in GROUP_GRANTS_KEPT_BEFORE_MFA
                if _allowed(evaluator, [_request(evaluator, person, a, "*", "true", groups_only)])[0]}
        expected = BEFORE_MFA | kept
        if got != expected:
            failures.append(f"{person.arn}: missing {sorted(expected - got)}, extra {sorted(got - expected)}")
    assert not failures, f"{roster}, {session}:\n" + "\n".join(failures)


def test_with_mfa_a_person_gets_the_groups_permissions_and_the_self_service(evaluator, roster_people):
    """Signed in with MFA, a person may do exactly what their groups grant, plus the self-service
    list: the MFA policies take nothing away and add nothing else."""
    roster, people = roster_people
    acct = account(roster)
    failures = []
    for person, other in people:
        matrix = iam_matrix(evaluator, person, other) + other_services(acct, person)
        groups_only = [(n, d) for n, d in person.policies if not _OURS.search(n)]
        everything = _allowed(evaluator, [_request(evaluator, person, a, arn, "true") for a, _, arn in matrix])
        groups = _allowed(evaluator, [_request(evaluator, person, a, arn, "true", groups_only) for a, _, arn in matrix])
        for (action, kind, arn), ok, by_group in zip(matrix, everything, groups):
            expected = by_group or (action, kind) in BEFORE_MFA | WITH_MFA
            if ok != expected:
                failures.append(f"{person.arn}: {action} on {arn}: {'allowed' if ok else 'denied'}")
        for (action, kind, arn), ok in zip(matrix, everything):
            if kind == "group grant" and not ok:
                failures.append(f"{person.arn}: the group grants {action} on {arn} but it is denied with MFA")
    assert not failures, f"{roster}:\n" + "\n".join(failures[:40])


def test_nobody_can_touch_another_users_credentials(evaluator, roster_people):
    """Every IAM write on another user (password, login profile, keys, MFA, SSH keys, policies...)
    is denied to every person, even with MFA."""
    roster, people = roster_people
    failures = []
    for person, other in people:
        writes = [(a, k, arn) for a, k, arn in iam_matrix(evaluator, person, other)
                  if k == OTHER and _catalogue(evaluator)[a].access_level != "List"
                  and not _catalogue(evaluator)[a].access_level.startswith("Read")]
        for mfa in SESSIONS.values():
            for (action, _, arn), ok in zip(writes, _allowed(
                    evaluator, [_request(evaluator, person, a, arn, mfa) for a, _, arn in writes])):
                if ok:
                    failures.append(f"{person.arn} ({mfa}): {action} on {arn}")
    assert not failures, "\n".join(failures)


# -- privilege escalation ------------------------------------------------------------------------

def _audit_account() -> Account:
    app = cdk.App()
    stack = cdk.Stack(app, "Audit")
    CredentialAudit(stack, "Audit", roster_users=["jane.smith"])
    return Account({"Audit": app.synth().get_stack_by_name("Audit").template})


def _principals_of_the_app() -> list[tuple[str, Principal, Account]]:
    out = [(roster, p, account(roster)) for roster in ROSTERS for p in account(roster).principals()]
    audit = _audit_account()
    return out + [("CredentialAudit", p, audit) for p in audit.principals()]


def _escalation_targets(acct: Account, principal: Principal) -> list[tuple[str, str]]:
    users = [p.arn for p in acct.principals() if p.kind == "user"]
    roles = [p.arn for p in acct.principals() if p.kind == "role"] + [f"arn:aws:iam::{ACCOUNT}:role/Admin"]
    groups = [f"arn:aws:iam::{ACCOUNT}:group{acct.props(s, lid).get('Path', '/')}{acct.resolved(s, {'Ref': lid})}"
              for s, lid, _ in acct.resources("AWS::IAM::Group")]
    policies = [acct.resolved(s, {"Ref": lid}) for s, lid, _ in acct.resources("AWS::IAM::ManagedPolicy")]
    policies.append(f"arn:aws:iam::{ACCOUNT}:policy/any-policy")
    targets = {"policy": policies, "user": users or [f"arn:aws:iam::{ACCOUNT}:user/admin"], "group": groups or
               [f"arn:aws:iam::{ACCOUNT}:group/admins"], "role": roles,
               "other user": [u for u in users if u != principal.arn] or [f"arn:aws:iam::{ACCOUNT}:user/admin"]}
    return [(a, arn) for kind, actions in ESCALATION.items() for a in actions for arn in targets[kind]]


def test_no_principal_of_the_app_can_escalate(evaluator):
    failures, counted = [], 0
    for roster, principal, acct in _principals_of_the_app():
        targets = _escalation_targets(acct, principal)
        mfa = "true" if principal.kind == "user" else ABSENT_MFA  # the strongest session each can have
        requests = [_request(evaluator, principal, a, arn, mfa) for a, arn in targets]
        counted += len(requests)
        for (action, arn), ok in zip(targets, _allowed(evaluator, requests)):
            if ok:
                failures.append(f"{roster}: {principal.arn}: {action} on {arn}")
    assert counted > 1000
    assert not failures, "\n".join(failures)
