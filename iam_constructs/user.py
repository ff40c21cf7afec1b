"""IamUser: a person or a bot, with no credentials and no permissions until asked."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Mapping, Sequence, Union

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as sm
from constructs import Construct

from . import _acknowledge as ack
from . import credentials as cr
from ._acknowledge import acknowledge
from . import defaults, limits
from ._policy import managed_policy_arn
from ._registry import claim, declared_password_policy, path_of, record_console_password_length, stack_of
from ._tokens import is_unresolved
from ._validate import check_acknowledgements, check_name, check_path, check_tags, parse_date
from .errors import IamConstructsError, ProblemCollector, show
from .group import IamGroup
from .password_policy.spec import PasswordPolicy

GroupLike = Union[IamGroup, str]
# The reasons a caller gives for the two explicit escape hatches become acknowledgements of the
# pack's rules, so the audit trail in validation-report.json carries them.
CONSOLE_AND_KEYS_ACK = "IamConstructs::IamConstructs-ConsoleAndKeys"
NO_DIRECT_POLICIES_ACK = "IamConstructs::IamConstructs-NoDirectUserPolicies"


class IamUser(Construct):
    """An IAM user. Permissions come from groups; credentials only when switched on.

    :param user_name: 1-64 of ``[\\w+=,.@-]``, unique case-insensitively in the account.
    :param path: Default: ``/``.
    :param groups: ``IamGroup`` objects or group names (at most 10). Default: none.
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
    :param password_policy: the policy generated passwords must satisfy. Default: the
        ``AccountPasswordPolicy`` declared in the same app for the same account, else CIS defaults.
    :param credentials_key: a ``CredentialsKey`` or KMS key ARN for the credential secrets.
        Default: the AWS-managed ``aws/secretsmanager`` key.
    :param direct_managed_policies: escape hatch: managed policies attached to the user itself
        rather than through a group. Requires ``direct_policies_reason``. Default: none.
    :param direct_policies_reason: why ``direct_managed_policies`` cannot be a group. Default: None.
    :param acknowledgements: rule id (``Pack::Pack-Rule``, as the validation report prints it) to the
        reason it is accepted for this user. Default: none.
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
    ) -> None:
        where = f"{path_of(scope)}/{id}"
        p = ProblemCollector(where)
        check_name(p, "user_name", user_name, max_len=limits.USER_NAME_MAX, kind="user")
        check_path(p, "path", path)
        tag_map = dict(tags or {})
        check_tags(p, "tags", tag_map)
        expiry = parse_date(p, "expires", expires)
        if expiry is not None:
            if any(k.lower() == defaults.EXPIRY_TAG.lower() for k in tag_map):
                p.add("tags", f"give the expiry date once: 'expires' writes the {defaults.EXPIRY_TAG!r} tag")
            tag_map[defaults.EXPIRY_TAG] = expiry.isoformat()
            if len(tag_map) > limits.TAGS_PER_USER_MAX:
                p.add("tags", f"{len(tag_map)} tags with the {defaults.EXPIRY_TAG} tag; IAM allows at most "
                              f"{limits.TAGS_PER_USER_MAX}")
        if isinstance(required_tags, str):
            p.add("required_tags", f"{show(required_tags)} must be a list of tag keys, e.g. ['Owner']")
        else:
            present = {k.lower() for k, v in tag_map.items() if is_unresolved(v) or (isinstance(v, str) and v)}
            for key in required_tags:
                if key.lower() not in present:
                    p.add(f"tags.{key}", f"required tag {key!r} is missing or empty; add it, "
                                         "or pass required_tags=() to opt out")
        for flag, value in (("disabled", disabled),):
            if not isinstance(value, bool):
                p.add(flag, f"{show(value)} must be True or False")

        console = cr.ConsoleAccess() if console_access is True else (console_access or None)
        if console is not None and not isinstance(console, cr.ConsoleAccess):
            p.add("console_access", f"{show(console_access)} must be True, False or a ConsoleAccess")
            console = None
        slots = cr.normalise_slots(p, "programmatic_access", programmatic_access)
        if console is not None and slots and not (isinstance(console_and_keys_reason, str)
                                                  and console_and_keys_reason.strip()):
            p.add("console_access", "a user with both console access and access keys is refused: people sign "
                                    "in, bots use keys. Split into two users, or pass console_and_keys_reason="
                                    "'<why>' to allow it for this user")

        stack = stack_of(scope)
        policy = password_policy or declared_password_policy(stack) or PasswordPolicy()
        if console is not None:
            cr.check_console(p, "console_access", console, policy)
            if isinstance(console.initial_password, cdk.SecretValue):
                cr.check_initial_password_secret_value(p, "console_access", scope, console.initial_password)

        group_names = [g.group_name if isinstance(g, IamGroup) else g for g in groups]
        for i, g in enumerate(groups):
            if not isinstance(g, IamGroup):
                check_name(p, f"groups[{i}]", g, max_len=limits.GROUP_NAME_MAX, kind="group")
        self._check_group_count(p, group_names)

        direct = [managed_policy_arn(p, f"direct_managed_policies[{i}]", v)
                  for i, v in enumerate(direct_managed_policies)]
        if direct and not (isinstance(direct_policies_reason, str) and direct_policies_reason.strip()):
            p.add("direct_managed_policies", "policies attached straight to a user are refused: put them on a "
                                             "group, or pass direct_policies_reason='<why>' to use this escape hatch")
        if len(direct) > limits.MANAGED_POLICIES_PER_USER_MAX:
            p.add("direct_managed_policies", f"{len(direct)} policies; IAM allows at most "
                                             f"{limits.MANAGED_POLICIES_PER_USER_MAX} per user even with a quota increase")
        boundary = permissions_boundary
        if boundary is not None and not hasattr(boundary, "managed_policy_arn"):
            boundary = managed_policy_arn(p, "permissions_boundary", boundary)
        elif boundary is not None:
            boundary = boundary.managed_policy_arn

        check_acknowledgements(p, "acknowledgements", acknowledgements)
        if not p and not is_unresolved(user_name):
            holder = claim(stack, "user", user_name, where)
            if holder is not None:
                p.add("user_name", f"{show(user_name)} is already used by {holder} "
                                   "(IAM user names are unique case-insensitively); rename one")
        p.raise_if_any()

        # --- everything valid: build ------------------------------------------------------------
        super().__init__(scope, id)
        self.user_name: str = user_name
        """The user's name (known at synth)."""
        self.stack: cdk.Stack = stack
        self.tags: dict[str, str] = tag_map
        """Tags as written (with ``Expiry`` when ``expires`` is set)."""
        self.expires: _dt.date | None = expiry
        self.disabled: bool = disabled
        self.password_policy: PasswordPolicy = policy
        self.console_access: cr.ConsoleAccess | None = console
        self.console_password_secret: sm.CfnSecret | None = None
        """The secret holding the generated password, when ``console_access`` generates one."""
        self.initial_password_parameter: cdk.CfnParameter | None = None
        """The NoEcho parameter, when ``console_access`` uses ``initial_password="parameter"``."""
        self._where = where
        self._group_names: list[str] = []
        self._group_refs: list[str] = []
        for g in groups:
            self._remember_group(g)
        if expiry is not None and expiry < _dt.date.today():
            cdk.Annotations.of(self).add_warning_v2(
                "iam-constructs:userExpired",
                f"expires: {expiry.isoformat()} is in the past; disable or remove user {user_name}")

        login_profile = None
        if console is not None:
            password, self.console_password_secret, self.initial_password_parameter = cr.build_console_password(
                self, user_name=user_name, console=console, policy=policy, tags=tag_map, key=credentials_key)
            if self.console_password_secret is not None:
                record_console_password_length(stack, where, cr.generated_password_length(console, policy))
            if not disabled:
                login_profile = iam.CfnUser.LoginProfileProperty(
                    password=password, password_reset_required=console.password_reset_required)
        if len(direct) > limits.MANAGED_POLICIES_PER_USER_DEFAULT:
            cdk.Annotations.of(self).add_warning_v2(
                "iam-constructs:userManagedPoliciesOverDefaultQuota",
                f"direct_managed_policies: {len(direct)} policies exceed IAM's default quota of "
                f"{limits.MANAGED_POLICIES_PER_USER_DEFAULT} per user; the deployment fails unless the quota was raised")

        self.resource = iam.CfnUser(
            self, "Resource", user_name=user_name, path=path, tags=cr._tags(tag_map) or None,
            permissions_boundary=boundary, login_profile=login_profile, groups=list(self._group_refs) or None,
            managed_policy_arns=[a for a in direct if a] or None)
        """The ``AWS::IAM::User`` L1."""
        if login_profile is not None and self.console_password_secret is None and \
                cr.is_parameter_reference(self.stack, login_profile.password):
            # cfn-lint W1011 prefers dynamic references to parameters for secrets. A NoEcho
            # parameter is the deployer's explicit choice here (AWS's documented alternative for
            # passwords handed out of band): the value is typed at deploy time and never stored.
            self.resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W1011"]}})
        self.access_keys: list[tuple[iam.CfnAccessKey, sm.CfnSecret]] = cr.build_access_keys(
            self, user_name=user_name, user_ref=self.resource.ref, slots=slots, disabled=disabled,
            tags=tag_map, key=credentials_key)
        """(``AWS::IAM::AccessKey``, its ``AWS::SecretsManager::Secret``) per slot, in slot order."""
        reasons: dict[str, str] = {}
        if self.console_password_secret is not None or self.access_keys:
            reasons.update(ack.SECRET_ROTATION)
        if console is not None and slots:
            reasons[CONSOLE_AND_KEYS_ACK] = console_and_keys_reason
        if direct:
            reasons[NO_DIRECT_POLICIES_ACK] = direct_policies_reason
            reasons["NIST.800.53.R5::NIST.800.53.R5-IAMUserNoPolicies"] = direct_policies_reason
            for name in direct_managed_policies:
                if isinstance(name, str) and not name.startswith("arn:") and not is_unresolved(name):
                    reasons[f"AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]"] = \
                        direct_policies_reason
        reasons.update(acknowledgements or {})
        acknowledge(self, reasons)

    @staticmethod
    def _check_group_count(p: ProblemCollector, names: Sequence[str]) -> None:
        lowered = [n.lower() for n in names if isinstance(n, str)]
        for n in sorted({n for n in lowered if lowered.count(n) > 1}):
            p.add("groups", f"group {n!r} is listed twice; list each group once")
        if len(names) > limits.GROUPS_PER_USER_MAX:
            p.add("groups", f"{len(names)} groups; IAM allows a user in at most {limits.GROUPS_PER_USER_MAX}: "
                            "merge groups")

    @property
    def group_names(self) -> tuple[str, ...]:
        """Names of the groups the user is in."""
        return tuple(self._group_names)

    @property
    def has_console_access(self) -> bool:
        return self.console_access is not None and not self.disabled

    def add_to_group(self, group: GroupLike) -> None:
        """Puts the user in ``group`` (an ``IamGroup`` or a group name).

        A group in the same stack is referenced with ``Ref`` (CloudFormation creates it first); a
        group in another stack by name, with a stack dependency so it is deployed first.
        """
        name = group.group_name if isinstance(group, IamGroup) else group
        p = ProblemCollector(self._where)
        if not isinstance(group, IamGroup):
            check_name(p, "groups", group, max_len=limits.GROUP_NAME_MAX, kind="group")
        p.raise_if_any()
        if name.lower() in (n.lower() for n in self._group_names):
            return  # already a member
        self._check_group_count(p, self._group_names + [name])
        p.raise_if_any()
        self._remember_group(group)
        self.resource.groups = list(self._group_refs)

    def _remember_group(self, group: GroupLike) -> None:
        name = group.group_name if isinstance(group, IamGroup) else group
        if name.lower() in (n.lower() for n in self._group_names):
            return
        self._group_names.append(name)
        if isinstance(group, IamGroup) and group.stack is self.stack:
            self._group_refs.append(group.resource.ref)
        else:
            if isinstance(group, IamGroup):
                _depend_once(self.stack, group.stack)
            self._group_refs.append(name)


def _depend_once(stack: cdk.Stack, on: cdk.Stack) -> None:
    seen: set = stack.__dict__.setdefault("_iam_constructs_deps", set())
    if id(on) not in seen:
        seen.add(id(on))
        stack.add_stack_dependency(on, "IAM users join groups declared in this stack")


__all__ = ["IamUser", "IamConstructsError"]
