"""IamGroup: a group, its AWS-managed policies, one least-privilege policy, MFA enforcement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence, Union

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from . import limits
from ._policy import document, managed_policy_arn, statement
from ._registry import claim, path_of, stack_of
from ._tokens import is_unresolved
from ._acknowledge import acknowledge
from ._validate import check_acknowledgements, check_name, check_path, check_policy_size
from .errors import ProblemCollector, show
from .mfa import MfaEnforcementPolicy, SelfServiceCredentialsPolicy

if TYPE_CHECKING:
    from .user import IamUser

StatementLike = Union[Mapping[str, Any], iam.PolicyStatement]


class IamGroup(Construct):
    """An IAM group: the only way this library grants permissions to people and bots.

    :param group_name: the group's name (1-128 of ``[\\w+=,.@-]``, unique case-insensitively).
    :param path: the group's path. Default: ``/``.
    :param managed_policies: AWS-managed policy names (``ReadOnlyAccess``, ``job-function/ViewOnlyAccess``)
        or full policy ARNs; names become partition-aware ARNs. Default: none.
    :param statements: least-privilege statements (``{actions, resources, effect, conditions, sid}``
        or ``aws_iam.PolicyStatement``) that become one customer-managed policy for this group.
        Default: no customer-managed policy.
    :param enforce_mfa: attach the MFA-enforcement deny and the self-service credentials policy
        (one shared instance per stack, or the ``MfaEnforcementPolicy`` given). Default: False.
    :param members: users to put in the group (same as listing the group on each user).
        Default: none.
    :param policy_name: name of the customer-managed policy. Default: CloudFormation generates one.
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
        members: Sequence["IamUser"] = (),
        policy_name: str | None = None,
        acknowledgements: Mapping[str, str] | None = None,
    ) -> None:
        where = f"{path_of(scope)}/{id}"
        p = ProblemCollector(where)
        check_name(p, "group_name", group_name, max_len=limits.GROUP_NAME_MAX, kind="group")
        check_path(p, "path", path)
        arns = [managed_policy_arn(p, f"managed_policies[{i}]", v) for i, v in enumerate(managed_policies)]
        listed = [m for m in managed_policies if isinstance(m, str) and not is_unresolved(m)]
        if len(set(listed)) != len(listed):
            p.add("managed_policies", f"{show(list(managed_policies))} lists a policy twice; list each once")
        stmts = [statement(p, f"statements[{i}]", s) for i, s in enumerate(statements)]
        doc = document([s for s in stmts if s is not None]) if statements else None
        if doc is not None:
            check_policy_size(p, "statements", doc)
        attached = len(arns) + (1 if statements else 0) + (2 if enforce_mfa else 0)
        if attached > limits.MANAGED_POLICIES_PER_GROUP_MAX:
            p.add("managed_policies", f"{attached} managed policies would be attached ({len(arns)} listed"
                  f"{', +1 for statements' if statements else ''}{', +2 for enforce_mfa' if enforce_mfa else ''}); "
                  f"IAM allows at most {limits.MANAGED_POLICIES_PER_GROUP_MAX} per group: merge statements or "
                  "split the group")
        check_acknowledgements(p, "acknowledgements", acknowledgements)
        stack = stack_of(scope)
        if not p and not is_unresolved(group_name):
            holder = claim(stack, "group", group_name, where)
            if holder is not None:
                p.add("group_name", f"{show(group_name)} is already used by {holder} "
                                    "(IAM group names are unique case-insensitively); rename one")
        p.raise_if_any()

        super().__init__(scope, id)
        self.group_name: str = group_name
        """The group's name (known at synth)."""
        self.stack: cdk.Stack = stack
        """The stack holding the group."""
        policy_arns = [a for a in arns if a]
        self.policy: iam.CfnManagedPolicy | None = None
        """The customer-managed policy built from ``statements``, if any."""
        self.policy_document: dict[str, Any] | None = doc
        """That policy's document as plain data."""
        if doc is not None:
            self.policy = iam.CfnManagedPolicy(
                self, "Policy", policy_document=doc, managed_policy_name=policy_name,
                description=f"Least-privilege permissions of IAM group {group_name}")
            policy_arns.append(self.policy.ref)
        self.mfa_policy: MfaEnforcementPolicy | None = None
        """The MFA-enforcement policy attached, if ``enforce_mfa``."""
        if enforce_mfa:
            self.mfa_policy = (enforce_mfa if isinstance(enforce_mfa, MfaEnforcementPolicy)
                               else MfaEnforcementPolicy.of_stack(self))
            policy_arns.append(self.mfa_policy.managed_policy_arn)
            policy_arns.append(SelfServiceCredentialsPolicy.of_stack(self).managed_policy_arn)
        self.managed_policy_arns: tuple[str, ...] = tuple(policy_arns)
        """Every policy ARN attached to the group (tokens for the ones made here)."""
        self.resource = iam.CfnGroup(self, "Resource", group_name=group_name, path=path,
                                     managed_policy_arns=policy_arns or None)
        """The ``AWS::IAM::Group`` L1."""
        for user in members:
            user.add_to_group(self)
        acknowledge(self, dict(acknowledgements or {}))

    @property
    def enforces_mfa(self) -> bool:
        """True when the MFA-enforcement deny is attached."""
        return self.mfa_policy is not None
