"""The handler's world in tests: CloudFormation's response bucket (a local HTTP server behind the
real bucket URLs), the Lambda context, and CloudFormation's record of the stack (DescribeStackResource
through botocore's Stubber). The handler's code has no test switch: events carry the URLs
CloudFormation sends, and only the transport below ``urllib.request.urlopen`` is redirected."""

import datetime
import json
import types
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore.stub import Stubber

from iam_constructs.password_policy.handler import index
from iam_constructs.password_policy.handler.bundle import inline_source
from iam_constructs.password_policy.handler.diff import RESOURCE_TYPE
from tests.response_bucket import LambdaContext, response_server  # noqa: F401  (fixture)

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Account/6f1c2a40-a9d3-11f1-8e5b-0affd6a3b8e7"
LOGICAL_ID = "PasswordPolicy4B0A08FE"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Account-PasswordPolicyHandlerAA0765C2-Q1w2E3r4T5y6"
RESPONSE_HOST = "cloudformation-custom-resource-response-useast1.s3.amazonaws.com"


def response_url(stack_id=STACK_ID, logical_id=LOGICAL_ID, request_id="req", host=RESPONSE_HOST):
    """A ResponseURL shaped like CloudFormation's: a pre-signed PUT on its response bucket."""
    key = urllib.parse.quote(f"{stack_id}|{logical_id}|{request_id}", safe="/")
    return (f"https://{host}/{key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261123T093000Z"
            f"&X-Amz-SignedHeaders=host&X-Amz-Expires=7200&X-Amz-Credential=AKIA6EXAMPLE%2F20261123%2F{REGION}"
            "%2Fs3%2Faws4_request&X-Amz-Signature=" + "0f" * 32)


class Context(LambdaContext):
    """The Lambda context of the password-policy function."""

    def __init__(self, seconds=120.0, function_arn=FUNCTION_ARN):
        super().__init__(seconds, function_arn)


def bundled_module():
    module = types.ModuleType("index")
    exec(compile(inline_source(), "index.py", "exec"), module.__dict__)
    return module


@pytest.fixture(params=["modules", "inline-bundle"])
def handler_module(request):
    """The handler as readable modules, and as the inline code the template carries."""
    return index if request.param == "modules" else bundled_module()


@pytest.fixture
def clients(monkeypatch):
    """``boto3.client`` as the handler (modules and bundle alike) gets it: a stand-in put here under
    the service's name, else the real client (moto's, while moto is on)."""
    real = boto3.client
    stand_ins: dict = {}
    monkeypatch.setattr(boto3, "client", lambda service, *a, **kw: stand_ins[service] if service in stand_ins
                        else real(service, *a, **kw))
    return stand_ins


class CloudFormation:
    """CloudFormation's record of the stack, answered through a real botocore client with Stubber,
    which checks every DescribeStackResource request and answer against the service model. Each
    answer is queued for one call; a test fails if a queued answer is never asked for."""

    def __init__(self):
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name=REGION)
        self.client = session.client("cloudformation")
        self.stub = Stubber(self.client)
        self.stub.activate()

    def shows(self, event, **record):
        """The stack's record of the event's resource, as CloudFormation shows it while it waits for
        this request, with ``record``'s fields instead (None leaves a field out)."""
        genuine = {
            "StackName": event["StackId"].split("/")[1], "StackId": event["StackId"],
            "LogicalResourceId": event["LogicalResourceId"], "PhysicalResourceId": event.get("PhysicalResourceId"),
            "ResourceType": RESOURCE_TYPE,
            "LastUpdatedTimestamp": datetime.datetime(2026, 11, 23, 9, 30, tzinfo=datetime.timezone.utc),
            "ResourceStatus": f"{event['RequestType'].upper()}_IN_PROGRESS",
            "Metadata": json.dumps({"aws:cdk:path": "Account/PasswordPolicy/Resource"}),
            "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"}}
        detail = {k: v for k, v in dict(genuine, **record).items() if v is not None}
        self.stub.add_response("describe_stack_resource", {"StackResourceDetail": detail}, self._params(event))

    def fails(self, event, code, message, status=400):
        """DescribeStackResource refused: AccessDenied, ValidationError ("... does not exist ..."), Throttling."""
        self.stub.add_client_error("describe_stack_resource", service_error_code=code, service_message=message,
                                   http_status_code=status, expected_params=self._params(event))

    @staticmethod
    def _params(event):
        return {"StackName": event["StackId"], "LogicalResourceId": event["LogicalResourceId"]}


@pytest.fixture
def cloudformation(clients):
    cfn = CloudFormation()
    clients["cloudformation"] = cfn.client
    yield cfn
    cfn.stub.assert_no_pending_responses()


@pytest.fixture
def aws(moto_aws):
    """moto's IAM (the shared ``moto_aws`` fixture, tests/conftest.py)."""
    return boto3.session.Session().client("iam")


def event(server, request_type, props=None, physical_id=None, old=None, **fields):
    """A custom-resource event as CloudFormation sends it for this stack's resource; ``fields``
    replace any of its fields (StackId, LogicalResourceId, ResponseURL, ...)."""
    request_id = f"{request_type.lower()}-{len(server.bodies)}-5f1e0c7a-3b7d-4a44-9a8e-2c1d8f0b6e51"
    stack_id, logical_id = fields.get("StackId", STACK_ID), fields.get("LogicalResourceId", LOGICAL_ID)
    e = {"RequestType": request_type, "ServiceToken": FUNCTION_ARN,
         "ResponseURL": response_url(stack_id, logical_id, request_id),
         "StackId": stack_id, "RequestId": request_id, "LogicalResourceId": logical_id,
         "ResourceType": RESOURCE_TYPE, "ResourceProperties": dict(props or {}, ServiceToken=FUNCTION_ARN)}
    if physical_id is not None:
        e["PhysicalResourceId"] = physical_id
    if old is not None:
        e["OldResourceProperties"] = dict(old, ServiceToken=FUNCTION_ARN)
    e.update(fields)
    return e


def cfn_props(**policy):
    """Properties as CloudFormation delivers them: every value a string."""
    base = {"MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
            "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
            "AllowUsersToChangePassword": True, "HardExpiry": False, "MaxPasswordAge": 90,
            "PasswordReusePrevention": 24, "OnDelete": "restore"}
    base.update(policy)
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in base.items() if v is not None}
