"""Compliant when no policy is attached straight to a user: no inline Policies or
ManagedPolicyArns on the user, no AWS::IAM::UserPolicy, and no policy resource naming Users.
Permissions come through groups."""

from ..model import COMPLIANT, NOT_APPLICABLE, as_list, non_compliant

TYPES = ("AWS::IAM::User", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::UserPolicy")


def rule(resource, app):
    props = resource.properties
    if resource.type == "AWS::IAM::User":
        found = [p for p in ("Policies", "ManagedPolicyArns") if as_list(props.get(p))]
        if found:
            return non_compliant(f"the user has {' and '.join(found)}; move the permissions to a group")
        return COMPLIANT
    if resource.type == "AWS::IAM::UserPolicy":
        return non_compliant("an inline policy on a user; move the permissions to a group")
    if as_list(props.get("Users")):
        return non_compliant("the policy is attached to users; attach it to a group instead")
    return NOT_APPLICABLE
