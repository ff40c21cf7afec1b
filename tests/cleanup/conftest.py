"""Fixtures for the user-cleanup tests: moto's IAM plain and strict, and a departing person."""

from __future__ import annotations

import functools

import pytest

ACCOUNT = "123456789012"
REGION = "us-east-1"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC7ZbrmYqWq3ifc5B1TrB3Hr0kmC0aHsKbyNfJb4ZbZK jane@laptop"


@functools.cache
def certificate() -> str:
    """A self-signed X.509 certificate (PEM): moto parses what UploadSigningCertificate is given."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jane.smith")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def aws_env(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def plain_iam(aws_env):
    """moto's IAM as it is."""
    from moto import mock_aws
    with mock_aws():
        import boto3
        yield boto3.client("iam")


@pytest.fixture
def iam_model(aws_env):
    """moto's IAM behind the strict model: DeleteUser and DeleteVirtualMFADevice fail like AWS's."""
    from moto import mock_aws

    from tests.iam_model import strict_iam
    with mock_aws(), strict_iam() as model:
        yield model
