"""MFA-enforcement and self-service credential policies (customer-managed, partition-aware)."""

from __future__ import annotations

from typing import Any, Sequence

from aws_cdk import aws_iam as iam
from constructs import Construct

from . import defaults
from ._acknowledge import UNSCOPABLE_IAM_READS, acknowledge
from ._policy import document
from ._registry import child_path, stack_singleton
from ._tokens import account_id, partition
from ._validate import check_path, check_policy_name
from .errors import Problem, ProblemCollector, check_scope_and_id, show
from .limits import MANAGED_POLICY_NAME_MAX



def _own_user_arns() -> list[str]:
    """The signed-in user's own ARN, at the root path and under any path.

    A user's ARN carries its path (``user/developers/jane.smith``), so ``user/${aws:username}``
    alone (the IAM user guide's example) matches only users at ``/`` and locks every other user
    out of their first password change and their MFA enrolment. ``user/*/${aws:username}`` matches
    ``jane.smith`` under any path, and nobody else: ``*`` can only stand for the path, because a
    user name cannot hold ``/`` and names are unique in the account.
    """
    base = f"arn:{partition()}:iam::{account_id()}:user/"
    return [base + "${aws:username}", base + "*/${aws:username}"]


def _any_mfa_device_arn() -> str:
    return f"arn:{partition()}:iam::{account_id()}:mfa/*"


def mfa_enforcement_document(*, allow_first_sign_in_password_change: bool = True) -> dict[str, Any]:
    """The IAM user guide's BlockMostAccessUnlessSignedInWithMFA deny, plus one statement that keeps
    the exempted user-scoped actions on the signed-in user alone until MFA.

    ``BoolIfExists`` rather than ``Bool``: requests signed with long-term access keys carry no
    ``aws:MultiFactorAuthPresent`` key at all, and a plain ``Bool`` would let them through.

    The guide's deny exempts ``iam:EnableMFADevice``, ``iam:GetUser`` and the other enrolment actions
    on every resource, so a group that grants IAM rights (``ReadOnlyAccess``, ``IAMFullAccess``)
    would let a password alone read other users or attach a device to them.
    ``DenyOtherUsersCredentialsUnlessSignedInWithMFA`` denies those actions on any user but the
    signed-in one (at any path) until the session has MFA.
    """
    except_actions = list(defaults.MFA_DENY_EXCEPT_ACTIONS) + list(defaults.MFA_DENY_EXCEPT_ACTIONS_CURRENT)
    if allow_first_sign_in_password_change:
        except_actions += list(defaults.MFA_DENY_EXCEPT_FIRST_SIGN_IN)
    no_mfa = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    user_scoped = [a for a in except_actions if a in defaults.MFA_DENY_EXCEPT_OWN_USER_ONLY]
    return document([
        {"Sid": "BlockMostAccessUnlessSignedInWithMFA", "Effect": "Deny", "NotAction": except_actions,
         "Resource": "*", "Condition": no_mfa},
        {"Sid": "DenyOtherUsersCredentialsUnlessSignedInWithMFA", "Effect": "Deny", "Action": user_scoped,
         "NotResource": _own_user_arns(), "Condition": no_mfa},
    ])


SELF_SERVICE_BEFORE_MFA: tuple[str, ...] = (
    "iam:GetAccountPasswordPolicy", "iam:ChangePassword", "iam:GetUser", "iam:ListVirtualMFADevices",
    "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "iam:GetMFADevice",
    "iam:ResyncMFADevice",
)
"""What a console user may do to their own credentials before signing in with MFA (the MFA deny
leaves these out when ``allow_first_sign_in_password_change`` is on, its default)."""
SELF_SERVICE_WITH_MFA: tuple[str, ...] = ("iam:GetLoginProfile", "iam:DeactivateMFADevice",
                                          "iam:DeleteVirtualMFADevice")
"""What a console user may additionally do to their own credentials once signed in with MFA."""


def self_service_document() -> dict[str, Any]:
    """Each user may read the password policy, change their own password, and enrol, read,
    resynchronise, deactivate and delete their own MFA devices; nothing about anyone else.

    Scoping:
    - Every action that takes a user ARN is scoped to the signed-in user at any path
      (``user/${aws:username}`` and ``user/*/${aws:username}``, see ``_own_user_arns``).
    - ``iam:CreateVirtualMFADevice`` names the new device, not the user, and people name their
      devices (the console asks for a name; a user may have up to 8): ``mfa/*``, as in the IAM user
      guide's current reference policy. A device is nobody's until ``EnableMFADevice``, which is
      scoped to the user's own ARN.
    - ``iam:DeleteVirtualMFADevice`` also names only the device (``mfa/*``) and needs MFA. IAM
      refuses to delete a device that is still assigned to a user (``DeleteConflict``), and only its
      own user may deactivate it (``DeactivateMFADevice`` is scoped to the own ARN and needs MFA),
      so nobody can delete another user's device in use; what is left to delete are unassigned
      devices, which sign nobody in. Deleting one's own deactivated device is what lets a person
      re-enrol after replacing a phone.
    - ``iam:GetAccountPasswordPolicy`` and ``iam:ListVirtualMFADevices`` have no resource type:
      ``*`` is their only Resource.
    Creating access keys is deliberately not self-service (keys are declared in code, never made by
    hand), and neither is anything about login profiles but reading one's own.
    """
    own = _own_user_arns()
    return document([
        {"Sid": "AllowViewAccountPasswordPolicyAndDevices", "Effect": "Allow",
         "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "Resource": "*"},
        {"Sid": "AllowManageOwnPassword", "Effect": "Allow",
         "Action": ["iam:ChangePassword", "iam:GetUser"], "Resource": own},
        {"Sid": "AllowCreateNamedVirtualMFADevice", "Effect": "Allow",
         "Action": ["iam:CreateVirtualMFADevice"], "Resource": _any_mfa_device_arn()},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:GetMFADevice", "iam:ResyncMFADevice"],
         "Resource": own},
        {"Sid": "AllowReadOwnLoginProfileAndDeactivateOwnMFAWithMFA", "Effect": "Allow",
         "Action": ["iam:GetLoginProfile", "iam:DeactivateMFADevice"], "Resource": own,
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "AllowDeleteUnassignedVirtualMFADeviceWithMFA", "Effect": "Allow",
         "Action": ["iam:DeleteVirtualMFADevice"], "Resource": _any_mfa_device_arn(),
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    ])


class _ManagedPolicyConstruct(Construct):
    """A customer-managed policy with a fixed document; the L1 child is ``Resource``."""

    _description = ""

    def __init__(self, scope: Construct, id: str, doc: dict[str, Any], *, managed_policy_name: str | None,
                 path: str, problems: Sequence[Problem] = ()) -> None:
        check_scope_and_id(scope, id)
        p = ProblemCollector(child_path(scope, id))
        check_path(p, "path", path)
        if managed_policy_name is not None:
            check_policy_name(p, "managed_policy_name", managed_policy_name, max_len=MANAGED_POLICY_NAME_MAX)
        p.extend(problems)
        p.raise_if_any()
        super().__init__(scope, id)
        self.document: dict[str, Any] = doc
        """The policy document as plain data (what the template holds)."""
        self._resource = iam.CfnManagedPolicy(
            self, "Resource", policy_document=doc, managed_policy_name=managed_policy_name,
            path=path, description=self._description)

    @property
    def managed_policy_arn(self) -> str:
        """ARN of the policy (a token)."""
        return self._resource.ref

    @property
    def node_resource(self) -> iam.CfnManagedPolicy:
        """The ``AWS::IAM::ManagedPolicy`` L1."""
        return self._resource


class MfaEnforcementPolicy(_ManagedPolicyConstruct):
    """Denies everything but MFA enrolment unless the request is MFA-authenticated.

    :param managed_policy_name: policy name. Default: CloudFormation generates a unique name.
    :param path: policy path. Default: ``/``.
    :param allow_first_sign_in_password_change: also leave ``iam:ChangePassword`` and
        ``iam:GetAccountPasswordPolicy`` out of the deny, so a user whose password must be reset at
        first sign-in can do so before enrolling a device. Default: True.
    """

    _description = "Denies all but MFA enrolment and own password change unless signed in with MFA"
    _SINGLETON_ID = "IamConstructsMfaEnforcement"

    def __init__(self, scope: Construct, id: str, *, managed_policy_name: str | None = None, path: str = "/",
                 allow_first_sign_in_password_change: bool = True) -> None:
        problems: list[Problem] = []
        if not isinstance(allow_first_sign_in_password_change, bool):
            problems.append(Problem(child_path(scope, id), "allow_first_sign_in_password_change",
                                    f"{show(allow_first_sign_in_password_change)} must be True or False"))
            allow_first_sign_in_password_change = True
        super().__init__(scope, id, mfa_enforcement_document(
            allow_first_sign_in_password_change=allow_first_sign_in_password_change),
            managed_policy_name=managed_policy_name, path=path, problems=problems)

    @classmethod
    def of_stack(cls, scope: Construct) -> "MfaEnforcementPolicy":
        """The one instance in ``scope``'s stack, created on first use with the defaults."""
        return stack_singleton(cls, scope, cls._SINGLETON_ID)


class SelfServiceCredentialsPolicy(_ManagedPolicyConstruct):
    """Lets users change their own password and manage their own MFA devices, at any path (see
    ``self_service_document`` for exactly what and why).

    :param managed_policy_name: policy name. Default: CloudFormation generates a unique name.
    :param path: policy path. Default: ``/``.
    """

    _description = "Lets each user change their own password and manage their own MFA device"
    _SINGLETON_ID = "IamConstructsSelfServiceCredentials"

    def __init__(self, scope: Construct, id: str, *, managed_policy_name: str | None = None,
                 path: str = "/") -> None:
        super().__init__(scope, id, self_service_document(), managed_policy_name=managed_policy_name, path=path)
        acknowledge(self, UNSCOPABLE_IAM_READS)

    @classmethod
    def of_stack(cls, scope: Construct) -> "SelfServiceCredentialsPolicy":
        """The one instance in ``scope``'s stack, created on first use with the defaults."""
        return stack_singleton(cls, scope, cls._SINGLETON_ID)
