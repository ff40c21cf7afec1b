"""Protocol and fault injection: every genuine request ends in exactly one response, never a hang."""

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from iam_constructs import limits
from iam_constructs.password_policy.handler import external, index
from tests.handler.conftest import Context, bundled_module, cfn_props, event


class FakeIam:
    """Stands in for the IAM client the handler makes."""

    def __init__(self, error_code=None, delay=0.0):
        self.calls: list[str] = []
        self.error_code, self.delay = error_code, delay

    def _call(self, name, **kwargs):
        self.calls.append(name)
        time.sleep(self.delay)
        if self.error_code:
            raise ClientError({"Error": {"Code": self.error_code, "Message": f"{self.error_code} for {name}"}}, name)
        if name == "get_account_password_policy":
            raise ClientError({"Error": {"Code": "NoSuchEntity", "Message": "none"}}, name)
        return {}

    def get_account_password_policy(self):
        return self._call("get_account_password_policy")

    def update_account_password_policy(self, **kw):
        return self._call("update_account_password_policy", **kw)

    def delete_account_password_policy(self):
        return self._call("delete_account_password_policy")


@pytest.fixture
def fake_iam(clients):
    clients["iam"] = FakeIam()
    return clients


def test_response_body_fields(fake_iam, cloudformation, response_server):
    e = event(response_server, "Create", cfn_props())
    cloudformation.shows(e)
    index.handler(e, Context())
    assert response_server.attempts == 1 and len(response_server.bodies) == 1
    b = response_server.last
    assert b == {"Status": "SUCCESS", "Reason": "", "PhysicalResourceId": "IamPasswordPolicy/v1:none",
                 "StackId": e["StackId"], "RequestId": e["RequestId"], "LogicalResourceId": e["LogicalResourceId"]}
    assert fake_iam["iam"].calls == ["get_account_password_policy", "update_account_password_policy"]
    assert response_server.requested == [e["ResponseURL"]]  # the URL CloudFormation sent, and only it


@pytest.mark.parametrize("code", ["Throttling", "AccessDenied"])
def test_aws_errors_become_failed_with_readable_reason(fake_iam, cloudformation, response_server, code):
    fake_iam["iam"] = FakeIam(error_code=code)
    e = event(response_server, "Create", cfn_props())
    cloudformation.shows(e)
    index.handler(e, Context())
    b = response_server.last
    assert b["Status"] == "FAILED"
    assert code in b["Reason"] and "ClientError" in b["Reason"]
    assert b["PhysicalResourceId"].startswith("IamPasswordPolicy/failed-")


def test_botocore_throttling_error_ends_in_failed(clients, cloudformation, response_server):
    """A real botocore client's Throttling error (Stubber skips the retry loop) reaches CloudFormation."""
    client = boto3.session.Session().client("iam", region_name="us-east-1", aws_access_key_id="x",
                                            aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_client_error("get_account_password_policy", service_error_code="Throttling",
                          service_message="Rate exceeded", http_status_code=400)
    stub.activate()
    clients["iam"] = client
    e = event(response_server, "Create", cfn_props())
    cloudformation.shows(e)
    index.handler(e, Context())
    assert response_server.last["Status"] == "FAILED"
    assert "Rate exceeded" in response_server.last["Reason"]


@pytest.mark.parametrize("props,fragment", [
    (cfn_props(MinimumPasswordLength="fourteen"), "MinimumPasswordLength: 'fourteen'"),
    (cfn_props(MaxPasswordAge="2000"), "MaxPasswordAge: '2000' is not a whole number in 1-1095"),
    (cfn_props(RequireSymbols="maybe"), "RequireSymbols: 'maybe' is not true or false"),
    ({}, "MinimumPasswordLength: None"),
])
def test_malformed_properties_fail_without_calling_iam(fake_iam, cloudformation, response_server, props, fragment):
    index.handler(event(response_server, "Create", props), Context())
    assert response_server.last["Status"] == "FAILED"
    assert fragment in response_server.last["Reason"]
    assert fake_iam["iam"].calls == []


def test_unknown_request_type_fails(fake_iam, cloudformation, response_server):
    index.handler(event(response_server, "Replace", cfn_props(), physical_id="x"), Context())
    assert response_server.last["Status"] == "FAILED"
    assert "RequestType: 'Replace' is not in ('Create', 'Update', 'Delete')" in response_server.last["Reason"]
    assert response_server.last["PhysicalResourceId"] == "x"


def test_delete_of_failed_create_never_calls_iam(fake_iam, cloudformation, response_server):
    fake_iam["iam"] = FakeIam(error_code="AccessDenied")  # any call would fail
    index.handler(event(response_server, "Delete", cfn_props(), physical_id="IamPasswordPolicy/failed-req-1"),
                  Context())
    assert response_server.last["Status"] == "SUCCESS"
    assert fake_iam["iam"].calls == []


def test_response_url_refusing_first_attempts_is_retried(fake_iam, cloudformation, response_server, monkeypatch):
    monkeypatch.setattr(external.time, "sleep", lambda s: None)
    response_server.refuse_first = 2
    e = event(response_server, "Create", cfn_props())
    cloudformation.shows(e)
    index.handler(e, Context())
    assert response_server.attempts == 3
    assert response_server.last["Status"] == "SUCCESS"


def test_send_gives_up_after_bounded_attempts(monkeypatch):
    monkeypatch.setattr(external.time, "sleep", lambda s: None)
    slept = []
    monkeypatch.setattr(external.time, "sleep", slept.append)
    assert not external.send("http://127.0.0.1:9/closed", b"{}")
    assert slept == [1, 2, 4, 8, 16]  # five attempts, then it gives up


@pytest.mark.parametrize("module", ["modules", "inline-bundle"])
def test_guard_answers_before_the_lambda_timeout(fake_iam, cloudformation, response_server, module):
    handler = (index if module == "modules" else bundled_module()).handler
    fake_iam["iam"] = FakeIam(delay=3.0)
    e = event(response_server, "Create", cfn_props())
    cloudformation.shows(e)
    started = time.monotonic()
    handler(e, Context(seconds=index.GUARD_SECONDS + 1))
    assert time.monotonic() - started < 2.5  # answered while IAM was still busy
    first = response_server.bodies[0]
    assert first["Status"] == "FAILED" and first["Reason"] == "timed out"
    time.sleep(3)
    assert len(response_server.bodies) == 1  # the late success is never sent


def test_response_stays_under_4096_bytes(fake_iam, cloudformation, response_server):
    fake_iam["iam"] = FakeIam(error_code="AccessDenied" + "\"\u00e9" * 10000)  # every character escaped in JSON
    e = event(response_server, "Create", cfn_props(), LogicalResourceId="P" * 255)
    cloudformation.shows(e)
    index.handler(e, Context())
    assert response_server.last["Status"] == "FAILED"
    assert len(response_server.raw) <= limits.CUSTOM_RESOURCE_RESPONSE_MAX_BYTES


def test_not_an_event_is_logged_not_raised(capsys, response_server):
    index.handler({"RequestType": "Create"}, Context())
    index.handler("not an event", Context())
    assert capsys.readouterr().out.count("refused") == 2
    assert response_server.requested == []


def test_bundle_answers_malformed_events_too(response_server):
    bundled_module().handler(event(response_server, "Create", {"MinimumPasswordLength": "x"}), Context())
    assert response_server.last["Status"] == "FAILED"
    assert "MinimumPasswordLength: 'x'" in response_server.last["Reason"]


def test_log_lines_carry_no_properties(fake_iam, cloudformation, response_server, capsys):
    e = event(response_server, "Create", cfn_props(MinimumPasswordLength=17))
    cloudformation.shows(e)
    index.handler(e, Context())
    assert capsys.readouterr().out.splitlines() == ["SUCCESS "]
