"""The account password policy: its spec (plain data) and its construct."""

from .construct import AccountPasswordPolicy
from .spec import PasswordPolicy

__all__ = ["AccountPasswordPolicy", "PasswordPolicy"]
