"""Compliant when a user's Expiry tag, if any, is a YYYY-MM-DD date that has not passed."""

import datetime as _dt

from ..model import COMPLIANT, NOT_APPLICABLE, non_compliant
from .required_tags import tag_map

TYPES = ("AWS::IAM::User",)
EXPIRY_TAG = "expiry"


def rule(resource, app):
    value = next((v for k, v in tag_map(resource).items() if k.lower() == EXPIRY_TAG), None)
    if value is None:
        return NOT_APPLICABLE
    try:
        expiry = _dt.date.fromisoformat(str(value))
    except ValueError:
        return non_compliant(f"Expiry tag {value!r} is not a YYYY-MM-DD date")
    if expiry < app.today:
        return non_compliant(f"the user expired on {expiry.isoformat()}; set disabled=True or remove the user")
    return COMPLIANT
