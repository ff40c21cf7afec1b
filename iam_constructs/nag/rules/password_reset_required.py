"""Compliant when a login profile has PasswordResetRequired: true."""

from ..model import COMPLIANT, NOT_APPLICABLE, non_compliant, truthy

TYPES = ("AWS::IAM::User",)


def rule(resource, app):
    profile = resource.properties.get("LoginProfile")
    if not isinstance(profile, dict):
        return NOT_APPLICABLE
    if truthy(profile.get("PasswordResetRequired")):
        return COMPLIANT
    return non_compliant("the first password is not reset at first sign-in; set password_reset_required=True")
