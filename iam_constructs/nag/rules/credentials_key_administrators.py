"""Compliant when a KMS key that encrypts credential secrets names its administrators and readers,
instead of granting administration or use to the account root (which hands the key to every
principal whose IAM policies allow ``kms:*``, such as ``PowerUserAccess``)."""

import re

from ..model import COMPLIANT, NOT_APPLICABLE, as_list, flatten, non_compliant, statements
from .credential_secret_cmk import holds_credentials

TYPES = ("AWS::KMS::Key",)
_ROOT = re.compile(r"^(arn:.*:iam::.*:root|\d{12}|<AWS::AccountId>)$")
_SENSITIVE = ("kms:*", "*", "kms:decrypt", "kms:putkeypolicy", "kms:schedulekeydeletion", "kms:creategrant")


def _keys_of_credential_secrets(app):
    """(template path, logical id) of every key a credential secret names: by Ref/GetAtt, by an
    export of another stack, or by alias."""
    exports = {}
    for t in app.templates:
        for output in (t.body.get("Outputs") or {}).values():
            if isinstance(output, dict) and isinstance(output.get("Export"), dict):
                exports[str(flatten(output["Export"].get("Name")))] = (t.path, output.get("Value"))
    aliases = {}
    for alias in app.resources("AWS::KMS::Alias"):
        target = alias.properties.get("TargetKeyId")
        if isinstance(target, dict) and set(target) == {"Ref"}:
            aliases[str(alias.properties.get("AliasName"))] = (alias.template_path, target["Ref"])
    found = set()
    for secret in app.resources("AWS::SecretsManager::Secret"):
        if not holds_credentials(secret, app):
            continue
        key = secret.properties.get("KmsKeyId")
        if isinstance(key, str) and key in aliases:
            found.add(aliases[key])
        elif isinstance(key, dict):
            where = secret.template_path
            if set(key) == {"Fn::ImportValue"} and str(flatten(key["Fn::ImportValue"])) in exports:
                where, key = exports[str(flatten(key["Fn::ImportValue"]))]
            m = re.match(r"<(?:Ref|GetAtt):([A-Za-z0-9]+)", str(flatten(key)))
            if m:
                found.add((where, m.group(1)))
    return found


def rule(resource, app):
    if (resource.template_path, resource.logical_id) not in _keys_of_credential_secrets(app):
        return NOT_APPLICABLE
    for s in statements(resource.properties.get("KeyPolicy")):
        if s.get("Effect") != "Allow":
            continue
        principal = s.get("Principal")
        arns = as_list(principal.get("AWS")) if isinstance(principal, dict) else as_list(principal)
        actions = [str(a).lower() for a in as_list(s.get("Action"))]
        if any(_ROOT.match(str(flatten(a))) or flatten(a) == "*" for a in arns) and \
                any(a in _SENSITIVE for a in actions):
            return non_compliant(f"statement {s.get('Sid', '(no Sid)')!r} grants the account root, so any principal "
                                 "whose IAM policies allow it can decrypt every credential or rewrite the key "
                                 "policy; name the credential administrators (CredentialsKey(administrators=[...]) "
                                 "or account.credential_administrators in the roster)")
    return COMPLIANT
