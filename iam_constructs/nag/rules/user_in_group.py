"""Compliant when a user is in at least one group (Groups, or an AWS::IAM::UserToGroupAddition)."""

from ..model import COMPLIANT, non_compliant

TYPES = ("AWS::IAM::User",)


def rule(resource, app):
    if app.groups_of(resource):
        return COMPLIANT
    return non_compliant("the user is in no group; permissions should come from groups")
