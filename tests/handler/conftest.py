import http.server
import json
import threading
import types

import pytest

from iam_constructs.password_policy.handler import index
from iam_constructs.password_policy.handler.bundle import inline_source


class ResponseServer:
    """A real HTTP server on 127.0.0.1 standing in for CloudFormation's pre-signed ResponseURL."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.refuse_first = 0
        self.attempts = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                owner.attempts += 1
                data = self.rfile.read(int(self.headers["Content-Length"]))
                if owner.refuse_first > 0:
                    owner.refuse_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                owner.raw = data
                owner.bodies.append(json.loads(data))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/response?sig=x"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def last(self) -> dict:
        assert self.bodies, "the handler sent no response"
        return self.bodies[-1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def response_server():
    server = ResponseServer()
    yield server
    server.close()


class Context:
    def __init__(self, seconds=120.0):
        self.seconds = seconds

    def get_remaining_time_in_millis(self):
        return int(self.seconds * 1000)


def bundled_module():
    module = types.ModuleType("index")
    exec(compile(inline_source(), "index.py", "exec"), module.__dict__)
    return module


@pytest.fixture(params=["modules", "inline-bundle"])
def handler_module(request):
    """The handler as readable modules, and as the minified inline code the template carries."""
    return index if request.param == "modules" else bundled_module()


@pytest.fixture
def aws(monkeypatch):
    from moto import mock_aws
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        import boto3
        yield boto3.client("iam")


def event(server, request_type, props=None, physical_id=None, old=None):
    e = {"RequestType": request_type, "ResponseURL": server.url,
         "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Account/abc",
         "RequestId": f"req-{request_type}-{len(server.bodies)}", "LogicalResourceId": "PasswordPolicy4B0A08FE",
         "ResourceType": "Custom::AccountPasswordPolicy", "ResourceProperties": dict(props or {}, ServiceToken="arn")}
    if physical_id is not None:
        e["PhysicalResourceId"] = physical_id
    if old is not None:
        e["OldResourceProperties"] = old
    return e


def cfn_props(**policy):
    """Properties as CloudFormation delivers them: every value a string."""
    base = {"MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
            "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
            "AllowUsersToChangePassword": True, "HardExpiry": False, "MaxPasswordAge": 90,
            "PasswordReusePrevention": 24, "OnDelete": "restore"}
    base.update(policy)
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in base.items() if v is not None}
