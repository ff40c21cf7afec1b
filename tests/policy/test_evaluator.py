"""Tests of the policy-evaluation harness itself (tests/policy/evaluator.py and simulate.mjs): small
hand-written policies whose outcome under AWS's documented evaluation logic is known, so that a
harness that only compared strings, ignored conditions or skipped a policy type would fail here."""

from dataclasses import replace

import pytest

from tests.policy.evaluator import ABSENT, Request, derived_context

A = "111122223333"          # the account of the principals and resources below
B = "444455556666"          # another account
REGION = "us-east-1"
JANE = f"arn:aws:iam::{A}:user/developers/jane.smith"
BOB = f"arn:aws:iam::{A}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/app"
ROOT = f"arn:aws:iam::{A}:root"
KEY = f"arn:aws:kms:{REGION}:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET = f"arn:aws:secretsmanager:{REGION}:{A}:secret:iam-users/jane.smith/console-password-AbCdEf"
VIA_SECRETS_MANAGER = f"secretsmanager.{REGION}.amazonaws.com"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resources="*", **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def decisions(evaluator, requests):
    results = evaluator.evaluate(requests)
    for r in results:
        assert r.error is None, r.error
    return [r.decision for r in results]


# -- pure Python: the context the wrapper adds ---------------------------------------------------

def test_derived_context_for_a_user_with_a_path_drops_the_path_from_aws_username():
    assert derived_context(JANE, "iam:GetUser") == {
        "aws:PrincipalArn": JANE, "aws:PrincipalAccount": A, "aws:PrincipalType": "User",
        "aws:PrincipalIsAWSService": "false", "aws:username": "jane.smith"}


def test_derived_context_for_roles_sessions_root_and_kms():
    assert derived_context(ROLE, "kms:Decrypt") == {
        "aws:PrincipalArn": ROLE, "aws:PrincipalAccount": A, "aws:PrincipalType": "AssumedRole",
        "aws:PrincipalIsAWSService": "false", "kms:CallerAccount": A}
    session = derived_context(f"arn:aws:sts::{A}:assumed-role/app/s1", "s3:GetObject")
    assert "aws:PrincipalArn" not in session and session["aws:PrincipalType"] == "AssumedRole"
    assert derived_context(ROOT, "iam:GetUser")["aws:PrincipalType"] == "Account"
    assert derived_context("secretsmanager.amazonaws.com", "kms:Decrypt") == {}


def test_context_overrides_and_absent_removes_derived_keys_case_insensitively():
    r = Request(JANE, "kms:Decrypt", KEY, context={"AWS:USERNAME": ABSENT, "kms:calleraccount": B,
                                                    "aws:MultiFactorAuthPresent": True})
    ctx = r.effective_context()
    assert "aws:username" not in ctx and "AWS:USERNAME" not in ctx
    assert ctx["kms:calleraccount"] == B and "kms:CallerAccount" not in ctx
    assert ctx["aws:MultiFactorAuthPresent"] == "true"
    assert Request(JANE, "iam:GetUser", derive_context=False).effective_context() == {}
    with pytest.raises(TypeError):
        Request(JANE, "iam:GetUser", context={"aws:MultiFactorAuthAge": 30}).effective_context()


# -- MFA: NotAction with BoolIfExists ------------------------------------------------------------

MFA_EXEMPT = ["iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
              "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"]


def mfa_policy(operator):
    return policy(
        allow(["s3:ListAllMyBuckets", "iam:GetUser"]),
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny", "NotAction": MFA_EXEMPT, "Resource": "*",
         "Condition": {operator: {"aws:MultiFactorAuthPresent": "false"}}})


@pytest.mark.parametrize("mfa, expected", [
    (ABSENT, "ExplicitlyDenied"),    # long-term access key: the key is not in the request at all
    ("false", "ExplicitlyDenied"),   # console sign-in without MFA
    ("true", "Allowed"),
])
def test_bool_if_exists_mfa_deny(evaluator, mfa, expected):
    request = Request(BOB, "s3:ListAllMyBuckets", identity_policies=[mfa_policy("BoolIfExists")],
                      context={"aws:MultiFactorAuthPresent": mfa})
    result, = evaluator.evaluate([request])
    assert result.decision == expected, result.explanation
    if expected == "ExplicitlyDenied":
        assert {"policyType": "identity", "policyIdentifier": "identity-1", "statementId": "DenyAllExceptListedIfNoMFA",
                "statementIndex": 2, "denialType": "Explicit"} in result.explanation["denials"]


def test_not_action_exempts_listed_actions_without_mfa(evaluator):
    request = Request(BOB, "iam:GetUser", BOB, identity_policies=[mfa_policy("BoolIfExists")])
    assert evaluator.decide(request) == "Allowed"


def test_plain_bool_lets_a_long_term_key_through(evaluator):
    # The reason the library writes BoolIfExists: with plain Bool an absent key does not match.
    base = Request(BOB, "s3:ListAllMyBuckets", identity_policies=[mfa_policy("Bool")])
    absent = replace(base, context={"aws:MultiFactorAuthPresent": ABSENT})
    false = replace(base, context={"aws:MultiFactorAuthPresent": "false"})
    assert decisions(evaluator, [absent, false]) == ["Allowed", "ExplicitlyDenied"]


# -- policy variables ----------------------------------------------------------------------------

def own_keys(resource):
    return policy(allow(["iam:CreateAccessKey", "iam:ListAccessKeys"], f"arn:aws:iam::{A}:{resource}"))


def test_aws_username_variable_and_user_paths(evaluator):
    root_path, any_path = own_keys("user/${aws:username}"), own_keys("user/*/${aws:username}")
    requests = [
        Request(BOB, "iam:CreateAccessKey", BOB, identity_policies=[root_path]),
        Request(BOB, "iam:CreateAccessKey", f"arn:aws:iam::{A}:user/alice", identity_policies=[root_path]),
        Request(JANE, "iam:CreateAccessKey", JANE, identity_policies=[root_path]),
        Request(JANE, "iam:CreateAccessKey", JANE, identity_policies=[any_path]),
        Request(JANE, "iam:CreateAccessKey", f"arn:aws:iam::{A}:user/developers/john", identity_policies=[any_path]),
        Request(BOB, "iam:CreateAccessKey", BOB, identity_policies=[any_path]),
    ]
    assert decisions(evaluator, requests) == [
        "Allowed",            # user/${aws:username} matches a user at the root path ...
        "ImplicitlyDenied",   # ... and only that user
        "ImplicitlyDenied",   # ... not one under /developers/ (the ARN carries the path)
        "Allowed",            # user/*/${aws:username} matches the user with a path
        "ImplicitlyDenied",   # ... only that user
        "ImplicitlyDenied",   # ... and not a user at the root path (no second slash)
    ]


def test_aws_username_must_be_in_the_context(evaluator):
    # iam-simulate derives nothing from the ARN: without aws:username the variable matches nothing.
    request = Request(BOB, "iam:CreateAccessKey", BOB, identity_policies=[own_keys("user/${aws:username}")],
                      derive_context=False)
    assert evaluator.decide(request) == "ImplicitlyDenied"


# -- boundaries and explicit denies --------------------------------------------------------------

def test_permission_boundary_caps_an_allow(evaluator):
    admin = policy(allow("iam:*"))
    boundary = policy(allow(["iam:Get*", "iam:List*"]))
    user = f"arn:aws:iam::{A}:user/new"
    requests = [
        Request(BOB, "iam:CreateUser", user, identity_policies=[admin]),
        Request(BOB, "iam:CreateUser", user, identity_policies=[admin], permission_boundary=boundary),
        Request(BOB, "iam:GetUser", user, identity_policies=[admin], permission_boundary=boundary),
        Request(BOB, "iam:GetUser", user, identity_policies=[], permission_boundary=boundary),
    ]
    assert decisions(evaluator, requests) == ["Allowed", "ImplicitlyDenied", "Allowed", "ImplicitlyDenied"]


def test_explicit_deny_beats_allow_in_identity_and_boundary(evaluator):
    admin = policy(allow("*"))
    deny = policy({"Sid": "NoUsers", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"})
    user = f"arn:aws:iam::{A}:user/new"
    results = evaluator.evaluate([
        Request(BOB, "iam:CreateUser", user, identity_policies=[("Admin", admin), ("Guard", deny)]),
        Request(BOB, "iam:CreateUser", user, identity_policies=[admin],
                permission_boundary=policy(allow("*"), deny["Statement"][0])),
        Request(BOB, "iam:GetUser", user, identity_policies=[("Admin", admin), ("Guard", deny)]),
    ])
    assert [r.decision for r in results] == ["ExplicitlyDenied", "ExplicitlyDenied", "Allowed"]
    assert results[0].explanation["identity"]["deny"] == [{"policy": "Guard", "statement": "NoUsers", "effect": "Deny"}]
    assert results[2].explanation["grants"][0]["policyIdentifier"] == "Admin"


# -- resource policies ---------------------------------------------------------------------------

def secret_policy(principal):
    return policy({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "secretsmanager:GetSecretValue",
                   "Resource": "*"})


def test_same_account_secret_resource_policy_grants_without_identity_policy(evaluator):
    other_role = f"arn:aws:iam::{A}:role/other"
    foreign_role = f"arn:aws:iam::{B}:role/app"
    read = policy(allow("secretsmanager:GetSecretValue"))
    requests = [
        Request(ROLE, "secretsmanager:GetSecretValue", SECRET, resource_policy=secret_policy(ROLE)),
        Request(other_role, "secretsmanager:GetSecretValue", SECRET, resource_policy=secret_policy(ROLE)),
        Request(ROLE, "secretsmanager:GetSecretValue", SECRET),
        Request(ROLE, "secretsmanager:GetSecretValue", SECRET, identity_policies=[read]),
        # Cross account: the resource policy alone is not enough, the caller's identity policy must allow too.
        Request(foreign_role, "secretsmanager:GetSecretValue", SECRET, resource_policy=secret_policy(foreign_role)),
        Request(foreign_role, "secretsmanager:GetSecretValue", SECRET, resource_policy=secret_policy(foreign_role),
                identity_policies=[read]),
        Request(foreign_role, "secretsmanager:GetSecretValue", SECRET, identity_policies=[read]),
    ]
    assert decisions(evaluator, requests) == [
        "Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "Allowed",
        "ImplicitlyDenied", "Allowed", "ImplicitlyDenied"]


def root_key_policy(*conditions):
    statement = {"Sid": "DelegateToIam", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
                 "Resource": "*"}
    if conditions:
        statement["Condition"] = conditions[0]
    return policy(statement)


def test_kms_key_policy_naming_the_account_root_only_delegates_to_iam(evaluator):
    decrypt = policy(allow("kms:Decrypt", KEY))
    role_key_policy = policy({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"})
    requests = [
        Request(ROLE, "kms:Decrypt", KEY, resource_policy=root_key_policy()),
        Request(ROLE, "kms:Decrypt", KEY, resource_policy=root_key_policy(), identity_policies=[decrypt]),
        Request(ROLE, "kms:Decrypt", KEY, resource_policy=role_key_policy),
        # A key policy without the root statement does not let IAM policies grant anything.
        Request(ROLE, "kms:Decrypt", KEY, resource_policy=policy({"Effect": "Allow", "Principal": {"AWS": BOB},
                                                                  "Action": "kms:*", "Resource": "*"}),
                identity_policies=[decrypt]),
        # Without a key policy nothing is allowed (every real key has one: always pass it).
        Request(ROLE, "kms:Decrypt", KEY, identity_policies=[decrypt]),
    ]
    assert decisions(evaluator, requests) == [
        "ImplicitlyDenied", "Allowed", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]


def test_kms_via_service_and_caller_account_conditions(evaluator):
    # The shape of CredentialsKey's "UseOnlyThroughSecretsManager" statement.
    key_policy = root_key_policy({"StringEquals": {"kms:ViaService": VIA_SECRETS_MANAGER, "kms:CallerAccount": A}})
    decrypt = policy(allow("kms:Decrypt", KEY))

    def req(**context):
        return Request(ROLE, "kms:Decrypt", KEY, identity_policies=[decrypt], resource_policy=key_policy,
                       context=context)

    assert decisions(evaluator, [
        req(**{"kms:ViaService": VIA_SECRETS_MANAGER}),                         # kms:CallerAccount derived = A
        req(),                                                                  # called directly, not via a service
        req(**{"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}),
        req(**{"kms:ViaService": VIA_SECRETS_MANAGER, "kms:CallerAccount": B}),
        req(**{"kms:ViaService": VIA_SECRETS_MANAGER, "kms:CallerAccount": ABSENT}),
    ]) == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied"]


def test_kms_encryption_context_keys_are_evaluated(evaluator):
    # iam-simulate drops kms:EncryptionContext:<name> keys; simulate.mjs works around it (see its FINDINGS).
    key_policy = root_key_policy({"StringLike": {"kms:EncryptionContext:SecretARN":
                                                 f"arn:aws:secretsmanager:{REGION}:{A}:secret:iam-users/*"}})
    decrypt = policy(allow("kms:Decrypt", KEY))
    other = f"arn:aws:secretsmanager:{REGION}:{A}:secret:app/db-AbCdEf"
    results = evaluator.evaluate([
        Request(ROLE, "kms:Decrypt", KEY, identity_policies=[decrypt], resource_policy=key_policy,
                context={"kms:EncryptionContext:SecretARN": ctx}) for ctx in (SECRET, other)
    ] + [Request(ROLE, "kms:Decrypt", KEY, identity_policies=[decrypt], resource_policy=key_policy)])
    assert [r.error for r in results] == [None, None, None]
    assert [r.decision for r in results] == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]
    assert results[0].explanation["decisionFrom"] == "runUnsafeSimulation"


# -- real managed policies -----------------------------------------------------------------------

def test_read_only_access_allows_get_user_and_not_create_user(evaluator):
    read_only = evaluator.managed_policy("ReadOnlyAccess")
    assert len(str(read_only)) > 10_000  # the real document, not a stand-in
    user = f"arn:aws:iam::{A}:user/new"
    results = evaluator.evaluate([
        Request(JANE, action, user, identity_policies=[("ReadOnlyAccess", read_only)])
        for action in ("iam:GetUser", "iam:CreateUser")
    ])
    assert [r.decision for r in results] == ["Allowed", "ImplicitlyDenied"]
    assert results[0].explanation["grants"][0]["policyIdentifier"] == "ReadOnlyAccess"


def test_managed_policy_names_paths_and_unknown_names(evaluator):
    by_path = evaluator.managed_policy("job-function/ViewOnlyAccess")
    assert by_path == evaluator.managed_policy("ViewOnlyAccess")
    assert by_path == evaluator.managed_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
    by_path["Statement"] = []  # callers get copies
    assert evaluator.managed_policy("ViewOnlyAccess")["Statement"]
    for wrong in ("NoSuchPolicy", "team/ReadOnlyAccess"):
        with pytest.raises(KeyError):
            evaluator.managed_policy(wrong)


# -- invalid requests are errors, never denials --------------------------------------------------

def test_invalid_requests_are_reported(evaluator):
    ok = Request(BOB, "iam:GetUser", BOB, identity_policies=[policy(allow("iam:GetUser"))])
    bad = [
        Request(BOB, "iam:GetUsr", BOB),                                       # unknown action
        Request(BOB, "iamx:GetUser", BOB),                                     # unknown service
        Request(BOB, "iam:GetUser", f"arn:aws:iam::{A}:role/app"),             # wrong resource type
        Request(BOB, "iam:ListUsers", BOB),                                    # takes no resource
        Request(BOB, "iam:GetUser", BOB, context={"kms:ViaService": VIA_SECRETS_MANAGER}),  # key not applicable
        Request(BOB, "iam:GetUser", BOB, context={"aws:MultiFactorAuthPresent": "yes"}),     # not a boolean
        Request(BOB, "iam:GetUser", BOB, identity_policies=[{"Statement": [{"Effect": "Maybe"}]}]),  # bad policy
        Request(BOB, "iam:GetUser", BOB, resource_account=B),                 # contradicts the ARN
        Request("jane.smith", "iam:GetUser", BOB),                             # not a principal ARN
        Request(BOB, "s3:GetObject", "arn:aws:s3:::bucket/key"),               # S3 ARNs name no account
    ]
    results = evaluator.evaluate([ok, *bad, ok])
    assert results[0].decision == results[-1].decision == "Allowed"
    for r in results[1:-1]:
        assert r.decision is None and r.error, (r.request, r.decision, r.explanation)
        with pytest.raises(evaluator.InvalidRequest):
            r.allowed
    assert "invalid.action" in results[1].error and "invalid.service" in results[2].error
    assert "kms:ViaService" in results[5].error
    with pytest.raises(evaluator.InvalidRequest, match="invalid.action"):
        evaluator.decide(bad[0])


def test_allow_unused_context_accepts_keys_that_do_not_apply(evaluator):
    request = Request(BOB, "iam:GetUser", BOB, identity_policies=[policy(allow("iam:GetUser"))],
                      context={"kms:ViaService": VIA_SECRETS_MANAGER}, allow_unused_context=True)
    result, = evaluator.evaluate([request])
    assert result.decision == "Allowed" and result.explanation["ignoredContextKeys"] == ["kms:ViaService"]


# -- the action catalogue and batches ------------------------------------------------------------

def test_iam_actions_come_from_the_catalogue(evaluator):
    actions = evaluator.iam_actions()
    assert actions == sorted(actions) and len(actions) > 150
    assert {"iam:CreateUser", "iam:PassRole", "iam:CreateAccessKey", "iam:PutUserPermissionsBoundary"} <= set(actions)
    assert all(a.startswith("iam:") for a in actions)
    assert "kms:Decrypt" in evaluator.iam_actions("kms")
    with pytest.raises(evaluator.EvaluatorError, match="no service"):
        evaluator.iam_actions("nosuchservice")


def test_every_iam_action_evaluates_in_one_batch(evaluator):
    # What privilege-escalation checks will do: every IAM action against ReadOnlyAccess, in order.
    # "*" for an action that takes resources asks "is it allowed on at least one resource?".
    read_only = evaluator.managed_policy("ReadOnlyAccess")
    actions = evaluator.iam_actions()
    requests = [Request(JANE, a, "*", identity_policies=[read_only]) for a in actions]
    results = evaluator.evaluate(requests, detail="none")
    assert [r.request.action for r in results] == actions
    assert {r.request.action: r.error for r in results if r.error} == {}
    allowed = {r.request.action for r in results if r.decision == "Allowed"}
    assert {"iam:ListUsers", "iam:GetUser", "iam:GetAccountPasswordPolicy"} <= allowed
    assert not any(a.split(":")[1].startswith(("Create", "Delete", "Put", "Attach", "Update", "Pass")) for a in allowed)


# -- availability --------------------------------------------------------------------------------

@pytest.fixture
def no_node_modules(tmp_path, monkeypatch):
    from tests.policy import evaluator as module
    monkeypatch.setattr(module, "NODE_MODULES", tmp_path)
    module._node.cache_clear()
    yield
    module._node.cache_clear()


def test_missing_packages_skip_or_fail_naming_npm_ci(no_node_modules):
    from tests.policy import evaluator as module
    from tests.policy.conftest import load_evaluator
    with pytest.raises(module.EvaluatorUnavailable, match="npm ci"):
        module.check_available()
    with pytest.raises(pytest.skip.Exception, match="npm ci"):
        load_evaluator(required=False)
    with pytest.raises(pytest.fail.Exception, match="IAM_CONSTRUCTS_REQUIRE_EVALUATOR=1.*npm ci"):
        load_evaluator(required=True)
