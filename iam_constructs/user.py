"""IamUser and IamUsers: people and bots, with no credentials and no permissions until asked.

Both validate each user into a ``UserPlan`` (pure Python, every problem collected and raised
once) and emit the plan's resources through one CfnInclude: ``IamUser`` for one user,
``IamUsers`` for a whole stack's worth in a single call to the CDK.
"""

from __future__ import annotations

import datetime as _dt
import dataclasses
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence, Union, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk.interfaces import aws_iam as iam_refs
from aws_cdk import cloudformation_include as cfi
from constructs import Construct, IValidation

from . import _acknowledge as ack
from . import credentials as cr
from . import defaults, limits
from ._acknowledge import acknowledge
from ._principal import PrincipalMembers
from ._policy import managed_policy_arn
from ._registry import (child_path, claim_all, declared_password_policy, parameter_users, path_of,
                        record_console_password_length, record_parameter_user, stack_of)
from ._tokens import is_unresolved
from ._user_template import include, logical_id
from ._validate import check_acknowledgements, check_name, check_path, check_secret_name, check_tags, parse_date
from .errors import IamConstructsError, Problem, ProblemCollector, check_scope_and_id, show
from .group import GrantPolicies, IamGroup
from .password_policy.spec import PasswordPolicy

if TYPE_CHECKING:  # importing aws_secretsmanager at run time pulls in ~170 MB of modules
    from aws_cdk import aws_secretsmanager as sm

GroupLike = Union[IamGroup, iam.IGroup, str]
# The reasons a caller gives for the two explicit escape hatches become acknowledgements of the
# pack's rules, so the audit trail in validation-report.json carries them.
CONSOLE_AND_KEYS_ACK = "IamConstructs::IamConstructs-ConsoleAndKeys"
NO_DIRECT_POLICIES_ACK = "IamConstructs::IamConstructs-NoDirectUserPolicies"



@dataclass(frozen=True)
class UserPlan:
    """One user, validated and normalised: everything needed to emit its resources."""

    where: str
    user_name: str
    path: str
    tags: dict[str, str]
    expires: _dt.date | None
    disabled: bool
    password_policy: PasswordPolicy
    console: cr.ConsoleAccess | None
    password_length: int
    password_reference: str | None  # a caller's SecretValue, as its (reference) token
    password_from_parameter: bool
    slots: tuple[tuple[int, cr.AccessKeySlot], ...]
    key_id: str | None
    boundary: str | None
    direct_policies: tuple[str, ...]
    groups: tuple[GroupLike, ...]
    group_names: tuple[str, ...]
    group_refs: tuple[str, ...] = ()
    acknowledgements: Mapping[str, str] = field(default_factory=dict)
    key: cr.CredentialsKey | None = None
    cleanup_on_delete: bool = True
    cleanup_token: str | None = None  # the stack's cleanup function ARN, bound at emission
    disabled_since: _dt.date | None = None

    @property
    def logical_id(self) -> str:
        return logical_id(self.user_name)

    @property
    def generates_password(self) -> bool:
        """True when Secrets Manager generates the console password (a console-password secret)."""
        return (self.console is not None and self.password_reference is None
                and self.console.initial_password == cr.GENERATED)


@dataclass(frozen=True, kw_only=True)
class UserProps:
    """IamUser's props, defined once: ``IamUser``'s keyword arguments, the mappings ``IamUsers`` takes
    and what the roster checks are all this class (see ``IamUser`` for each prop's meaning)."""

    user_name: str
    path: str = "/"
    groups: Sequence[GroupLike] = ()
    permissions_boundary: Union[str, iam.IManagedPolicy, None] = None
    tags: Mapping[str, str] | None = None
    required_tags: Sequence[str] = defaults.REQUIRED_USER_TAGS
    expires: Union[_dt.date, str, None] = None
    console_access: Union[bool, cr.ConsoleAccess] = False
    programmatic_access: Union[bool, Sequence[cr.AccessKeySlot]] = False
    console_and_keys_reason: str | None = None
    disabled: bool = False
    password_policy: PasswordPolicy | None = None
    credentials_key: cr.KeyLike = None
    direct_managed_policies: Sequence[str] = ()
    direct_policies_reason: str | None = None
    acknowledgements: Mapping[str, str] | None = None
    cleanup_on_delete: bool = True
    disabled_since: Union[_dt.date, str, None] = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_mapping(cls, where: str, props: Mapping[str, Any]) -> tuple["UserProps | None", list[Problem]]:
        """Props from a mapping (``IamUsers``, the roster): an unknown or missing prop is a problem."""
        if not isinstance(props, Mapping):
            return None, [Problem(where, "users", f"{show(props)} must be a mapping of IamUser props")]
        names = cls.names()
        problems = [Problem(where, key if isinstance(key, str) and key.isidentifier() else show(key),
                            f"unknown prop; IamUser takes {', '.join(names)}")
                    for key in props if key not in names]
        if "user_name" not in props:
            problems.append(Problem(where, "user_name", "missing; every user needs a user_name"))
        if problems:
            return None, problems
        return cls(**props), []


def plan_user(stack: cdk.Stack | None, where: str, props: UserProps) -> tuple[UserPlan | None, list[Problem]]:
    """Validates one user's props; returns (plan, []) or (None, every problem). Nothing is built."""
    if not isinstance(props, UserProps):
        raise TypeError(f"plan_user takes a UserProps, not {type(props).__name__}")
    user_name, path, groups, tags = props.user_name, props.path, props.groups, props.tags
    permissions_boundary, required_tags, expires = props.permissions_boundary, props.required_tags, props.expires
    console_access, programmatic_access = props.console_access, props.programmatic_access
    console_and_keys_reason, disabled, disabled_since = props.console_and_keys_reason, props.disabled, \
        props.disabled_since
    password_policy, credentials_key, acknowledgements = props.password_policy, props.credentials_key, \
        props.acknowledgements
    direct_managed_policies, direct_policies_reason = props.direct_managed_policies, props.direct_policies_reason
    cleanup_on_delete = props.cleanup_on_delete
    p = ProblemCollector(where)
    if is_unresolved(user_name):
        p.add("user_name", f"{show(user_name)} is a token, unknown until deployment: the user's logical ids derive "
                           "from its name (and a token's text changes with the app), so give the name as a plain "
                           "string")
    check_name(p, "user_name", user_name, max_len=limits.USER_NAME_MAX, kind="user")
    check_path(p, "path", path)
    if tags is not None and not isinstance(tags, Mapping):
        p.add("tags", f"{show(tags)} must be a mapping of tag key to value, e.g. {{'Owner': 'platform'}}")
        tags = None
    given_tags = len(tags or {})
    tag_map = dict(tags or {})
    check_tags(p, "tags", tag_map)
    _check_bool(p, "disabled", disabled)
    cleanup_flag = _check_bool(p, "cleanup_on_delete", cleanup_on_delete)
    expiry = parse_date(p, "expires", expires)
    if expiry is not None:
        if any(str(k).lower() == defaults.EXPIRY_TAG.lower() for k in tag_map):
            p.add("tags", f"give the expiry date once: 'expires' writes the {defaults.EXPIRY_TAG!r} tag")
        tag_map[defaults.EXPIRY_TAG] = expiry.isoformat()
    since = parse_date(p, "disabled_since", disabled_since)
    if since is not None:
        if disabled is not True:
            p.add("disabled_since", f"{since.isoformat()} is given but the user is not disabled; set disabled=True "
                                    "(the departure window starts the day the credentials go off)")
        elif since > _dt.date.today():
            p.add("disabled_since", f"{since.isoformat()} is in the future; give the day the user was disabled")
        if any(str(k).lower() == defaults.DISABLED_SINCE_TAG.lower() for k in tag_map):
            p.add("tags", f"give the date once: 'disabled_since' writes the {defaults.DISABLED_SINCE_TAG!r} tag")
        tag_map[defaults.DISABLED_SINCE_TAG] = since.isoformat()
    library_tags = len(tag_map) - given_tags + (1 if cleanup_flag else 0)
    if any(str(k).lower() == defaults.STACK_TAG.lower() for k in tags or {}):
        p.add(f"tags.{defaults.STACK_TAG}", "is written by the library (the user's stack, which scopes its cleanup "
                                            "role); remove it")
    elif given_tags <= limits.TAGS_PER_USER_MAX < given_tags + library_tags:
        written = [t for t, on in ((defaults.EXPIRY_TAG, expiry is not None),
                                   (defaults.DISABLED_SINCE_TAG, since is not None),
                                   (defaults.STACK_TAG, cleanup_flag)) if on]
        p.add("tags", f"{given_tags} tags plus the {len(written)} the library writes ({', '.join(written)}) make "
                      f"{given_tags + library_tags}; IAM allows at most {limits.TAGS_PER_USER_MAX} per user: "
                      "remove some")
    if isinstance(required_tags, str) or not isinstance(required_tags, (list, tuple)):
        p.add("required_tags", f"{show(required_tags)} must be a list of tag keys, e.g. ['Owner']")
    else:
        present = {str(k).lower() for k, v in tag_map.items() if is_unresolved(v) or (isinstance(v, str) and v)}
        for key in required_tags:
            if not isinstance(key, str) or not key:
                p.add("required_tags", f"{show(key)} is not a tag key; give non-empty strings")
            elif key.lower() not in present:
                p.add(f"tags.{key}", f"required tag {key!r} is missing or empty; add it "
                                     "(required_tags lists it; an empty list opts out)")
    for name, reason in (("console_and_keys_reason", console_and_keys_reason),
                         ("direct_policies_reason", direct_policies_reason)):
        if reason is not None and not (isinstance(reason, str) and reason.strip()):
            p.add(name, f"{show(reason)} must be a non-empty reason (a string), or None")

    if console_access is True:
        console = cr.ConsoleAccess()
    elif console_access is False or console_access is None:
        console = None
    elif isinstance(console_access, cr.ConsoleAccess):
        console = console_access
    else:
        p.add("console_access", f"{show(console_access)} must be True, False or a ConsoleAccess")
        console = None
    slots = cr.normalise_slots(p, "programmatic_access", programmatic_access)
    if console is not None and slots and not (isinstance(console_and_keys_reason, str)
                                              and console_and_keys_reason.strip()):
        p.add("console_access", "a user with both console access and access keys is refused: people sign "
                                "in, bots use keys. Split into two users, or give console_and_keys_reason "
                                "('<why>') to allow it for this user")
    if isinstance(user_name, str) and limits.NAME_PATTERN.fullmatch(user_name) and not is_unresolved(user_name):
        # The user's secrets are named after it; a name IAM takes (a comma) may be one Secrets Manager refuses.
        secret_names = ([cr.console_secret_name(user_name)] if console is not None
                        and isinstance(console.initial_password, str) and console.initial_password == cr.GENERATED
                        else []) + \
            [cr.access_key_secret_name(user_name, n) for n, _ in slots]
        for secret_name in secret_names[:1]:
            check_secret_name(p, "user_name", secret_name)
    if password_policy is not None and not isinstance(password_policy, PasswordPolicy):
        p.add("password_policy", f"{show(password_policy)} must be a PasswordPolicy")
        password_policy = None
    elif password_policy is not None:
        found = password_policy.problems(where, "password_policy.").problems
        if found:
            p.extend(found)
            password_policy = None
    policy = password_policy or (declared_password_policy(stack) if stack is not None else None) or PasswordPolicy()
    reference, from_parameter = None, False
    if console is not None:
        cr.check_console(p, "console_access", console, policy)
        if isinstance(console.initial_password, cdk.SecretValue) and stack is not None:
            from_parameter = cr.check_initial_password_secret_value(p, "console_access", stack,
                                                                     console.initial_password)
            reference = console.initial_password.unsafe_unwrap()  # a reference, never plaintext (checked)
    cr.check_key(p, "credentials_key", credentials_key)

    if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence):
        p.add("groups", f"{show(groups)} must be a list of groups (IamGroup, aws_iam.IGroup or names)")
        groups = ()
    group_names = [_group_name(p, f"groups[{i}]", g) for i, g in enumerate(groups)]
    _check_groups(p, group_names)

    if isinstance(direct_managed_policies, (str, bytes)) or not isinstance(direct_managed_policies, Sequence):
        p.add("direct_managed_policies", f"{show(direct_managed_policies)} must be a list of managed-policy names "
                                         "or ARNs")
        direct_managed_policies = ()
    direct = [managed_policy_arn(p, f"direct_managed_policies[{i}]", v) for i, v in enumerate(direct_managed_policies)]
    if direct and not (isinstance(direct_policies_reason, str) and direct_policies_reason.strip()):
        p.add("direct_managed_policies", "policies attached straight to a user are refused: put them on a "
                                         "group, or pass direct_policies_reason='<why>' to use this escape hatch")
    if len(direct) > limits.MANAGED_POLICIES_PER_USER_MAX:
        p.add("direct_managed_policies", f"{len(direct)} policies; IAM allows at most "
                                         f"{limits.MANAGED_POLICIES_PER_USER_MAX} per user even with a quota increase")
    boundary = permissions_boundary
    if boundary is not None and not isinstance(boundary, str) and hasattr(boundary, "managed_policy_arn"):
        boundary = boundary.managed_policy_arn
    elif boundary is not None:
        boundary = managed_policy_arn(p, "permissions_boundary", boundary)
    check_acknowledgements(p, "acknowledgements", acknowledgements)
    if p:
        return None, p.problems

    # Readers given as aws_iam.IRole / IUser objects become their ARNs (checked above).
    if console is not None:
        console = dataclasses.replace(console, password_readers=cr.normalise_principals(p, "", console.password_readers))
    slots = [(n, dataclasses.replace(s, readers=cr.normalise_principals(p, "", s.readers))) for n, s in slots]
    reasons: dict[str, str] = {}
    # Both reasons are non-empty strings wherever they are needed (refused above otherwise).
    if console is not None and slots and isinstance(console_and_keys_reason, str):
        reasons[CONSOLE_AND_KEYS_ACK] = console_and_keys_reason
    if direct and isinstance(direct_policies_reason, str):
        reasons[NO_DIRECT_POLICIES_ACK] = direct_policies_reason
        reasons[ack.USER_HAS_POLICIES] = direct_policies_reason
        for name in direct_managed_policies:
            if isinstance(name, str) and not name.startswith("arn:") and not is_unresolved(name):
                reasons[ack.aws_managed_policy_finding(name)] = direct_policies_reason
    reasons.update(acknowledgements or {})
    key = credentials_key if isinstance(credentials_key, cr.CredentialsKey) else None
    key_id = cr.key_id_of(credentials_key, stack)
    return UserPlan(
        where=where, user_name=user_name, path=path, tags=tag_map, expires=expiry, disabled=disabled,
        password_policy=policy, console=console,
        password_length=cr.generated_password_length(console, policy) if console else 0,
        password_reference=reference, password_from_parameter=from_parameter, slots=tuple(slots), key_id=key_id,
        boundary=boundary, direct_policies=tuple(a for a in direct if a), groups=tuple(groups),
        group_names=tuple(group_names), acknowledgements=reasons, key=key,
        cleanup_on_delete=cleanup_on_delete, disabled_since=since), []


def _check_bool(p: ProblemCollector, field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        p.add(field, f"{show(value)} must be True or False")
        return False
    return value


_PROP_NAMES = UserProps.names()


def _group_name(p: ProblemCollector, field: str, group: Any) -> str:
    """The name of an ``IamGroup``, any ``aws_iam.IGroup`` (``iam.Group``, ``iam.Group.from_group_name``:
    jsii hands the latter over as a bare proxy, so duck typing) or a group name."""
    if isinstance(group, IamGroup):
        return group.group_name
    if isinstance(group, str):
        check_name(p, field, group, max_len=limits.GROUP_NAME_MAX, kind="group")
        return group
    name = getattr(group, "group_name", None) if hasattr(group, "group_arn") else None
    if not isinstance(name, str):
        p.add(field, f"{show(group)} is not a group; give an IamGroup, an aws_iam.IGroup or a group name")
        return ""
    return name


def _check_groups(p: ProblemCollector, names: Sequence[str]) -> None:
    lowered = [n.lower() for n in names if isinstance(n, str)]
    for n in sorted({n for n in lowered if lowered.count(n) > 1}):
        p.add("groups", f"group {n!r} is listed twice; list each group once")
    if len(names) > limits.GROUPS_PER_USER_MAX:
        p.add("groups", f"{len(names)} groups; IAM allows a user in at most {limits.GROUPS_PER_USER_MAX}: "
                        "merge groups")


def _claim(stack: cdk.Stack, plans: Sequence[UserPlan]) -> None:
    """Claims every name at once, or none: a clash leaves the registry as it was."""
    clashes = claim_all(stack, "user", [(plan.user_name, plan.where) for plan in plans])
    if clashes:
        raise IamConstructsError(Problem(where, "user_name", f"{name!r} is already used by {holder} (IAM user names "
                                                             "are unique case-insensitively); rename one")
                                 for where, name, holder in clashes)


def _bind_groups(stack: cdk.Stack, plan: UserPlan) -> UserPlan:
    """Group references: Ref for a group in the same stack, the name (plus a stack dependency)
    for a group elsewhere."""
    refs = []
    for g in plan.groups:
        if isinstance(g, IamGroup) and g.stack is stack:
            refs.append(g.resource.ref)
        elif isinstance(g, IamGroup):
            _depend_once(stack, g.stack)
            refs.append(g.group_name)
        elif isinstance(g, str):
            refs.append(g)
        else:  # an aws_iam.IGroup: its name (a Ref, or an import across stacks, as the CDK resolves it)
            refs.append(g.group_name)
    return dataclasses.replace(plan, group_refs=tuple(refs))


def _declared_readers(plan: UserPlan) -> list[tuple[str, str]]:
    """(principal ARN, secret name) for every reader declared on one of the user's secrets."""
    out = []
    if plan.generates_password and plan.console is not None:
        out += [(arn, cr.console_secret_name(plan.user_name)) for arn in plan.console.password_readers]
    for number, slot in plan.slots:
        out += [(arn, cr.access_key_secret_name(plan.user_name, number)) for arn in slot.readers]
    return out


def _bind_cleanup(stack: cdk.Stack, plans: Sequence[UserPlan]) -> list[UserPlan]:
    """Users with ``cleanup_on_delete`` get a cleanup resource calling their stack's cleanup
    function (made on first use). Removing one later is safe: its Delete cleans only a user that
    the stack's current template no longer holds, or whose stack is being deleted."""
    if not any(plan.cleanup_on_delete for plan in plans):
        return list(plans)
    from .user_cleanup.construct import UserCleanupFunction
    token = UserCleanupFunction.of_stack(stack).function_arn
    return [dataclasses.replace(plan, cleanup_token=token) if plan.cleanup_on_delete else plan for plan in plans]


def _after_emit(stack: cdk.Stack, scope: Construct, plan: UserPlan) -> None:
    if plan.generates_password:
        record_console_password_length(stack, plan.where, plan.password_length)
    if plan.console is not None and plan.password_reference is None and plan.console.initial_password == cr.PARAMETER:
        if record_parameter_user(stack, plan.where):  # the first in its stack: the stack's count is checked at synth
            stack.node.add_validation(_StackParameterCount(stack))
    readers = _declared_readers(plan)
    if plan.key is not None:
        for arn, secret_name in readers:
            plan.key.add_reader(arn, secret_name)
    elif readers and plan.key_id:
        cdk.Annotations.of(scope).add_warning_v2(
            "iam-constructs:readersNeedKeyPolicy",
            f"credentials_key: {plan.key_id} is not a CredentialsKey of this app, so its key policy cannot name the "
            f"declared readers of {plan.user_name}'s secrets; allow them kms:Decrypt through Secrets Manager there")
    if plan.expires is not None and plan.expires < _dt.date.today():
        cdk.Annotations.of(scope).add_warning_v2(
            "iam-constructs:userExpired",
            f"expires: {plan.expires.isoformat()} is in the past; disable or remove user {plan.user_name}")
    if len(plan.direct_policies) > limits.MANAGED_POLICIES_PER_USER_DEFAULT:
        cdk.Annotations.of(scope).add_warning_v2(
            "iam-constructs:userManagedPoliciesOverDefaultQuota",
            f"direct_managed_policies: {len(plan.direct_policies)} policies exceed IAM's default quota of "
            f"{limits.MANAGED_POLICIES_PER_USER_DEFAULT} per user; the deployment fails unless the quota was raised")


@jsii.implements(IValidation)
class _StackParameterCount:
    """CloudFormation refuses a template of more than 200 parameters, and every user whose initial
    password is a NoEcho parameter adds one (a stack of hundreds of users can pass it); the CDK does
    not count them."""

    def __init__(self, stack: cdk.Stack) -> None:
        self._stack = stack

    def validate(self) -> list[str]:
        stack = self._stack
        total = sum(1 for c in stack.node.find_all() if isinstance(c, cdk.CfnParameter) and c.stack is stack)
        # The default synthesizer adds its BootstrapVersion parameter while synthesizing, after this
        # check, unless told not to (generate_bootstrap_version_rule=False, which cannot be read back:
        # such a stack at exactly 200 is refused). The CLI-credentials, bootstrapless and legacy
        # synthesizers add none; a second synthesis finds the parameter made by the first.
        bootstrap = isinstance(stack.synthesizer, cdk.DefaultStackSynthesizer) \
            and not isinstance(stack.synthesizer, cdk.BootstraplessSynthesizer) \
            and stack.node.try_find_child("BootstrapVersion") is None
        total += bootstrap
        if total <= limits.STACK_PARAMETERS_MAX:
            return []
        users = parameter_users(stack)
        return [f"{path_of(stack)}: console_access.initial_password: the stack's template would hold {total} parameters "
                f"({len(users)} of them initial passwords of users with initial_password='parameter', the first "
                f"{users[0]}{'; one the BootstrapVersion of the stack synthesizer' if bootstrap else ''}); "
                f"CloudFormation allows at most {limits.STACK_PARAMETERS_MAX} per stack: generate some of those "
                "passwords (initial_password='generated') or spread the users over more stacks"]


def _holds_secrets(plan: UserPlan) -> bool:
    return bool(plan.slots) or plan.generates_password


@dataclass(frozen=True)
class AccessKey:
    """One of a user's access-key slots, as built."""

    slot: int
    """1 or 2: the slot's identity."""
    serial: int
    """Bumped to replace the key."""
    active: bool
    """The key can sign requests (False while the user is disabled)."""
    resource: iam.CfnAccessKey
    """The ``AWS::IAM::AccessKey`` L1."""
    secret: Any
    """The secret holding the key id and secret access key, as an ``aws_secretsmanager.ISecret``."""
    secret_resource: Any
    """The secret's ``AWS::SecretsManager::Secret`` L1."""


@jsii.implements(iam.IUser)
class IamUser(PrincipalMembers, cdk.Resource):
    """An IAM user. Permissions come from groups; credentials only when switched on.

    It is an ``aws_iam.IUser``: ``iam.Group(...).add_user(user)`` and ``user.add_to_group(group)`` work
    with any ``aws_iam.IGroup``. Granting to the user itself (``bucket.grant_read(user)``) is refused
    with the way to a group, unless ``direct_policies_reason`` opens the escape hatch: then the grant
    lands in a customer-managed policy attached to the user, acknowledged with that reason.
    ``node.default_child`` is the ``AWS::IAM::User``.

    :param user_name: 1-64 of ``[\\w+=,.@-]``, unique case-insensitively in the account; a plain string
        (its logical ids derive from it), never a token.
    :param path: Default: ``/``.
    :param groups: ``IamGroup`` objects, any ``aws_iam.IGroup`` or group names (at most 10). Default: none.
    :param permissions_boundary: a managed-policy name, ARN or ``iam.IManagedPolicy`` that caps the
        user's permissions. Default: no boundary.
    :param tags: tag key to value. Default: none, which fails the required-tags check.
    :param required_tags: tag keys that must be present. Default: ``("Owner", "Purpose")``; pass
        ``()`` to require none.
    :param expires: a ``datetime.date`` or ``YYYY-MM-DD`` string, written as the ``Expiry`` tag and
        checked by the audit and the nag pack. A date already past warns. Default: no expiry.
    :param console_access: True or a ``ConsoleAccess`` for a login profile whose password is never
        in the template. Default: False (no login profile).
    :param programmatic_access: True (one key in slot 1) or a list of ``AccessKeySlot``, each key's
        id and secret kept in its own Secrets Manager secret. Default: False (no access keys).
    :param console_and_keys_reason: required to give one user both console access and access keys,
        which is refused otherwise (people sign in, bots use keys). Default: None.
    :param disabled: the departure switch: no login profile, every key inactive; the user, its
        groups and its secrets stay until the user is removed. Default: False.
    :param disabled_since: with ``disabled``, the day the departure window began, written as the
        ``DisabledSince`` tag: the audit reports credentials used after it, and the user as ready
        to remove once the window (30 days by default) has passed. Default: no date.
    :param password_policy: the policy generated passwords must satisfy. Default: the
        ``AccountPasswordPolicy`` declared in the same app for the same account, else CIS defaults.
    :param credentials_key: a ``CredentialsKey`` or KMS key ARN for the credential secrets.
        Default: the AWS-managed ``aws/secretsmanager`` key.
    :param direct_managed_policies: escape hatch: managed policies attached to the user itself
        rather than through a group. Requires ``direct_policies_reason``. Default: none.
    :param direct_policies_reason: why ``direct_managed_policies`` (or grants to the user itself) cannot
        go through a group. Default: None.
    :param acknowledgements: rule id (``Pack::Pack-Rule``, as the validation report prints it) to the
        reason it is accepted for this user. Default: none.
    :param cleanup_on_delete: before CloudFormation deletes the user (removed from the app, or its
        stack deleted), remove what the stack did not make and IAM would refuse the delete for: MFA
        devices (virtual ones deleted), SSH keys, signing certificates, service-specific
        credentials, access keys, login profile, policies and group memberships made by hand. A
        ``Custom::IamUserCleanup`` resource per user and one inline function per stack do it; the
        user carries the tag ``iam-constructs:stack``, to which the function's role is scoped.
        Switching it off later is safe (the cleanup never runs on a user who stays). Default: True.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        user_name: str,
        path: str = "/",
        groups: Sequence[GroupLike] = (),
        permissions_boundary: Union[str, iam.IManagedPolicy, None] = None,
        tags: Mapping[str, str] | None = None,
        required_tags: Sequence[str] = defaults.REQUIRED_USER_TAGS,
        expires: Union[_dt.date, str, None] = None,
        console_access: Union[bool, cr.ConsoleAccess] = False,
        programmatic_access: Union[bool, Sequence[cr.AccessKeySlot]] = False,
        console_and_keys_reason: str | None = None,
        disabled: bool = False,
        password_policy: PasswordPolicy | None = None,
        credentials_key: cr.KeyLike = None,
        direct_managed_policies: Sequence[str] = (),
        direct_policies_reason: str | None = None,
        acknowledgements: Mapping[str, str] | None = None,
        cleanup_on_delete: bool = True,
        disabled_since: Union[_dt.date, str, None] = None,
    ) -> None:
        check_scope_and_id(scope, id)
        props = UserProps(
            user_name=user_name, path=path, groups=groups, permissions_boundary=permissions_boundary, tags=tags,
            required_tags=required_tags, expires=expires, console_access=console_access,
            programmatic_access=programmatic_access, console_and_keys_reason=console_and_keys_reason,
            disabled=disabled, password_policy=password_policy, credentials_key=credentials_key,
            direct_managed_policies=direct_managed_policies, direct_policies_reason=direct_policies_reason,
            acknowledgements=acknowledgements, cleanup_on_delete=cleanup_on_delete, disabled_since=disabled_since)
        stack = stack_of(scope)
        where = child_path(scope, id)
        plan, problems = plan_user(stack, where, props)
        if plan is None:
            raise IamConstructsError(problems)
        _claim(stack, [plan])

        # A physical name lets the CDK build the user's ARN for a stack in another environment.
        super().__init__(scope, id, physical_name=plan.user_name)
        self._stack = stack
        self._arn: str | None = None  # one token for the construct's life, as an L2's ARN attribute
        self._direct_acknowledged = False
        self._direct_policies_reason = direct_policies_reason
        self._credentials_key = credentials_key
        self._grants: GrantPolicies | None = None
        self._plan, = _bind_cleanup(stack, [_bind_groups(stack, plan)])
        self._group_names: list[str] = list(plan.group_names)
        self.include: cfi.CfnInclude = include(self, "Resources", [self._plan])
        """The CfnInclude holding the user's resources (logical ids: see ``logical_id``)."""
        self.node.default_child = self.resource
        reasons = dict(ack.SECRET_ROTATION) if _holds_secrets(plan) else {}
        reasons.update(self._plan.acknowledgements)
        acknowledge(self, reasons)
        _after_emit(stack, self, self._plan)

    # -- what was made ---------------------------------------------------------------------------
    @property
    def user_name(self) -> str:
        """The user's name (known at synth)."""
        return self._plan.user_name

    @property
    def stack(self) -> cdk.Stack:
        """The stack holding the user."""
        return self._stack

    @property
    def path(self) -> str:
        return self._plan.path

    @property
    def tags(self) -> dict[str, str]:
        """Tags as written (with ``Expiry`` when ``expires`` is set)."""
        return dict(self._plan.tags)

    @property
    def expires(self) -> _dt.date | None:
        return self._plan.expires

    @property
    def disabled(self) -> bool:
        return self._plan.disabled

    @property
    def password_policy(self) -> PasswordPolicy:
        return self._plan.password_policy

    @property
    def console_access(self) -> cr.ConsoleAccess | None:
        return self._plan.console

    @property
    def logical_id(self) -> str:
        """The user's logical id, a function of its name alone."""
        return self._plan.logical_id

    @functools.cached_property
    def resource(self) -> iam.CfnUser:
        """The ``AWS::IAM::User`` L1."""
        return cast(iam.CfnUser, self.include.get_resource(self.logical_id))  # CfnInclude gives the L1 of its type

    @functools.cached_property
    def console_password_secret_resource(self) -> sm.CfnSecret | None:
        """The ``AWS::SecretsManager::Secret`` L1 holding the generated password, when
        ``console_access`` generates one."""
        if not self._plan.generates_password:
            return None
        return cast("sm.CfnSecret", self.include.get_resource(f"{self.logical_id}ConsolePassword"))

    @functools.cached_property
    def console_password_secret(self) -> sm.ISecret | None:
        """The generated console password's secret as an ``aws_secretsmanager.ISecret``, when
        ``console_access`` generates one (``grant_read`` grants reading it; for ``kms:Decrypt`` see
        ``credentials_key``). The L1 is ``console_password_secret_resource``."""
        resource = self.console_password_secret_resource
        return None if resource is None else self._secret("ConsolePasswordSecret", resource)

    @functools.cached_property
    def initial_password_parameter(self) -> cdk.CfnParameter | None:
        """The NoEcho parameter, when ``console_access`` uses ``initial_password="parameter"``."""
        if self._plan.console is None or self._plan.console.initial_password != cr.PARAMETER:
            return None
        return self.include.get_parameter(f"{self.logical_id}InitialPassword")

    @functools.cached_property
    def access_keys(self) -> tuple[AccessKey, ...]:
        """One ``AccessKey`` per slot, in slot order: slot number, serial, active, the
        ``AWS::IAM::AccessKey`` and its secret (``ISecret`` and L1)."""
        out = []
        for number, slot in self._plan.slots:
            resource = cast("sm.CfnSecret", self.include.get_resource(f"{self.logical_id}AccessKey{number}Secret"))
            out.append(AccessKey(slot=number, serial=slot.serial, active=slot.active and not self._plan.disabled,
                                 resource=cast(iam.CfnAccessKey,
                                               self.include.get_resource(f"{self.logical_id}AccessKey{number}")),
                                 secret=self._secret(f"AccessKey{number}Secret", resource),
                                 secret_resource=resource))
        return tuple(out)

    def _secret(self, id: str, resource: sm.CfnSecret) -> sm.ISecret:
        from aws_cdk import aws_secretsmanager as secretsmanager  # ~170 MB: only when asked for
        return secretsmanager.Secret.from_secret_attributes(self, id, secret_complete_arn=resource.ref,
                                                            encryption_key=self._encryption_key)

    @property
    def _encryption_key(self) -> Any:
        """The ``credentials_key`` when it is an ``aws_kms.IKey``: a secret's ``grant_read`` then also
        grants ``kms:Decrypt`` through Secrets Manager, as the CDK does for its own secrets. A
        ``CredentialsKey`` names its readers in its own key policy (``password_readers``, ``readers``)."""
        key = self._credentials_key
        return None if key is None or isinstance(key, (str, cr.CredentialsKey)) else key

    @property
    def group_names(self) -> tuple[str, ...]:
        """Names of the groups the user is in."""
        return tuple(self._group_names)

    @property
    def has_console_access(self) -> bool:
        return self._plan.console is not None and not self._plan.disabled

    def add_to_group(self, group: GroupLike) -> None:
        """Puts the user in ``group``: an ``IamGroup``, any ``aws_iam.IGroup`` or a group name. What
        ``iam.Group(...).add_user(user)`` calls.

        An ``IamGroup`` in the same stack is referenced with ``Ref`` (CloudFormation creates it first);
        one in another stack by name, with a stack dependency so it is deployed first. Another
        ``IGroup`` by its ``group_name`` as the CDK resolves it.
        """
        p = ProblemCollector(self._plan.where)
        name = _group_name(p, "groups", group)
        p.raise_if_any()
        if name.lower() in (n.lower() for n in self._group_names):
            return  # already a member
        _check_groups(p, self._group_names + [name])
        p.raise_if_any()
        bound = _bind_groups(self.stack, dataclasses.replace(self._plan, groups=(group,)))
        self._group_names.append(name)
        self._plan = dataclasses.replace(self._plan, groups=self._plan.groups + (group,),
                                         group_refs=self._plan.group_refs + bound.group_refs)
        self.resource.groups = list(self._plan.group_refs)
        self._update_cleanup("StackGroups", list(self._plan.group_refs))

    # -- aws_iam.IUser -----------------------------------------------------------------------------
    @property
    def user_arn(self) -> str:
        """The user's ARN, path included: ``GetAtt Arn`` in its own environment, the ARN built from
        partition, account, path and name elsewhere."""
        if self._arn is None:
            self._arn = self._get_resource_arn_attribute(
                self.resource.attr_arn, service="iam", region="", resource="user",
                resource_name=self._plan.path[1:] + self._plan.user_name)
        return self._arn

    @property
    def user_ref(self) -> iam_refs.UserReference:
        """The user's name as a ``Ref`` (so what uses it depends on the user) and its ARN."""
        return iam_refs.UserReference(user_name=self.resource.ref, user_arn=self.user_arn)

    @property
    def _principal_arn(self) -> str:
        return self.user_arn

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        """Refused: grant to a group the user is in. With ``direct_policies_reason`` given, the
        statement lands in a customer-managed policy attached to the user."""
        reason = self._require_reason("add_to_principal_policy", "grants to a user are refused: permissions come "
                                      "through groups; grant to one of its groups (e.g. bucket.grant_read(group)), or "
                                      "pass direct_policies_reason='<why>' to IamUser to attach a customer-managed "
                                      f"policy to user {self.user_name!r}")
        if self._grants is None:
            self._grants = GrantPolicies(
                self, self._plan.where, description=f"Permissions granted straight to IAM user {self.user_name} "
                f"({reason.strip()[:200]})", policy_name=None,
                room=lambda: limits.MANAGED_POLICIES_PER_USER_MAX - len(self._plan.direct_policies)
                - len(self._grants.policies if self._grants else ()))
            self.node.add_validation(_UserPolicyCountValidation(self))
        if self._grants.place(statement, "add_to_principal_policy"):
            self._set_direct_policies()
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self)

    def add_managed_policy(self, policy: iam.IManagedPolicy) -> None:
        """Attaches a managed policy to the user: only through the ``direct_policies_reason`` escape hatch."""
        self._require_reason("add_managed_policy", "policies attached straight to a user are refused: attach it to "
                             "a group (group.add_managed_policy(policy)), or pass direct_policies_reason='<why>' "
                             "to IamUser")
        arn = policy.managed_policy_arn
        if arn in self._plan.direct_policies:
            return
        if len(self._plan.direct_policies) + len(self._grants.policies if self._grants else ()) \
                >= limits.MANAGED_POLICIES_PER_USER_MAX:
            raise IamConstructsError([Problem(self._plan.where, "add_managed_policy", (
                f"IAM allows at most {limits.MANAGED_POLICIES_PER_USER_MAX} managed policies per user even with a "
                "quota increase"))])
        self._plan = dataclasses.replace(self._plan, direct_policies=self._plan.direct_policies + (arn,))
        self._set_direct_policies()

    def attach_inline_policy(self, policy: iam.Policy) -> None:
        """Refused: a user's permissions come through groups (and never inline)."""
        raise IamConstructsError([Problem(self._plan.where, "attach_inline_policy", (
            f"inline policies are refused on IAM user {self.user_name!r}: grant to one of its groups, or pass "
            "direct_policies_reason='<why>' to IamUser and use user.add_to_principal_policy (customer-managed)"))])

    # -- internals ---------------------------------------------------------------------------------
    def _require_reason(self, field: str, message: str) -> str:
        """The direct_policies_reason given, or the refusal ``message``."""
        reason = self._direct_policies_reason
        if not (isinstance(reason, str) and reason.strip()):
            raise IamConstructsError([Problem(self._plan.where, field, message)])
        if not self._direct_acknowledged:  # once, however many policies come
            self._direct_acknowledged = True
            acknowledge(self, {NO_DIRECT_POLICIES_ACK: reason, ack.USER_HAS_POLICIES: reason})
        return reason

    def _set_direct_policies(self) -> None:
        arns = list(self._plan.direct_policies) + [pol.ref for pol in (self._grants.policies if self._grants else ())]
        self.resource.managed_policy_arns = arns
        self._update_cleanup("StackManagedPolicies", arns)

    def _update_cleanup(self, key: str, value: list) -> None:
        """Keeps the cleanup resource's record of what the stack made in step with the user."""
        if self._plan.cleanup_token:
            self.include.get_resource(f"{self.logical_id}Cleanup").add_property_override(key, value)

    def _policy_count_errors(self) -> list[str]:
        if self._grants is None or not self._grants.overflow:
            return []
        return [f"{self._plan.where}: add_to_principal_policy: the grants to IAM user {self.user_name!r} need more "
                f"managed policies than IAM allows ({limits.MANAGED_POLICIES_PER_USER_MAX} per user); "
                f"{self._grants.overflow} statement(s) left out: grant to a group instead"]


@jsii.implements(IValidation)
class _UserPolicyCountValidation:
    def __init__(self, user: IamUser) -> None:
        self._user = user

    def validate(self) -> list[str]:
        return self._user._policy_count_errors()


class IamUsers(Construct):
    """Many users in one construct: the same checks and resources as ``IamUser``, emitted with one
    call to the CDK for all of them. For rosters of hundreds or thousands of users per stack.

    :param users: one ``UserProps``, or one mapping of ``IamUser`` keyword arguments, per user
        (``user_name`` required; an unknown key is refused).
    :param rotation_acknowledged_here: acknowledge the secret-rotation rules (AwsSolutions-SMG4,
        NIST SecretsManagerRotationEnabled) once on this construct rather than per user; every
        secret under it holds an IAM credential. Default: True.
    """

    def __init__(self, scope: Construct, id: str, *, users: Sequence[Union[UserProps, Mapping[str, Any]]],
                 rotation_acknowledged_here: bool = True) -> None:
        check_scope_and_id(scope, id)
        stack = stack_of(scope)
        base = path_of(scope)
        plans, problems = [], []
        if not isinstance(rotation_acknowledged_here, bool):
            problems.append(Problem(f"{base}/{id}", "rotation_acknowledged_here",
                                    f"{show(rotation_acknowledged_here)} must be True or False"))
        if isinstance(users, (str, bytes, Mapping)) or not isinstance(users, Sequence):
            raise IamConstructsError([Problem(f"{base}/{id}", "users", f"{show(users)} must be a list of mappings "
                                                                       "of IamUser props, one per user")])
        for i, raw in enumerate(users):
            name = raw.get("user_name") if isinstance(raw, Mapping) else getattr(raw, "user_name", None)
            where = f"{base}/{id}/{name if isinstance(name, str) else f'users[{i}]'}"
            props, found = (raw, []) if isinstance(raw, UserProps) else UserProps.from_mapping(where, raw)
            if props is None:
                problems += found
                continue
            plan, found = plan_user(stack, where, props)
            problems += found
            if plan is not None:
                plans.append(plan)
        if problems:
            raise IamConstructsError(problems)
        _claim(stack, plans)

        super().__init__(scope, id)
        self.stack: cdk.Stack = stack
        self._plans = _bind_cleanup(stack, [_bind_groups(stack, plan) for plan in plans])
        self.include: cfi.CfnInclude = include(self, "Resources", self._plans)
        """The CfnInclude holding every user's resources."""
        if rotation_acknowledged_here and any(_holds_secrets(plan) for plan in plans):
            acknowledge(self, ack.SECRET_ROTATION)
        for plan in self._plans:
            if plan.acknowledgements:
                acknowledge(self.include.get_resource(plan.logical_id), plan.acknowledgements)
            _after_emit(stack, self, plan)

    @property
    def user_names(self) -> tuple[str, ...]:
        return tuple(plan.user_name for plan in self._plans)

    def resource_of(self, user_name: str) -> iam.CfnUser:
        """The ``AWS::IAM::User`` L1 of one of the users."""
        return cast(iam.CfnUser, self.include.get_resource(logical_id(user_name)))


def _depend_once(stack: cdk.Stack, on: cdk.Stack) -> None:
    if not any(d is on for d in stack.dependencies):
        stack.add_stack_dependency(on, "IAM users join groups declared in this stack")


__all__ = ["AccessKey", "IamConstructsError", "IamUser", "IamUsers", "UserPlan", "UserProps", "plan_user"]
