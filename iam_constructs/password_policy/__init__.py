"""The account password policy: its spec (plain data) and, with its handler, its construct."""

from .spec import PasswordPolicy

__all__ = ["PasswordPolicy"]
