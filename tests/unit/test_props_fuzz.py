"""Arbitrary values for every prop of every public construct: the only exception allowed is
IamConstructsError, a construct that raises leaves nothing in the tree, and what is accepted
synthesizes (a NaN or a huge number reaching the CDK would kill the jsii process there)."""

from __future__ import annotations

import itertools
import math

import aws_cdk as cdk
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import examples

from iam_constructs import (AccessKeySlot, AccountPasswordPolicy, ConsoleAccess, CredentialsKey, IamConstructsError,
                            IamGroup, IamUser, IamUsers, MfaEnforcementPolicy, PasswordPolicy,
                            SelfServiceCredentialsPolicy)
from iam_constructs.scheduled_audit import CredentialAudit
from iam_constructs.user import UserProps

_COUNTER = itertools.count()
_ARN = "arn:aws:iam::111122223333:role/reader"

# Values of every kind a caller might pass by mistake: wrong types, strings where lists belong,
# NaN and infinities, numbers too big for a double, bools where ints belong, near-miss strings.
HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12), st.binary(max_size=4),
    st.lists(st.text(max_size=4), max_size=3), st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
    st.dates(), st.just(object()), st.lists(st.floats(allow_nan=True), max_size=2),
    st.sampled_from(["devs", "/", "/a/", "alias/aws/x", "alias/ok", "ReadOnlyAccess", _ARN, "restore", "generated",
                     "parameter", "*", "arn:aws:kms:us-east-1:111122223333:key/k", "\x00", "jäne", math.nan]),
    st.sampled_from([[_ARN], (_ARN,), ["ReadOnlyAccess"], ["devs"], [AccessKeySlot()], {"Owner": "a"}]),
)


def _fresh_stack(app: cdk.App) -> cdk.Stack:
    n = next(_COUNTER)
    return cdk.Stack(app, f"S{n}", env=cdk.Environment(account=f"{n + 100000000000:012d}", region="us-east-1"))


class _Shared:
    """One App for the whole module: each jsii call costs, so stacks are reused."""

    CHILDREN_PER_STACK = 30  # a long run (IAM_CONSTRUCTS_FUZZ_EXAMPLES) stays under 500 resources per stack

    def __init__(self) -> None:
        self.app = cdk.App()
        self._stack = _fresh_stack(self.app)

    @property
    def stack(self) -> cdk.Stack:
        if len(self._stack.node.children) >= self.CHILDREN_PER_STACK:
            self._stack = _fresh_stack(self.app)
        return self._stack


@pytest.fixture(scope="module")
def shared():
    holder = _Shared()
    yield holder
    holder.app.synth()  # whatever was accepted synthesizes


def _attempt(scope, make) -> None:
    """Builds; an IamConstructsError is the only refusal allowed, and it leaves no child behind."""
    before = [c.node.path for c in scope.node.children]
    try:
        make()
    except IamConstructsError as e:
        assert e.problems and all(p.field and p.message for p in e.problems)
        assert [c.node.path for c in scope.node.children] == before


def _props_of(names, values):
    return dict(zip(names, values))


_USER_PROPS = [n for n in UserProps.names() if n != "user_name"]
_FUZZ = settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])


@_FUZZ
@given(picked=st.lists(st.sampled_from(_USER_PROPS), min_size=1, max_size=3, unique=True),
       values=st.lists(HOSTILE, min_size=3, max_size=3), name=st.one_of(st.just(None), HOSTILE))
def test_iam_user_props(shared, picked, values, name):
    props = {"tags": {"Owner": "a", "Purpose": "b"}, **_props_of(picked, values)}
    user_name = f"u{next(_COUNTER)}" if name is None else name
    _attempt(shared.stack, lambda: IamUser(shared.stack, f"U{next(_COUNTER)}", user_name=user_name, **props))


@_FUZZ
@given(field=st.sampled_from(["initial_password", "password_reset_required", "password_length",
                              "password_readers"]), value=HOSTILE)
def test_console_access_fields(shared, field, value):
    console = ConsoleAccess(**{field: value})
    _attempt(shared.stack, lambda: IamUser(shared.stack, f"U{next(_COUNTER)}", user_name=f"u{next(_COUNTER)}",
                                           tags={"Owner": "a", "Purpose": "b"}, console_access=console))


@_FUZZ
@given(field=st.sampled_from(["serial", "active", "slot", "readers"]), value=HOSTILE)
def test_access_key_slot_fields(shared, field, value):
    slots = [AccessKeySlot(**{field: value})]
    _attempt(shared.stack, lambda: IamUser(shared.stack, f"U{next(_COUNTER)}", user_name=f"u{next(_COUNTER)}",
                                           tags={"Owner": "a", "Purpose": "b"}, programmatic_access=slots))


_POLICY_FIELDS = PasswordPolicy.field_names()


@_FUZZ
@given(field=st.sampled_from(_POLICY_FIELDS), value=HOSTILE, on_delete=st.one_of(st.just("restore"), HOSTILE),
       retention=st.one_of(st.just(365), HOSTILE))
def test_account_password_policy_and_password_policy_fields(shared, field, value, on_delete, retention):
    stack = _fresh_stack(shared.app)  # one password policy per account
    policy = PasswordPolicy(**{field: value})
    _attempt(stack, lambda: AccountPasswordPolicy(stack, "Policy", policy=policy, on_delete=on_delete,
                                                  log_retention_days=retention))
    _attempt(stack, lambda: IamUser(stack, f"U{next(_COUNTER)}", user_name=f"u{next(_COUNTER)}",
                                    tags={"Owner": "a", "Purpose": "b"}, console_access=True,
                                    password_policy=policy))


@_FUZZ
@given(picked=st.lists(st.sampled_from(["path", "managed_policies", "statements", "enforce_mfa", "members",
                                        "policy_name", "acknowledgements"]), min_size=1, max_size=3, unique=True),
       values=st.lists(HOSTILE, min_size=3, max_size=3), name=st.one_of(st.just(None), HOSTILE))
def test_iam_group_props(shared, picked, values, name):
    group_name = f"g{next(_COUNTER)}" if name is None else name
    props = _props_of(picked, values)
    _attempt(shared.stack, lambda: IamGroup(shared.stack, f"G{next(_COUNTER)}", group_name=group_name, **props))


@_FUZZ
@given(administrators=st.one_of(st.just(()), HOSTILE), alias=st.one_of(st.none(), HOSTILE),
       removal=st.one_of(st.just(cdk.RemovalPolicy.RETAIN), HOSTILE))
def test_credentials_key_props(shared, administrators, alias, removal):
    _attempt(shared.stack, lambda: CredentialsKey(shared.stack, f"K{next(_COUNTER)}", administrators=administrators,
                                                  alias=alias, removal_policy=removal))


@_FUZZ
@given(cls=st.sampled_from([MfaEnforcementPolicy, SelfServiceCredentialsPolicy]),
       name=st.one_of(st.none(), HOSTILE), path=st.one_of(st.just("/"), HOSTILE), flag=st.one_of(st.just(True), HOSTILE))
def test_mfa_policy_props(shared, cls, name, path, flag):
    extra = {"allow_first_sign_in_password_change": flag} if cls is MfaEnforcementPolicy else {}
    _attempt(shared.stack, lambda: cls(shared.stack, f"M{next(_COUNTER)}", managed_policy_name=name, path=path,
                                       **extra))


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(picked=st.lists(st.sampled_from(["schedule", "max_key_age_days", "max_unused_days", "roster_users",
                                        "departure_window_days", "topic_key", "log_retention_days"]),
                       min_size=1, max_size=2, unique=True),
       values=st.lists(HOSTILE, min_size=2, max_size=2))
def test_credential_audit_props(shared, picked, values):
    props = _props_of(picked, values)
    _attempt(shared.stack, lambda: CredentialAudit(shared.stack, f"A{next(_COUNTER)}", **props))


@_FUZZ
@given(users=st.one_of(HOSTILE, st.lists(st.one_of(HOSTILE, st.dictionaries(
    st.sampled_from(["user_name", "tags", "groups", "nmae", "console_access"]), HOSTILE, max_size=3)), max_size=3)),
    rotation=st.one_of(st.just(True), HOSTILE))
def test_iam_users_props(shared, users, rotation):
    _attempt(shared.stack, lambda: IamUsers(shared.stack, f"Us{next(_COUNTER)}", users=users,
                                            rotation_acknowledged_here=rotation))


def test_a_string_where_a_list_belongs_names_the_field_and_value(shared):
    for make, field in [
        (lambda: IamUser(shared.stack, "X1", user_name="x1", tags={"Owner": "a", "Purpose": "b"}, groups="devs"),
         "groups"),
        (lambda: IamUser(shared.stack, "X2", user_name="x2", tags={"Owner": "a", "Purpose": "b"},
                         direct_managed_policies="ReadOnlyAccess", direct_policies_reason="r"),
         "direct_managed_policies"),
        (lambda: IamUser(shared.stack, "X3", user_name="x3", tags={"Owner": "a", "Purpose": "b"},
                         required_tags="Owner"), "required_tags"),
        (lambda: IamUser(shared.stack, "X4", user_name="x4", tags={"Owner": "a", "Purpose": "b"},
                         console_access=ConsoleAccess(password_readers=_ARN)), "console_access.password_readers"),
        (lambda: IamGroup(shared.stack, "X5", group_name="x5", managed_policies="ReadOnlyAccess"), "managed_policies"),
        (lambda: IamGroup(shared.stack, "X6", group_name="x6", statements="s3:GetObject"), "statements"),
        (lambda: CredentialsKey(shared.stack, "X7", administrators=_ARN), "administrators"),
        (lambda: CredentialAudit(shared.stack, "X8", roster_users="jane"), "roster_users"),
    ]:
        with pytest.raises(IamConstructsError) as caught:
            make()
        (problem,) = [p for p in caught.value.problems if p.field == field]
        assert "must be a list" in problem.message


@pytest.mark.parametrize("value", [math.nan, math.inf, 2 ** 64, True, 14.0])
def test_numbers_are_whole_and_bounded(shared, value):
    with pytest.raises(IamConstructsError, match="password_length"):
        IamUser(shared.stack, "N", user_name="n", tags={"Owner": "a", "Purpose": "b"},
                console_access=ConsoleAccess(password_length=value))
    with pytest.raises(IamConstructsError, match=r"programmatic_access\[0\].serial"):
        IamUser(shared.stack, "N", user_name="n", tags={"Owner": "a", "Purpose": "b"},
                programmatic_access=[AccessKeySlot(serial=value if value is not True else 2.0) if value != 14.0
                                     else AccessKeySlot(serial=2 ** 40)])
    with pytest.raises(IamConstructsError, match="max_key_age_days"):
        CredentialAudit(shared.stack, "A", max_key_age_days=value if value != 14.0 else 10 ** 9)


@pytest.mark.parametrize("make", [
    lambda scope, id: IamUser(scope, id, user_name="idcheck", tags={"Owner": "a", "Purpose": "b"}),
    lambda scope, id: IamUsers(scope, id, users=[]),
    lambda scope, id: IamGroup(scope, id, group_name="idcheck"),
    lambda scope, id: CredentialsKey(scope, id),
    lambda scope, id: MfaEnforcementPolicy(scope, id),
    lambda scope, id: SelfServiceCredentialsPolicy(scope, id),
    lambda scope, id: AccountPasswordPolicy(scope, id),
    lambda scope, id: CredentialAudit(scope, id),
])
@pytest.mark.parametrize("bad", ["scope", "id"])
def test_scope_and_id_are_checked_first(shared, make, bad):
    stack = _fresh_stack(shared.app)
    scope, id = ("not a scope", "X") if bad == "scope" else (stack, 7)
    with pytest.raises(IamConstructsError, match=f": {bad}: "):
        make(scope, id)
    assert stack.node.children == []
    make(stack, "X")  # nothing was claimed by the refused attempt


@pytest.mark.parametrize("key,field", [("", "''"), ("user name", "'user name'"), (3, "3"), ("tagz", "tagz")])
def test_an_unknown_prop_is_named_whatever_its_key(shared, key, field):
    """Found by a long run: an empty key became an empty field."""
    with pytest.raises(IamConstructsError) as e:
        IamUsers(shared.stack, f"Us{next(_COUNTER)}", users=[{"user_name": "k", key: "x"}])
    assert [(p.field, p.message.split(";")[0]) for p in e.value.problems] == [(field, "unknown prop")]
