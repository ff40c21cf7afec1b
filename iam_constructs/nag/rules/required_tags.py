"""Compliant when a user carries every required tag (default Owner and Purpose) with a value."""

from ..model import COMPLIANT, as_list, non_compliant

TYPES = ("AWS::IAM::User",)


def tag_map(resource):
    return {str(t.get("Key")): t.get("Value") for t in as_list(resource.properties.get("Tags")) if isinstance(t, dict)}


def rule(resource, app):
    present = {k.lower() for k, v in tag_map(resource).items() if v not in (None, "")}
    missing = [k for k in app.required_tags if k.lower() not in present]
    if missing:
        return non_compliant(f"missing tag(s) {', '.join(missing)}; add them to the user's tags")
    return COMPLIANT
