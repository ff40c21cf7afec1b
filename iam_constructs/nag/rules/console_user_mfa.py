"""Compliant when a user with a login profile is in a group that carries the MFA-enforcement deny:
Effect Deny, Resource "*", Condition BoolIfExists aws:MultiFactorAuthPresent "false". A plain
Bool is non-compliant: requests signed with long-term keys carry no such key and slip through."""

from ..model import COMPLIANT, NOT_APPLICABLE, as_list, non_compliant, statements

TYPES = ("AWS::IAM::User",)


def _mfa_condition(statement):
    """'ifexists' for a BoolIfExists false condition, 'bool' for a plain Bool one, else None."""
    found = None
    for operator, clause in (statement.get("Condition") or {}).items():
        if not isinstance(clause, dict):
            continue
        values = [str(v).lower() for k, v in clause.items() if k.lower() == "aws:multifactorauthpresent"
                  for v in as_list(v)]
        if values != ["false"]:
            continue
        if operator.lower() == "boolifexists":
            return "ifexists"
        if operator.lower() == "bool":
            found = "bool"
    return found


def mfa_deny_kind(document):
    """'ifexists', 'bool' or None for the strongest MFA deny in a policy document."""
    best = None
    for s in statements(document):
        if s.get("Effect") != "Deny" or as_list(s.get("Resource")) != ["*"]:
            continue
        kind = _mfa_condition(s)
        if kind == "ifexists":
            return kind
        best = best or kind
    return best


def rule(resource, app):
    if not isinstance(resource.properties.get("LoginProfile"), dict):
        return NOT_APPLICABLE
    groups = app.groups_of(resource)
    if not groups:
        return non_compliant("the console user is in no group; add it to a group with enforce_mfa=True")
    kinds = set()
    unknown = 0
    for group in groups:
        if group is None:
            unknown += 1
            continue
        for _, doc in app.policy_documents_of(group):
            kinds.add(mfa_deny_kind(doc))
    if "ifexists" in kinds:
        return COMPLIANT
    if "bool" in kinds:
        return non_compliant("the MFA deny uses Bool, which misses requests signed with long-term keys; use "
                             "BoolIfExists (MfaEnforcementPolicy)")
    suffix = f" ({unknown} of its groups are not declared in this app, so they could not be checked)" if unknown else ""
    return non_compliant("none of the user's groups denies access without MFA; set enforce_mfa=True on one" + suffix)
