"""Compliant when the account password policy meets CIS: minimum length >= 14, reuse prevention
24, a maximum age <= 90 days, and uppercase, lowercase, numbers and symbols all required."""

from ..model import COMPLIANT, non_compliant, truthy

TYPES = ("Custom::AccountPasswordPolicy",)
CLASSES = ("RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireNumbers", "RequireSymbols")


def _int(value):
    try:
        return int(str(value))
    except ValueError:
        return None


def rule(resource, app):
    p = resource.properties
    problems = []
    length, reuse, age = _int(p.get("MinimumPasswordLength", 0)), _int(p.get("PasswordReusePrevention", 0)), \
        _int(p.get("MaxPasswordAge", 0))
    if length is None or length < 14:
        problems.append(f"minimum length {p.get('MinimumPasswordLength')} < 14")
    if reuse is None or reuse < 24:
        problems.append(f"reuse prevention {p.get('PasswordReusePrevention')} < 24")
    if not age or age > 90:
        problems.append(f"max age {p.get('MaxPasswordAge', 'none')} is not 1-90 days")
    problems += [f"{c} is off" for c in CLASSES if not truthy(p.get(c))]
    if problems:
        return non_compliant("the password policy misses CIS: " + ", ".join(problems))
    return COMPLIANT
