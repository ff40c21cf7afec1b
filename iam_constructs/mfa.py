"""MFA-enforcement and self-service credential policies (customer-managed, partition-aware)."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_iam as iam
from constructs import Construct

from . import defaults
from ._acknowledge import UNSCOPABLE_IAM_READS, acknowledge
from ._policy import document
from ._registry import path_of, stack_singleton
from ._tokens import account_id, partition
from ._validate import check_path
from .errors import ProblemCollector


def _own_user_arn() -> str:
    return f"arn:{partition()}:iam::{account_id()}:user/${{aws:username}}"


def _own_mfa_arn() -> str:
    return f"arn:{partition()}:iam::{account_id()}:mfa/${{aws:username}}"


def mfa_enforcement_document(*, allow_first_sign_in_password_change: bool = True) -> dict[str, Any]:
    """The IAM user guide's BlockMostAccessUnlessSignedInWithMFA deny.

    ``BoolIfExists`` rather than ``Bool``: requests signed with long-term access keys carry no
    ``aws:MultiFactorAuthPresent`` key at all, and a plain ``Bool`` would let them through.
    """
    except_actions = list(defaults.MFA_DENY_EXCEPT_ACTIONS) + list(defaults.MFA_DENY_EXCEPT_ACTIONS_CURRENT)
    if allow_first_sign_in_password_change:
        except_actions += list(defaults.MFA_DENY_EXCEPT_FIRST_SIGN_IN)
    return document([{
        "Sid": "BlockMostAccessUnlessSignedInWithMFA",
        "Effect": "Deny",
        "NotAction": except_actions,
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }])


def self_service_document() -> dict[str, Any]:
    """Lets each user see the password policy, change their own password and manage their own MFA
    device, and nothing else: every write is scoped to ``${aws:username}``. Creating access keys is
    deliberately not self-service (keys are declared in code, never by hand)."""
    return document([
        {"Sid": "AllowViewAccountPasswordPolicy", "Effect": "Allow",
         "Action": ["iam:GetAccountPasswordPolicy"], "Resource": "*"},
        {"Sid": "AllowListVirtualMFADevices", "Effect": "Allow",
         "Action": ["iam:ListVirtualMFADevices"], "Resource": "*"},
        {"Sid": "AllowManageOwnPassword", "Effect": "Allow",
         "Action": ["iam:ChangePassword", "iam:GetUser", "iam:GetLoginProfile"], "Resource": _own_user_arn()},
        {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
         "Action": ["iam:CreateVirtualMFADevice"], "Resource": _own_mfa_arn()},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": _own_user_arn()},
        {"Sid": "AllowDeactivateOwnMFAOnlyWhenSignedInWithMFA", "Effect": "Allow",
         "Action": ["iam:DeactivateMFADevice"], "Resource": [_own_user_arn(), _own_mfa_arn()],
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    ])


class _ManagedPolicyConstruct(Construct):
    """A customer-managed policy with a fixed document; the L1 child is ``Resource``."""

    _description = ""

    def __init__(self, scope: Construct, id: str, doc: dict[str, Any], *, managed_policy_name: str | None,
                 path: str) -> None:
        p = ProblemCollector(f"{path_of(scope)}/{id}")
        check_path(p, "path", path)
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
        super().__init__(scope, id, mfa_enforcement_document(
            allow_first_sign_in_password_change=allow_first_sign_in_password_change),
            managed_policy_name=managed_policy_name, path=path)

    @classmethod
    def of_stack(cls, scope: Construct) -> "MfaEnforcementPolicy":
        """The one instance in ``scope``'s stack, created on first use with the defaults."""
        return stack_singleton(cls, scope, cls._SINGLETON_ID)


class SelfServiceCredentialsPolicy(_ManagedPolicyConstruct):
    """Lets users manage their own password and MFA device, scoped to ``${aws:username}``.

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
