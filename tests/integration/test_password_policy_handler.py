"""The password-policy handler against LocalStack's IAM API through the custom-resource protocol:
event in, response PUT to a real local HTTP server behind CloudFormation's response-bucket URL.
(LocalStack runs Lambda only with Docker, so the custom resource cannot complete inside its
CloudFormation; the stack's record of the resource, which the handler verifies each event against,
comes from botocore's Stubber, as in tests/handler.)"""

import pytest

# The account password policy is one per account: these tests run in one worker, one at a time.
pytestmark = pytest.mark.xdist_group("account-password-policy")

from tests.handler.conftest import Context, bundled_module, cfn_props, event
from tests.handler.conftest import clients, cloudformation  # noqa: F401  (fixtures)
from iam_constructs.password_policy.handler import index

EARLIER = {"MinimumPasswordLength": 9, "RequireSymbols": False, "RequireNumbers": True,
           "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": True,
           "AllowUsersToChangePassword": True, "HardExpiry": False, "MaxPasswordAge": 60,
           "PasswordReusePrevention": 2}


@pytest.fixture
def localstack_iam(aws, endpoint, monkeypatch):
    import boto3
    for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    # The handler's clients must read this environment, not a default session an earlier test made.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    iam = aws("iam")
    try:
        iam.delete_account_password_policy()
    except iam.exceptions.NoSuchEntityException:
        pass
    yield iam
    try:
        iam.delete_account_password_policy()
    except iam.exceptions.NoSuchEntityException:
        pass


def _policy(iam):
    try:
        return iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        return None


@pytest.mark.parametrize("module", ["modules", "inline-bundle"])
def test_create_update_delete_restores_against_localstack(localstack_iam, cloudformation, response_server, module):
    handler = (index if module == "modules" else bundled_module()).handler
    iam = localstack_iam
    iam.update_account_password_policy(**EARLIER)

    def genuine(e):
        cloudformation.shows(e)
        handler(e, Context())
        assert response_server.last["Status"] == "SUCCESS", response_server.last

    genuine(event(response_server, "Create", cfn_props()))
    physical_id = response_server.last["PhysicalResourceId"]
    assert _policy(iam)["MinimumPasswordLength"] == 14 and _policy(iam)["PasswordReusePrevention"] == 24

    genuine(event(response_server, "Update", cfn_props(MinimumPasswordLength=16), physical_id=physical_id))
    assert _policy(iam)["MinimumPasswordLength"] == 16

    genuine(event(response_server, "Delete", cfn_props(MinimumPasswordLength=16), physical_id=physical_id))
    restored = _policy(iam)
    assert {k: restored.get(k) for k in EARLIER} == EARLIER


def test_no_earlier_policy_delete_removes_it_against_localstack(localstack_iam, cloudformation, response_server):
    iam = localstack_iam
    try:  # the account starts without a policy, whatever ran before on this LocalStack
        iam.delete_account_password_policy()
    except iam.exceptions.NoSuchEntityException:
        pass
    created = event(response_server, "Create", cfn_props())
    cloudformation.shows(created)
    index.handler(created, Context())
    physical_id = response_server.last["PhysicalResourceId"]
    assert _policy(iam) is not None
    deleted = event(response_server, "Delete", cfn_props(), physical_id=physical_id)
    cloudformation.shows(deleted)
    index.handler(deleted, Context())
    assert response_server.last["Status"] == "SUCCESS" and _policy(iam) is None


def test_forged_update_leaves_localstacks_policy_alone(localstack_iam, cloudformation, response_server):
    """Not in progress per the stack's record: refused before IAM is called."""
    iam = localstack_iam
    iam.update_account_password_policy(**EARLIER)
    forged = event(response_server, "Update", cfn_props(MinimumPasswordLength=6),
                   physical_id="IamPasswordPolicy/previous=none")
    cloudformation.shows(forged, ResourceStatus="UPDATE_COMPLETE")
    index.handler(forged, Context())
    reason = response_server.last["Reason"]
    assert response_server.last["Status"] == "FAILED" and reason.startswith("PermissionError: "), reason
    assert "'UPDATE_COMPLETE', not 'UPDATE_IN_PROGRESS'" in reason
    assert _policy(iam)["MinimumPasswordLength"] == EARLIER["MinimumPasswordLength"]
