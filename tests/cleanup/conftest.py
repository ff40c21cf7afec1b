"""Fixtures for the user-cleanup tests: moto's IAM plain and strict, the custom-resource protocol, and
CloudFormation's answers about the stack (a botocore Stubber)."""

from __future__ import annotations

import functools
import json

import pytest

from iam_constructs._user_template import logical_id as user_logical_id
from tests.response_bucket import LambdaContext, response_server  # noqa: F401  (fixture)

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
def plain_iam(moto_aws):
    """moto's IAM as it is (``moto_aws``: tests/conftest.py)."""
    import boto3
    return boto3.client("iam")


@pytest.fixture
def iam_model(moto_aws):
    """moto's IAM behind the strict model: DeleteUser and DeleteVirtualMFADevice fail like AWS's."""
    from tests.iam_model import strict_iam
    with strict_iam() as model:
        yield model


# -- the custom-resource protocol -------------------------------------------------------------------
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Users-0/5b2c3d40-aaaa-11ef-9f00-0a1b2c3d4e5f"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Users-0-IamUserCleanup"
RESPONSE_HOST = "cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com"
USER = "jane.smith"
LOGICAL_ID = f"{user_logical_id(USER)}Cleanup"  # the cleanup resource of jane.smith's user
RESPONSE_URL = f"https://{RESPONSE_HOST}/{STACK_ID.replace(':', '%3A')}%7C{LOGICAL_ID}%7Creq" \
               "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=" + "0f" * 32


class Context(LambdaContext):
    """The Lambda context of a user stack's cleanup function."""

    def __init__(self, seconds=120.0, function_arn=FUNCTION_ARN):
        super().__init__(seconds, function_arn)


def event(server, kind, props, physical_id=None, **overrides):
    """A custom-resource request as CloudFormation sends it (every property value a string or list)."""
    e = {"RequestType": kind, "ResponseURL": RESPONSE_URL, "StackId": STACK_ID,
         "RequestId": f"req-{kind}-{len(server.bodies)}", "LogicalResourceId": LOGICAL_ID,
         "ResourceType": "Custom::IamUserCleanup", "ResourceProperties": dict(props, ServiceToken=FUNCTION_ARN)}
    if physical_id is not None:
        e["PhysicalResourceId"] = physical_id
    e.update(overrides)
    return e


def props(user="jane.smith", keys=(), login_profile=False, groups=(), policies=()):
    return {"UserName": user, "UserLogicalId": user_logical_id(user), "StackAccessKeys": list(keys),
            "StackLoginProfile": str(login_profile).lower(), "StackGroups": list(groups),
            "StackManagedPolicies": list(policies)}


def template(*users: str, cleanup=True) -> dict:
    """A user stack's template as the library writes it (the parts the handler reads): each user under
    its logical id and, if ``cleanup`` is True or names it, the user's cleanup resource."""
    resources: dict = {"IamConstructsUserCleanupHandler": {"Type": "AWS::Lambda::Function", "Properties": {}}}
    for user in users:
        uid = user_logical_id(user)
        resources[uid] = {"Type": "AWS::IAM::User", "Properties": {
            "UserName": user, "Path": "/developers/",
            "Tags": [{"Key": "iam-constructs:stack", "Value": {"Ref": "AWS::StackName"}}]}}
        if cleanup is True or cleanup and user in cleanup:
            resources[f"{uid}Cleanup"] = {"Type": "Custom::IamUserCleanup", "Properties": dict(
                props(user), UserName={"Ref": uid}, ServiceTimeout=300,
                ServiceToken={"Fn::GetAtt": ["IamConstructsUserCleanupHandler", "Arn"]})}
    return {"Resources": resources}


def bundled_module():
    import types

    from iam_constructs.user_cleanup import inline_source
    module = types.ModuleType("index")
    exec(compile(inline_source(), "index.py", "exec"), module.__dict__)
    return module


@pytest.fixture(params=["modules", "inline-bundle"])
def handler_module(request):
    """The handler as readable modules, and as the inline code the template carries."""
    from iam_constructs.user_cleanup.handler import index
    return index if request.param == "modules" else bundled_module()


class Clients:
    """Every ``boto3.client`` the handler makes: CloudFormation is a botocore Stubber, the rest real."""

    def __init__(self, monkeypatch):
        import boto3
        from botocore.stub import Stubber
        self.made: list[str] = []
        self.iam = None  # a Stubber-backed IAM client instead of the strict model, when set
        self.cfn = boto3.session.Session().client("cloudformation", region_name=REGION)
        self.stub = Stubber(self.cfn)
        self.stub.activate()
        real = boto3.client

        def client(service, *args, **kwargs):
            self.made.append(service)
            if service == "cloudformation":
                return self.cfn
            return self.iam if service == "iam" and self.iam else real(service, *args, **kwargs)

        monkeypatch.setattr(boto3, "client", client)

    def record(self, e, status="DELETE_IN_PROGRESS", physical_id=None, resource_type="Custom::IamUserCleanup"):
        """DescribeStackResource answers with the stack's record of the event's resource."""
        import datetime
        detail = {"StackName": "Users-0", "StackId": STACK_ID, "LogicalResourceId": e["LogicalResourceId"],
                  "PhysicalResourceId": physical_id or e["PhysicalResourceId"], "ResourceType": resource_type,
                  "LastUpdatedTimestamp": datetime.datetime(2026, 11, 23), "ResourceStatus": status}
        self.stub.add_response("describe_stack_resource", {"StackResourceDetail": detail},
                               {"StackName": e["StackId"], "LogicalResourceId": e["LogicalResourceId"]})

    def stack(self, e, status):
        """DescribeStacks answers with the stack's status."""
        import datetime
        self.stub.add_response("describe_stacks", {"Stacks": [{
            "StackId": STACK_ID, "StackName": "Users-0", "CreationTime": datetime.datetime(2026, 11, 1),
            "StackStatus": status}]}, {"StackName": e["StackId"]})

    def template(self, e, body):
        """GetTemplate answers with the stack's current template: a dict is sent as JSON text (botocore
        decodes it back into a dict, as it does for real answers), a string (YAML) as it is."""
        text = body if isinstance(body, str) else json.dumps(body)
        self.stub.add_response("get_template", {"TemplateBody": text, "StagesAvailable": ["Original", "Processed"]},
                               {"StackName": e["StackId"], "TemplateStage": "Original"})

    def deleting(self, e, status="DELETE_IN_PROGRESS", body=None):
        """CloudFormation deletes the event's resource (its record shows it) while the stack is in
        ``status``; outside a stack delete, GetTemplate answers ``body``."""
        self.record(e)
        self.stack(e, status)
        if status not in ("DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"):
            self.template(e, body)


@pytest.fixture
def clients(aws_env, monkeypatch):
    c = Clients(monkeypatch)
    yield c
    c.stub.deactivate()
