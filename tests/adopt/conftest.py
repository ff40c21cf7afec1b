"""moto's IAM as a real HTTP endpoint on 127.0.0.1 (a free port, stopped in the finalizer), seeded
with an account that was built by hand: users at paths with tags, groups with AWS-managed,
customer-managed and inline policies, access keys, login profiles, MFA devices and SSH keys."""

from __future__ import annotations

import json

import pytest

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
EXTRA_DOCUMENT = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadArtifacts", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::artifacts/*"}]}
SHARED_DOCUMENT = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}]}
INLINE_DOCUMENT = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadArtifacts", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"}]}


@pytest.fixture(scope="module")
def server():
    import os  # moto's server needs flask: moto[server] in the test extra (a missing one fails, never skips)

    from moto.server import ThreadedMotoServer
    before = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # AWS-managed policies, as a real account has
    s = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s.start()
    host, port = s.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        s.stop()
        if before is None:
            os.environ.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = before


@pytest.fixture
def endpoint(server):
    """A fresh account for each test: moto's reset endpoint empties every backend."""
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(f"{server}/moto-api/reset", method="POST")).read()
    return server


@pytest.fixture
def iam(endpoint):
    import boto3
    return boto3.client("iam", endpoint_url=endpoint, **CREDENTIALS)


@pytest.fixture
def seeded(iam):
    """The hand-built account; returns the names it holds."""
    iam.update_account_password_policy(MinimumPasswordLength=16, RequireSymbols=True, RequireNumbers=True,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                       AllowUsersToChangePassword=True, MaxPasswordAge=60,
                                       PasswordReusePrevention=5)
    extra = iam.create_policy(PolicyName="developers-extra", PolicyDocument=json.dumps(EXTRA_DOCUMENT))
    shared = iam.create_policy(PolicyName="shared-queue", PolicyDocument=json.dumps(SHARED_DOCUMENT))
    iam.create_group(GroupName="developers", Path="/teams/")
    iam.attach_group_policy(GroupName="developers", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.attach_group_policy(GroupName="developers", PolicyArn=extra["Policy"]["Arn"])
    iam.create_group(GroupName="ci")
    iam.attach_group_policy(GroupName="ci", PolicyArn=shared["Policy"]["Arn"])
    iam.put_group_policy(GroupName="ci", PolicyName="ecr-login", PolicyDocument=json.dumps(INLINE_DOCUMENT))
    iam.create_group(GroupName="auditors")
    iam.attach_group_policy(GroupName="auditors", PolicyArn="arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
    iam.create_user(UserName="jane.smith", Path="/developers/",
                    Tags=[{"Key": "Owner", "Value": "platform"}, {"Key": "Purpose", "Value": "human"}])
    iam.add_user_to_group(GroupName="developers", UserName="jane.smith")
    iam.create_login_profile(UserName="jane.smith", Password="Initial-Passw0rd!xyz", PasswordResetRequired=False)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="jane.smith")["VirtualMFADevice"]
    iam.enable_mfa_device(UserName="jane.smith", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1="123456", AuthenticationCode2="654321")
    iam.upload_ssh_public_key(UserName="jane.smith", SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC jane")
    iam.create_user(UserName="ci-bot", Tags=[{"Key": "Owner", "Value": "platform"}, {"Key": "Purpose", "Value": "ci"}])
    iam.add_user_to_group(GroupName="ci", UserName="ci-bot")
    key = iam.create_access_key(UserName="ci-bot")["AccessKey"]
    iam.create_user(UserName="old.bot", Path="/legacy/bots/")   # no tags at all
    iam.add_user_to_group(GroupName="ci", UserName="old.bot")
    first = iam.create_access_key(UserName="old.bot")["AccessKey"]["AccessKeyId"]
    second = iam.create_access_key(UserName="old.bot")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="old.bot", AccessKeyId=first, Status="Inactive")
    iam.create_user(UserName="max.mustermann", Path="/developers/",
                    Tags=[{"Key": "Owner", "Value": "platform"}, {"Key": "Purpose", "Value": "human"},
                          {"Key": "Team", "Value": "payments"}])
    iam.add_user_to_group(GroupName="developers", UserName="max.mustermann")
    iam.add_user_to_group(GroupName="auditors", UserName="max.mustermann")
    iam.put_user_policy(UserName="max.mustermann", PolicyName="direct", PolicyDocument=json.dumps(SHARED_DOCUMENT))
    return {"users": ["jane.smith", "ci-bot", "old.bot", "max.mustermann"],
            "groups": ["developers", "ci", "auditors"], "keys": {"ci-bot": [key["AccessKeyId"]],
                                                                  "old.bot": [first, second]},
            "policies": {"developers-extra": extra["Policy"]["Arn"], "shared-queue": shared["Policy"]["Arn"]}}
