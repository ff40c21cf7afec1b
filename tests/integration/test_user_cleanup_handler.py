"""The user-cleanup handler against LocalStack's IAM API through the custom-resource protocol (event
in, response PUT to a real local HTTP server behind CloudFormation's response-bucket URL).

LocalStack runs Lambda only with Docker, so the cleanup resource cannot run inside its
CloudFormation; and its IAM deletes a user whatever it holds, so DeleteConflict itself is proven
against the strict model in tests/cleanup. Here the handler's real IAM calls meet a real IAM API:
what a departing person acquired by hand is gone afterwards, what the stack made is still there for
CloudFormation, and a person who stays is untouched. CloudFormation's answers about the stack come
from botocore's Stubber, as in tests/cleanup."""

from __future__ import annotations

import uuid

import pytest

from tests.cleanup.conftest import SSH_KEY, Context, bundled_module, event, props, template
from tests.cleanup.conftest import clients, response_server  # noqa: F401  (fixtures)
from iam_constructs.user_cleanup.handler import index

DOC = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'


@pytest.fixture
def aws_env(endpoint, monkeypatch):
    """The handler's own boto3 clients talk to LocalStack (overrides tests/cleanup's moto env)."""
    import boto3
    for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    # A default session made earlier in this worker (by other tests) keeps the configuration it read
    # then; the handler's clients must read this environment.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


def _person(iam, name, stack_group):
    """A user as its stack made it (login profile, one key, one group) plus what was added by hand."""
    iam.create_user(UserName=name, Path="/developers/")
    iam.add_user_to_group(GroupName=stack_group, UserName=name)
    iam.create_login_profile(UserName=name, Password="Generated-by-Secrets-Manager-1!")
    stack_key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{name}-phone")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName=name, SerialNumber=device, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    hand_key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=SSH_KEY)
    iam.put_user_policy(UserName=name, PolicyName="inline-by-hand", PolicyDocument=DOC)
    return stack_key, hand_key, device


def _held(iam, name):
    return {
        "keys": sorted(k["AccessKeyId"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]),
        "mfa": [d["SerialNumber"] for d in iam.list_mfa_devices(UserName=name)["MFADevices"]],
        "ssh": [k["SSHPublicKeyId"] for k in iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]],
        "inline": iam.list_user_policies(UserName=name)["PolicyNames"],
        "groups": [g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]],
    }


@pytest.mark.parametrize("module", ["modules", "inline-bundle"])
def test_departure_against_localstack_iam(aws, aws_env, clients, response_server, module):  # noqa: F811
    handler = (index if module == "modules" else bundled_module()).handler
    iam = aws("iam")
    run = uuid.uuid4().hex[:8]
    group, leaving, staying = f"developers-{run}", f"jane.smith-{run}", f"omar.haddad-{run}"
    iam.create_group(GroupName=group)
    stack_key, hand_key, device = _person(iam, leaving, group)
    _person(iam, staying, group)
    before = _held(iam, staying)

    # jane.smith left the roster: her cleanup resource is deleted in the update's cleanup phase.
    e = event(response_server, "Delete", props(leaving, keys=[stack_key], login_profile=True, groups=[group]),
              physical_id=f"IamUserCleanup/{leaving}")
    clients.deleting(e, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", template(staying))
    handler(e, Context())
    assert response_server.last["Status"] == "SUCCESS", response_server.last
    held = _held(iam, leaving)
    assert held == {"keys": [stack_key], "mfa": [], "ssh": [], "inline": [], "groups": [group]}  # the stack's, left
    assert iam.get_login_profile(UserName=leaving)["LoginProfile"]["UserName"] == leaving     # to CloudFormation
    assert device not in [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    assert hand_key not in held["keys"]

    # omar.haddad stays: a Delete of his cleanup resource (switched off) changes nothing.
    e = event(response_server, "Delete", props(staying, groups=[group]), physical_id=f"IamUserCleanup/{staying}")
    clients.deleting(e, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", template(staying, cleanup=False))
    handler(e, Context())
    assert response_server.last["Status"] == "SUCCESS" and _held(iam, staying) == before
