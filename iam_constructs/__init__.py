"""iam_constructs: IAM users, groups and credentials for AWS CDK, secure by default.

Importing the package loads nothing else: each name below is imported from its module on first use
(``import iam_constructs`` does not start jsii, and ``CredentialAudit`` alone brings in
``aws_cdk.aws_lambda``, ~170 MB). Type checkers and IDEs see every name through the imports under
TYPE_CHECKING, which mirror the table.

Programs that start jsii call ``silence_node_banner()`` before their first ``import aws_cdk``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._jsii_env import silence_node_banner

if TYPE_CHECKING:
    from .credentials import GENERATED, PARAMETER, AccessKeySlot, ConsoleAccess, CredentialsKey
    from .errors import IamConstructsError, Problem
    from .group import IamGroup
    from .mfa import MfaEnforcementPolicy, SelfServiceCredentialsPolicy
    from .password_policy import AccountPasswordPolicy, PasswordPolicy
    from .scheduled_audit import CredentialAudit
    from .user import AccessKey, IamUser, IamUsers, UserProps

_MODULES = {
    "AccessKeySlot": ".credentials", "ConsoleAccess": ".credentials", "CredentialsKey": ".credentials",
    "GENERATED": ".credentials", "PARAMETER": ".credentials",
    "IamConstructsError": ".errors", "Problem": ".errors",
    "IamGroup": ".group",
    "MfaEnforcementPolicy": ".mfa", "SelfServiceCredentialsPolicy": ".mfa",
    "AccountPasswordPolicy": ".password_policy", "PasswordPolicy": ".password_policy",
    "CredentialAudit": ".scheduled_audit",
    "AccessKey": ".user", "IamUser": ".user", "IamUsers": ".user", "UserProps": ".user",
}

__all__ = sorted([*_MODULES, "silence_node_banner"])


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'iam_constructs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later reads skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
