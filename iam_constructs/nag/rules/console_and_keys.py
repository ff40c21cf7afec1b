"""Compliant when a user does not have both a login profile and an access key (people sign in,
bots use keys)."""

from ..model import COMPLIANT, NOT_APPLICABLE, non_compliant

TYPES = ("AWS::IAM::User",)


def rule(resource, app):
    if not isinstance(resource.properties.get("LoginProfile"), dict):
        return NOT_APPLICABLE
    keys = app.access_keys_of(resource)
    if keys:
        return non_compliant(f"the user has a login profile and access key {keys[0].logical_id}; split it into "
                             "a person and a bot, or acknowledge with the reason")
    return COMPLIANT
