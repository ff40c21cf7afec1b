"""The strict IAM model refuses DeleteUser for each documented precondition alone, allows it once the
precondition is cleared, and adds refusals that plain moto does not make."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.cleanup.conftest import SSH_KEY, certificate
from tests.iam_model import DELETE_USER_PRECONDITIONS, MFA_IN_USE

USER = "jane.smith"
MESSAGES = dict(DELETE_USER_PRECONDITIONS)


def _enable(iam, serial):
    iam.enable_mfa_device(UserName=USER, SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")


# Each gives the user one thing that blocks DeleteUser and returns the call(s) that clear it.
def _login_profile(iam):
    iam.create_login_profile(UserName=USER, Password="Corr3ct-horse-battery!")
    return lambda: iam.delete_login_profile(UserName=USER)


def _access_key(iam):
    key = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    return lambda: iam.delete_access_key(UserName=USER, AccessKeyId=key)


def _signing_certificate(iam):
    cid = iam.upload_signing_certificate(UserName=USER, CertificateBody=certificate())["Certificate"]["CertificateId"]
    return lambda: iam.delete_signing_certificate(UserName=USER, CertificateId=cid)


def _ssh_key(iam):
    kid = iam.upload_ssh_public_key(UserName=USER, SSHPublicKeyBody=SSH_KEY)["SSHPublicKey"]["SSHPublicKeyId"]
    return lambda: iam.delete_ssh_public_key(UserName=USER, SSHPublicKeyId=kid)


def _service_credential(iam):
    cred = iam.create_service_specific_credential(UserName=USER, ServiceName="codecommit.amazonaws.com")
    cid = cred["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    return lambda: iam.delete_service_specific_credential(UserName=USER, ServiceSpecificCredentialId=cid)


def _virtual_mfa(iam):
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="jane-phone")["VirtualMFADevice"]["SerialNumber"]
    _enable(iam, serial)

    def clear():
        iam.deactivate_mfa_device(UserName=USER, SerialNumber=serial)
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    return clear


def _hardware_mfa(iam):
    _enable(iam, "GAHT12345678")
    return lambda: iam.deactivate_mfa_device(UserName=USER, SerialNumber="GAHT12345678")


def _inline_policy(iam):
    iam.put_user_policy(UserName=USER, PolicyName="by-hand", PolicyDocument=_DOC)
    return lambda: iam.delete_user_policy(UserName=USER, PolicyName="by-hand")


def _attached_policy(iam):
    arn = iam.create_policy(PolicyName="by-hand", PolicyDocument=_DOC)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=USER, PolicyArn=arn)
    return lambda: iam.detach_user_policy(UserName=USER, PolicyArn=arn)


def _group(iam):
    iam.create_group(GroupName="by-hand")
    iam.add_user_to_group(GroupName="by-hand", UserName=USER)
    return lambda: iam.remove_user_from_group(GroupName="by-hand", UserName=USER)


_DOC = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'

HOLDINGS = [  # (precondition name, setup)
    ("login profile", _login_profile),
    ("access keys", _access_key),
    ("signing certificates", _signing_certificate),
    ("SSH public keys", _ssh_key),
    ("service-specific credentials", _service_credential),
    ("MFA devices", _virtual_mfa),
    ("MFA devices", _hardware_mfa),
    ("inline policies", _inline_policy),
    ("attached managed policies", _attached_policy),
    ("group memberships", _group),
]
IDS = [setup.__name__.strip("_") for _, setup in HOLDINGS]
# Preconditions plain moto 5.2 does not enforce: it deletes a user holding any of these.
MOTO_IGNORES = {"login profile", "access keys", "signing certificates", "SSH public keys", "MFA devices",
                "group memberships"}


def _conflict(call) -> ClientError:
    with pytest.raises(ClientError) as err:
        call()
    return err.value


@pytest.mark.parametrize("precondition,setup", HOLDINGS, ids=IDS)
def test_model_refuses_delete_user_for_each_precondition_until_cleared(iam_model, precondition, setup):
    iam = iam_model.client
    iam.create_user(UserName=USER)
    clear = setup(iam)
    error = _conflict(lambda: iam.delete_user(UserName=USER))
    assert isinstance(error, iam.exceptions.DeleteConflictException)
    assert error.response["Error"]["Code"] == "DeleteConflict"
    assert error.response["Error"]["Message"] == MESSAGES[precondition]
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert [name for name, held in iam_model.holdings(USER).items() if held] == [precondition]
    iam.get_user(UserName=USER)  # still there

    clear()
    iam.delete_user(UserName=USER)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName=USER)


@pytest.mark.parametrize("precondition,setup", [h for h in HOLDINGS if h[0] in MOTO_IGNORES],
                         ids=[i for i, h in zip(IDS, HOLDINGS) if h[0] in MOTO_IGNORES])
def test_plain_moto_deletes_such_a_user(plain_iam, precondition, setup):
    """Without the model the same user is deleted: the refusal above is the model's doing."""
    plain_iam.create_user(UserName=USER)
    setup(plain_iam)
    plain_iam.delete_user(UserName=USER)
    with pytest.raises(plain_iam.exceptions.NoSuchEntityException):
        plain_iam.get_user(UserName=USER)


@pytest.mark.parametrize("setup", [_inline_policy, _attached_policy], ids=["inline_policy", "attached_policy"])
def test_plain_moto_already_refuses_policies(plain_iam, setup):
    """moto enforces these two itself, with the same texts; the model keeps them."""
    plain_iam.create_user(UserName=USER)
    setup(plain_iam)
    assert _conflict(lambda: plain_iam.delete_user(UserName=USER)).response["Error"]["Code"] == "DeleteConflict"


def test_plain_moto_has_no_service_specific_credentials(plain_iam):
    plain_iam.create_user(UserName=USER)
    with pytest.raises(NotImplementedError):
        plain_iam.create_service_specific_credential(UserName=USER, ServiceName="codecommit.amazonaws.com")


def test_model_refuses_deleting_an_assigned_virtual_mfa_device(iam_model):
    iam = iam_model.client
    iam.create_user(UserName=USER)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="jane-phone")["VirtualMFADevice"]["SerialNumber"]
    _enable(iam, serial)
    error = _conflict(lambda: iam.delete_virtual_mfa_device(SerialNumber=serial))
    assert isinstance(error, iam.exceptions.DeleteConflictException)
    assert error.response["Error"]["Message"] == MFA_IN_USE
    assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName=USER)["MFADevices"]] == [serial]

    iam.deactivate_mfa_device(UserName=USER, SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    iam.delete_user(UserName=USER)


def test_plain_moto_deletes_an_assigned_virtual_mfa_device(plain_iam):
    plain_iam.create_user(UserName=USER)
    serial = plain_iam.create_virtual_mfa_device(VirtualMFADeviceName="jane-phone")["VirtualMFADevice"]["SerialNumber"]
    _enable(plain_iam, serial)
    plain_iam.delete_virtual_mfa_device(SerialNumber=serial)  # real IAM: DeleteConflict
    assert plain_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []  # moto let it go


def test_unassigned_virtual_device_does_not_block_its_deletion_or_the_user(iam_model):
    iam = iam_model.client
    iam.create_user(UserName=USER)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="half-enrolled")["VirtualMFADevice"]["SerialNumber"]
    iam.delete_user(UserName=USER)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert iam.list_users()["Users"] == []


def test_every_precondition_at_once_is_reported_in_the_reference_order(iam_model):
    iam = iam_model.client
    iam.create_user(UserName=USER)
    clears = [setup(iam) for _, setup in HOLDINGS]
    for (precondition, _), clear in zip(HOLDINGS, clears):
        assert _conflict(lambda: iam.delete_user(UserName=USER)).response["Error"]["Message"] == MESSAGES[precondition]
        clear()
    iam.delete_user(UserName=USER)


def test_clients_made_inside_the_model_are_strict_and_outside_are_not(aws_env):
    from moto import mock_aws

    from tests.iam_model import strict_iam
    with mock_aws():
        with strict_iam():
            for iam in (boto3.client("iam"), boto3.session.Session().client("iam", region_name="us-east-1")):
                iam.create_user(UserName=USER)
                iam.create_login_profile(UserName=USER, Password="Corr3ct-horse-battery!")
                assert _conflict(lambda: iam.delete_user(UserName=USER)).response["Error"]["Code"] == "DeleteConflict"
                iam.delete_login_profile(UserName=USER)
                iam.delete_user(UserName=USER)
        iam = boto3.client("iam")
        iam.create_user(UserName=USER)
        iam.create_login_profile(UserName=USER, Password="Corr3ct-horse-battery!")
        iam.delete_user(UserName=USER)  # the model is gone: moto's own leniency again


def test_missing_user_is_still_no_such_entity(iam_model):
    with pytest.raises(iam_model.client.exceptions.NoSuchEntityException):
        iam_model.client.delete_user(UserName="nobody")


def test_service_specific_credentials_page_and_hide_the_password(iam_model):
    iam = iam_model.client
    iam.create_user(UserName=USER)
    made = [iam.create_service_specific_credential(UserName=USER, ServiceName=s)["ServiceSpecificCredential"]
            for s in ("codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com")]
    assert all(m["ServicePassword"] for m in made)
    first = iam.list_service_specific_credentials(UserName=USER, MaxItems=2)
    assert first["IsTruncated"] and len(first["ServiceSpecificCredentials"]) == 2
    rest = iam.list_service_specific_credentials(UserName=USER, Marker=first["Marker"])
    listed = first["ServiceSpecificCredentials"] + rest["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [m["ServiceSpecificCredentialId"] for m in made]
    assert not any("ServicePassword" in c for c in listed)
    only = iam.list_service_specific_credentials(UserName=USER, ServiceName="cassandra.amazonaws.com")
    assert [c["ServiceName"] for c in only["ServiceSpecificCredentials"]] == ["cassandra.amazonaws.com"]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.list_service_specific_credentials(UserName="nobody")
