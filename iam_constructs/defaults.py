"""Secure defaults, in one place: the numbers and lists every construct starts from."""

from __future__ import annotations

# CIS AWS Foundations Benchmark (1.8-1.9) account password policy.
CIS_PASSWORD_POLICY = {
    "minimum_length": 14,
    "require_uppercase": True,
    "require_lowercase": True,
    "require_numbers": True,
    "require_symbols": True,
    "max_age_days": 90,
    "reuse_prevention": 24,
    "allow_users_to_change": True,
    "hard_expiry": False,
}

# Tags every user carries unless the caller configures otherwise.
REQUIRED_USER_TAGS: tuple[str, ...] = ("Owner", "Purpose")
EXPIRY_TAG = "Expiry"
# Written on a disabled user with disabled_since: the day its departure window began.
DISABLED_SINCE_TAG = "DisabledSince"
# How long a disabled user is kept (credentials off) before the audit reports it ready to remove.
DEPARTURE_WINDOW_DAYS = 30
# Written on every user: its stack's name, to which the stack's cleanup role is scoped.
STACK_TAG = "iam-constructs:stack"

# Actions the MFA-enforcement deny leaves alone, so a user without MFA can still enrol a device.
# The list of the IAM user guide's "BlockMostAccessUnlessSignedInWithMFA" example policy.
MFA_DENY_EXCEPT_ACTIONS: tuple[str, ...] = (
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
)
# The current page of that guide adds iam:ListUsers (the console's MFA page lists users) and
# iam:GetMFADevice (reading one's own device).
MFA_DENY_EXCEPT_ACTIONS_CURRENT: tuple[str, ...] = ("iam:ListUsers", "iam:GetMFADevice")
# A user whose login profile has "password reset required" must change the password at first
# sign-in, before any MFA device exists; denying these locks new users out.
MFA_DENY_EXCEPT_FIRST_SIGN_IN: tuple[str, ...] = ("iam:ChangePassword", "iam:GetAccountPasswordPolicy")
# Exempted actions that act on a user: before MFA, only on the signed-in user.
MFA_DENY_EXCEPT_OWN_USER_ONLY: tuple[str, ...] = (
    "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:GetMFADevice", "iam:ResyncMFADevice",
    "iam:ChangePassword",
)

# Where credential secrets live in Secrets Manager.
SECRET_NAME_PREFIX = "/iam-users"

# The length of a generated console password unless the user's console_access sets one (at least the
# account policy's minimum length).
GENERATED_PASSWORD_LENGTH = 32
