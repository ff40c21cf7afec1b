"""iam_constructs: IAM users, groups and credentials for AWS CDK, secure by default."""

from . import _jsii_env  # noqa: F401  (must precede the first aws_cdk import)
from .credentials import GENERATED, PARAMETER, AccessKeySlot, ConsoleAccess, CredentialsKey
from .errors import IamConstructsError, Problem
from .group import IamGroup
from .mfa import MfaEnforcementPolicy, SelfServiceCredentialsPolicy
from .password_policy import AccountPasswordPolicy, PasswordPolicy
from .user import IamUser, IamUsers

__all__ = [
    "AccountPasswordPolicy",
    "AccessKeySlot",
    "ConsoleAccess",
    "CredentialsKey",
    "GENERATED",
    "IamConstructsError",
    "IamGroup",
    "IamUser",
    "IamUsers",
    "MfaEnforcementPolicy",
    "PARAMETER",
    "PasswordPolicy",
    "Problem",
    "SelfServiceCredentialsPolicy",
]


def __getattr__(name: str):
    """``CredentialAudit`` loads on first use: it needs aws_lambda, whose import costs ~170 MB."""
    if name == "CredentialAudit":
        from .scheduled_audit import CredentialAudit
        return CredentialAudit
    raise AttributeError(f"module 'iam_constructs' has no attribute {name!r}")
