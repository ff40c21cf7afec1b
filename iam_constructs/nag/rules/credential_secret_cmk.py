"""Compliant when a secret holding credentials (a console password a login profile reads, or an
access key's SecretAccessKey) is encrypted with a customer-managed KMS key."""

import json

from ..model import COMPLIANT, NOT_APPLICABLE, flatten, non_compliant

TYPES = ("AWS::SecretsManager::Secret",)


def holds_credentials(resource, app):
    text = json.dumps(flatten(resource.properties.get("SecretString")))
    if "<GetAtt:" in text and ".SecretAccessKey>" in text:
        return True
    return (resource.template_path, resource.logical_id) in app.login_profile_secrets


def rule(resource, app):
    if not holds_credentials(resource, app):
        return NOT_APPLICABLE
    key = flatten(resource.properties.get("KmsKeyId"))
    if key is None or "alias/aws/secretsmanager" in str(key):
        return non_compliant("the credential secret uses the AWS-managed key; pass credentials_key="
                             "CredentialsKey(...) so key use is logged and controlled by your key policy")
    return COMPLIANT
