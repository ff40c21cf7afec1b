"""Compliant when a login profile's password is a Secrets Manager or SSM SecureString dynamic
reference, or a Ref to a NoEcho parameter without a Default."""

from ..model import COMPLIANT, NOT_APPLICABLE, flatten, non_compliant, truthy

TYPES = ("AWS::IAM::User",)


def rule(resource, app):
    profile = resource.properties.get("LoginProfile")
    if not isinstance(profile, dict):
        return NOT_APPLICABLE
    password = profile.get("Password")
    text = flatten(password)
    if isinstance(text, str) and text.startswith(("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")):
        return COMPLIANT
    if isinstance(password, dict) and set(password) == {"Ref"}:
        param = resource.template.parameters.get(password["Ref"])
        if param is None:
            return non_compliant(f"the password is a Ref to {password['Ref']!r}, which is not a parameter")
        if not truthy(param.get("NoEcho")):
            return non_compliant(f"parameter {password['Ref']!r} is not NoEcho; set NoEcho: true")
        if "Default" in param:
            return non_compliant(f"parameter {password['Ref']!r} has a Default, which puts the password in the "
                                 "template; remove it")
        return COMPLIANT
    return non_compliant("the password is written into the template; use console_access=True (generated in "
                         "Secrets Manager) or ConsoleAccess(initial_password='parameter')")
