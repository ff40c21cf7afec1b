"""The account password policy: its spec (plain data) and its construct.

``AccountPasswordPolicy`` is imported from its module on first use, so the spec and the handler's
modules load without ``aws_cdk`` (the handler tests run without starting jsii)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .spec import PasswordPolicy

if TYPE_CHECKING:
    from .construct import AccountPasswordPolicy

__all__ = ["AccountPasswordPolicy", "PasswordPolicy"]


def __getattr__(name: str) -> Any:
    if name != "AccountPasswordPolicy":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .construct import AccountPasswordPolicy
    return AccountPasswordPolicy
