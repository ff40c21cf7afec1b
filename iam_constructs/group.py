"""IamGroup: a group, its AWS-managed policies, one least-privilege policy, MFA enforcement.

``IamGroup`` is an ``aws_iam.IGroup``: the CDK's ``grant_*`` methods, ``iam.Grant`` and
``iam.ManagedPolicy(groups=...)`` reach it. Whatever is granted lands in the group's own
customer-managed policies, never in an inline policy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, Union

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk.interfaces import aws_iam as iam_refs
from constructs import Construct, IValidation

from . import limits
from ._principal import PrincipalMembers
from ._policy import document, managed_policy_arn, statement
from ._registry import child_path, claim, claimed_count, holder_of, stack_of
from ._tokens import account_id, is_unresolved, partition
from ._acknowledge import acknowledge
from ._validate import check_acknowledgements, check_name, check_path, check_policy_name, check_policy_size
from .errors import IamConstructsError, Problem, ProblemCollector, check_scope_and_id, show
from .mfa import MfaEnforcementPolicy, SelfServiceCredentialsPolicy

if TYPE_CHECKING:
    from .user import IamUser

StatementLike = Union[Mapping[str, Any], iam.PolicyStatement]

# What the CDK itself assumes for an ARN it cannot see yet when it sizes a policy (the context key
# "@aws-cdk/aws-iam.arnSizeEstimate" overrides it there and here).
ARN_SIZE_ESTIMATE = 150
ARN_SIZE_ESTIMATE_CONTEXT = "@aws-cdk/aws-iam.arnSizeEstimate"
_TOKEN = re.compile(r"[$#]\{Token\[[^\]]*\]\}")


def estimated_size(value: Any, token_size: int = ARN_SIZE_ESTIMATE) -> int:
    """Characters IAM would count for ``value`` as JSON (whitespace not counted), with the partition
    and account at their longest and every other token at ``token_size``."""
    text = json.dumps(value, separators=(",", ":"))
    text = text.replace(partition(), "aws-iso-b").replace(account_id(), "0" * 12)
    return len(_TOKEN.sub("x" * token_size, text))


@jsii.implements(cdk.IResolvable)
class _Document:
    """(An ``IResolvable``: ``Lazy.any`` would hand a Python producer an undefined context, which jsii
    refuses to pass.) One of the group's customer-managed policy documents: the ``statements`` given (plain data)
    and the statements granted later, read at synth so a grant's later changes are kept."""

    def __init__(self, plain: Sequence[Mapping[str, Any]], size: int) -> None:
        self.plain = list(plain)
        self.granted: list[iam.PolicyStatement] = []
        self.size = size

    @property
    def creation_stack(self) -> list[str]:
        return []

    def to_string(self) -> str:
        return "<IamGroup policy document>"

    def resolve(self, context: cdk.IResolveContext) -> Any:
        out, seen = list(self.plain), set()
        for s in self.granted:
            body = dict(s.to_statement_json())
            key = json.dumps(body, sort_keys=True)
            if key not in seen:
                seen.add(key)
                out.append(body)
        return document(out)


class GrantPolicies:
    """The customer-managed policies that grants land in, for one group (or one user through its
    escape hatch): first fit by estimated size, a new policy when none has room, as long as
    ``room()`` allows one more; statements past that are counted in ``overflow``."""

    def __init__(self, owner: Construct, where: str, *, description: str, policy_name: str | None,
                 room: Callable[[], int]) -> None:
        self.owner, self.where, self.description, self.policy_name, self.room = \
            owner, where, description, policy_name, room
        self.documents: list[_Document] = []
        self.policies: list[iam.CfnManagedPolicy] = []
        self.overflow = 0
        self._token_size: int | None = None

    def add_policy(self, plain: Sequence[Mapping[str, Any]] = ()) -> iam.CfnManagedPolicy:
        number = len(self.policies) + 1
        doc = _Document(plain, estimated_size(document(list(plain)), self.token_size()))
        name = self.policy_name if number == 1 or self.policy_name is None else f"{self.policy_name}-{number}"
        policy = iam.CfnManagedPolicy(
            self.owner, "Policy" if number == 1 else f"Policy{number}", policy_document=doc,
            managed_policy_name=name, description=self.description + ("" if number == 1 else f" (part {number})"))
        self.documents.append(doc)
        self.policies.append(policy)
        return policy

    def place(self, statement: iam.PolicyStatement, field: str) -> bool:
        """Adds ``statement``; True when a new policy had to be made for it."""
        errors = list(statement.validate_for_identity_policy())
        if errors:
            raise IamConstructsError(Problem(self.where, field, str(e)) for e in errors)
        if any(s is statement for d in self.documents for s in d.granted):
            return False
        size = estimated_size(dict(statement.to_statement_json()), self.token_size()) + 1  # and its comma
        for doc in self.documents:
            if doc.size + size <= limits.MANAGED_POLICY_DOCUMENT_MAX:
                doc.granted.append(statement)
                doc.size += size
                return False
        empty = estimated_size(document([]))
        if empty + size > limits.MANAGED_POLICY_DOCUMENT_MAX:
            raise IamConstructsError([Problem(self.where, field, (
                f"a statement of about {size} characters (unresolved ARNs counted at {self.token_size()}) does "
                f"not fit one managed policy ({limits.MANAGED_POLICY_DOCUMENT_MAX} at most); split it"))])
        if self.room() <= 0:
            self.overflow += 1
            return False
        self.add_policy()
        self.documents[-1].granted.append(statement)
        self.documents[-1].size += size
        return True

    def token_size(self) -> int:
        if self._token_size is None:
            value = self.owner.node.try_get_context(ARN_SIZE_ESTIMATE_CONTEXT)
            self._token_size = value if isinstance(value, int) and value > 0 else ARN_SIZE_ESTIMATE
        return self._token_size


@jsii.implements(IValidation)
class _PolicyCountValidation:
    def __init__(self, group: "IamGroup") -> None:
        self._group = group

    def validate(self) -> list[str]:
        return self._group._policy_count_errors()


@dataclass(frozen=True)
class GroupPlan:
    """One group's props, checked: the policy ARNs and the ``statements`` document."""

    where: str
    group_name: str
    managed_policy_arns: tuple[str, ...]
    document: dict[str, Any] | None


def plan_group(where: str, *, group_name: str, path: str = "/", managed_policies: Sequence[str] = (),
               statements: Sequence[StatementLike] = (), enforce_mfa: Union[bool, MfaEnforcementPolicy] = False,
               members: Sequence[Any] = (), policy_name: str | None = None,
               acknowledgements: Mapping[str, str] | None = None) -> tuple[GroupPlan | None, list[Problem]]:
    """Checks ``IamGroup``'s props without building anything: (plan, []) or (None, every problem).
    The roster checks its groups with it."""
    p = ProblemCollector(where)
    check_name(p, "group_name", group_name, max_len=limits.GROUP_NAME_MAX, kind="group")
    check_path(p, "path", path)
    managed_policies = _list_prop(p, "managed_policies", managed_policies, "managed-policy names or ARNs")
    statements = _list_prop(p, "statements", statements, "statements")
    members = _list_prop(p, "members", members, "users")
    arns = [managed_policy_arn(p, f"managed_policies[{i}]", v) for i, v in enumerate(managed_policies)]
    # The same policy by name and by ARN counts once: IAM would attach it once.
    listed = [_AWS_MANAGED_ARN.sub("", m).lower() for m in managed_policies
              if isinstance(m, str) and not is_unresolved(m)]
    for twice in sorted({m for m in listed if listed.count(m) > 1}):
        p.add("managed_policies", f"{show(list(managed_policies))} lists a policy twice ({twice}); list each once")
    before = len(p.problems)
    stmts = [statement(p, f"statements[{i}]", s) for i, s in enumerate(statements)]
    doc = document([s for s in stmts if s is not None]) if statements else None
    if doc is not None and len(p.problems) == before:  # sized only once every statement is sound
        check_policy_size(p, "statements", doc)
    if not isinstance(enforce_mfa, (bool, MfaEnforcementPolicy)):
        p.add("enforce_mfa", f"{show(enforce_mfa)} must be True, False or an MfaEnforcementPolicy")
        enforce_mfa = False
    attached = len(arns) + (1 if statements else 0) + (2 if enforce_mfa else 0)
    if attached > limits.MANAGED_POLICIES_PER_GROUP_MAX:
        p.add("managed_policies", f"{attached} managed policies would be attached ({len(arns)} listed"
              f"{', +1 for statements' if statements else ''}{', +2 for enforce_mfa' if enforce_mfa else ''}); "
              f"IAM allows at most {limits.MANAGED_POLICIES_PER_GROUP_MAX} per group: merge statements or "
              "split the group")
    if policy_name is not None:  # "-N" is appended for the group's further policies: room left for it
        check_policy_name(p, "policy_name", policy_name, max_len=limits.MANAGED_POLICY_NAME_MAX - 3)
    check_acknowledgements(p, "acknowledgements", acknowledgements)
    for i, m in enumerate(members):
        if not hasattr(m, "add_to_group"):
            p.add(f"members[{i}]", f"{show(m)} is not a user; give an IamUser or an aws_iam.IUser")
    if p:
        return None, p.problems
    # Without problems, every name became an ARN (managed_policy_arn gives None only with a problem).
    return GroupPlan(where=where, group_name=group_name, managed_policy_arns=tuple(a for a in arns if a is not None),
                     document=doc), []


def _list_prop(p: ProblemCollector, field: str, value: Any, what: str) -> list:
    """A list prop: a string (or anything not a list) where a list belongs is a problem, never letters."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        p.add(field, f"{show(value)} must be a list of {what}")
        return []
    return list(value)


_AWS_MANAGED_ARN = re.compile(r"^arn:[\w-]+:iam::aws:policy/")


def _ordinal(n: int) -> str:
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@jsii.implements(iam.IGroup)
class IamGroup(PrincipalMembers, cdk.Resource):
    """An IAM group: the only way this library grants permissions to people and bots.

    It is an ``aws_iam.IGroup``: ``bucket.grant_read(group)``, ``iam.Grant.add_to_principal(grantee=group,
    ...)`` and ``group.add_to_principal_policy(statement)`` put the statement in the group's own
    customer-managed policy (the one ``statements`` makes, then ``Policy2``, ``Policy3``... when IAM's
    6,144-character limit for a managed policy would be passed). IAM attaches at most 10 managed
    policies to a group; a synth that needs more fails, naming the group.

    :param group_name: the group's name (1-128 of ``[\\w+=,.@-]``, unique case-insensitively).
    :param path: the group's path. Default: ``/``.
    :param managed_policies: AWS-managed policy names (``ReadOnlyAccess``, ``job-function/ViewOnlyAccess``)
        or full policy ARNs; names become partition-aware ARNs. Default: none.
    :param statements: least-privilege statements (``{actions, resources, effect, conditions, sid}``
        or ``aws_iam.PolicyStatement``) that become one customer-managed policy for this group.
        Default: no customer-managed policy until something is granted to the group.
    :param enforce_mfa: attach the MFA-enforcement deny and the self-service credentials policy
        (one shared instance per stack, or the ``MfaEnforcementPolicy`` given). Default: False.
    :param members: users to put in the group: ``IamUser`` or any ``aws_iam.IUser`` (same as
        ``add_user``). Default: none.
    :param policy_name: name of the customer-managed policy (further ones get ``-2``, ``-3``...).
        Default: CloudFormation generates one.
    :param acknowledgements: rule id (``Pack::Pack-Rule``, as the validation report prints it) to the
        reason it is accepted for this group. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        group_name: str,
        path: str = "/",
        managed_policies: Sequence[str] = (),
        statements: Sequence[StatementLike] = (),
        enforce_mfa: Union[bool, MfaEnforcementPolicy] = False,
        members: Sequence[Union["IamUser", iam.IUser]] = (),
        policy_name: str | None = None,
        acknowledgements: Mapping[str, str] | None = None,
    ) -> None:
        check_scope_and_id(scope, id)
        where = child_path(scope, id)
        plan, problems = plan_group(where, group_name=group_name, path=path, managed_policies=managed_policies,
                                    statements=statements, enforce_mfa=enforce_mfa, members=members,
                                    policy_name=policy_name, acknowledgements=acknowledgements)
        p = ProblemCollector(where)
        p.extend(problems)
        stack = stack_of(scope)
        declared = 0  # groups declared in this app for this account, this one included
        if not p and not is_unresolved(group_name):
            declared = claimed_count(stack, "group") + 1
            holder = holder_of(stack, "group", group_name)
            if holder is not None:
                p.add("group_name", f"{show(group_name)} is already used by {holder} "
                                    "(IAM group names are unique case-insensitively); rename one")
            elif declared > limits.GROUPS_PER_ACCOUNT_MAX:
                p.add("group_name", f"{show(group_name)} would be the {_ordinal(declared)} IAM group declared in "
                                    f"this app for this account; IAM allows at most {limits.GROUPS_PER_ACCOUNT_MAX} "
                                    "per account even with a quota increase: merge groups")
            else:
                claim(stack, "group", group_name, where)
        p.raise_if_any()
        if plan is None:  # plan_group gives a plan whenever it gives no problem
            raise IamConstructsError(problems)
        arns, doc = plan.managed_policy_arns, plan.document

        # A physical name lets the CDK build the group's ARN for a stack in another environment.
        super().__init__(scope, id, physical_name=None if is_unresolved(group_name) else group_name)
        self._stack = stack
        self._arn: str | None = None  # one token for the construct's life, as an L2's ARN attribute
        self._where = where
        self._group_name = group_name
        self._path = path
        self._policy_name = policy_name
        self._grants = GrantPolicies(
            self, where, description=f"Least-privilege permissions of IAM group {group_name}", policy_name=policy_name,
            room=lambda: limits.MANAGED_POLICIES_PER_GROUP_MAX - len(self._all_arns()))
        policy_arns = list(arns)
        self.policy: iam.CfnManagedPolicy | None = None
        """The customer-managed policy built from ``statements`` (or made by the first grant), if any."""
        self.policy_document: dict[str, Any] | None = doc
        """The ``statements`` policy's document as plain data (grants added later are not in it)."""
        if doc is not None:
            self.policy = self._grants.add_policy(doc["Statement"])
        self.mfa_policy: MfaEnforcementPolicy | None = None
        """The MFA-enforcement policy attached, if ``enforce_mfa``."""
        self._listed_arns = policy_arns
        self._added_arns: list[str] = []  # from add_managed_policy
        self._mfa_arns: list[str] = []
        if enforce_mfa:
            self.mfa_policy = (enforce_mfa if isinstance(enforce_mfa, MfaEnforcementPolicy)
                               else MfaEnforcementPolicy.of_stack(self))
            self._mfa_arns = [self.mfa_policy.managed_policy_arn,
                              SelfServiceCredentialsPolicy.of_stack(self).managed_policy_arn]
        self.resource = iam.CfnGroup(self, "Resource", group_name=group_name, path=path,
                                     managed_policy_arns=self._all_arns() or None)
        """The ``AWS::IAM::Group`` L1."""
        self.node.add_validation(_PolicyCountValidation(self))
        for user in members or ():
            self.add_user(user)
        acknowledge(self, dict(acknowledgements or {}))
        if declared == limits.GROUPS_PER_ACCOUNT_DEFAULT + 1:
            cdk.Annotations.of(self).add_warning_v2(
                "iam-constructs:groupsOverDefaultQuota",
                f"group_name: {show(group_name)} is the {_ordinal(declared)} IAM group declared in this app for this "
                f"account; IAM's default quota is {limits.GROUPS_PER_ACCOUNT_DEFAULT} groups per account (at most "
                f"{limits.GROUPS_PER_ACCOUNT_MAX} with an increase): the deployment fails unless the quota was raised")

    # -- what was made ---------------------------------------------------------------------------
    @property
    def group_name(self) -> str:
        """The group's name (known at synth)."""
        return self._group_name

    @property
    def path(self) -> str:
        return self._path

    @property
    def stack(self) -> cdk.Stack:
        """The stack holding the group."""
        return self._stack

    @property
    def enforces_mfa(self) -> bool:
        """True when the MFA-enforcement deny is attached."""
        return self.mfa_policy is not None

    @property
    def managed_policy_arns(self) -> tuple[str, ...]:
        """Every policy ARN attached to the group (tokens for the ones made here)."""
        return tuple(self._all_arns())

    def _all_arns(self) -> list[str]:
        # Order kept from before grants existed: listed, own policy, MFA pair, then later additions.
        own = [pol.ref for pol in self._grants.policies]
        return self._listed_arns + own[:1] + self._mfa_arns + own[1:] + self._added_arns

    # -- aws_iam.IGroup ----------------------------------------------------------------------------
    @property
    def group_arn(self) -> str:
        """The group's ARN (path included): ``GetAtt Arn`` in its own environment, the ARN built from
        partition, account, path and name elsewhere."""
        if self._arn is None:
            self._arn = self._get_resource_arn_attribute(
                self.resource.attr_arn, service="iam", region="", resource="group",
                resource_name=self._path[1:] + self._group_name)
        return self._arn

    @property
    def group_ref(self) -> iam_refs.GroupReference:
        """The group's name as a ``Ref`` (so what uses it depends on the group) and its ARN."""
        return iam_refs.GroupReference(group_name=self.resource.ref, group_arn=self.group_arn)

    @property
    def _principal_arn(self) -> str:
        return self.group_arn

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        """Adds ``statement`` to the group's customer-managed policies (first that has room; a new
        one when none has). What every ``grant_*`` on a CDK resource calls."""
        if self._grants.place(statement, "add_to_principal_policy"):
            if self.policy is None:
                self.policy = self._grants.policies[0]
            self.resource.managed_policy_arns = self._all_arns()
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self)

    def add_managed_policy(self, policy: iam.IManagedPolicy) -> None:
        """Attaches a managed policy (``iam.ManagedPolicy``, ``iam.ManagedPolicy.from_aws_managed_policy_name``...)."""
        arn = policy.managed_policy_arn
        if arn in self._all_arns():
            return
        self._added_arns.append(arn)
        self.resource.managed_policy_arns = self._all_arns()

    def attach_inline_policy(self, policy: iam.Policy) -> None:
        """Refused: this library keeps a group's permissions in customer-managed policies."""
        raise IamConstructsError([Problem(self._where, "attach_inline_policy", (
            f"inline policies are refused on IAM group {self._group_name!r}; grant with group.add_to_principal_policy"
            "(statement) or a resource's grant_* method (customer-managed), or attach an iam.ManagedPolicy "
            "(iam.ManagedPolicy(scope, id, groups=[group], ...))"))])

    def add_user(self, user: Union["IamUser", iam.IUser]) -> None:
        """Puts ``user`` in the group: an ``IamUser`` or any ``aws_iam.IUser`` (``iam.User``,
        ``iam.User.from_user_name``)."""
        user.add_to_group(self)
        if not hasattr(user, "_plan") and hasattr(user, "node"):
            user.node.add_dependency(self.resource)  # iam.User lists the group by name: create it first

    # -- internals ---------------------------------------------------------------------------------
    @property
    def policies(self) -> list[iam.CfnManagedPolicy]:
        """Every customer-managed policy of this group, ``policy`` first."""
        return list(self._grants.policies)

    def _policy_count_errors(self) -> list[str]:
        if not self._grants.overflow:
            return []
        return [f"{self._where}: add_to_principal_policy: the grants to IAM group {self._group_name!r} need more "
                f"managed policies than IAM allows ({limits.MANAGED_POLICIES_PER_GROUP_MAX} per group, "
                f"{len(self._all_arns())} attached, {self._grants.overflow} statement(s) left out): grant to fewer "
                "resources (wildcards in ARNs), drop listed managed_policies, or split the group"]


__all__ = ["GroupPlan", "IamGroup", "plan_group"]
