"""Compliant when a user or group has no Allow of all actions ("*", "*:*", or Allow with
NotAction) and no AdministratorAccess, PowerUserAccess or IAMFullAccess managed policy."""

from ..model import COMPLIANT, as_list, flatten, non_compliant, statements

TYPES = ("AWS::IAM::User", "AWS::IAM::Group")
BROAD_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def _broad_statement(document):
    for s in statements(document):
        if s.get("Effect") != "Allow":
            continue
        if "NotAction" in s:
            return "an Allow with NotAction (everything but a list)"
        if any(a in ("*", "*:*") for a in as_list(s.get("Action"))):
            return "an Allow of every action ('*')"
    return None


def rule(resource, app):
    problems = []
    for arn in as_list(resource.properties.get("ManagedPolicyArns")):
        text = flatten(arn)
        if isinstance(text, str):
            for name in BROAD_POLICIES:
                if text.endswith(f":policy/{name}"):
                    problems.append(f"the AWS-managed policy {name}")
    for owner, doc in app.policy_documents_of(resource):
        broad = _broad_statement(doc)
        if broad:
            problems.append(f"{broad} in {owner.logical_id}")
    if problems:
        return non_compliant("grants " + "; ".join(problems) + ": grant only the actions needed, or acknowledge "
                             "with the reason (for example a break-glass group)")
    return COMPLIANT
