"""Protocol and fault injection for the cleanup handler: every path ends in exactly one response
within the Lambda's time, the body stays under CloudFormation's cap, throttling is retried, lists are
paged, and a failure leaves a traceback in the function's log."""

from __future__ import annotations

import datetime
import http.server
import threading
import time

import boto3
import botocore.handlers
import pytest
from botocore.stub import Stubber

from iam_constructs import limits
from iam_constructs import user_cleanup
from iam_constructs._inline_function import retry_environment
from iam_constructs.user_cleanup.handler import external, index, plan
from tests.cleanup.conftest import REGION, Context, bundled_module, event, props

USER = "jane.smith"
PHYSICAL_ID = f"IamUserCleanup/{USER}"


def test_inline_source_defines_the_handler():
    assert callable(bundled_module().handler)


def test_a_failure_logs_a_traceback_naming_the_function(clients, response_server, capfd):
    """CloudWatch gets where a request failed: the function and the line of the inline code."""
    e = event(response_server, "Create", {**props(), "StackLoginProfile": "maybe"})
    bundled_module().handler(e, Context())
    assert response_server.last["Status"] == "FAILED"
    log = capfd.readouterr()
    trace = log.err + log.out
    assert 'File "index.py"' in trace and ", in checked" in trace and ", in run" in trace, trace
    assert e["ResponseURL"] not in trace  # the URL is a credential


def test_response_body_fields(clients, response_server, handler_module):
    e = event(response_server, "Create", props())
    handler_module.handler(e, Context())
    assert response_server.attempts == 1
    assert response_server.last == {"Status": "SUCCESS", "Reason": "", "PhysicalResourceId": PHYSICAL_ID,
                                    "StackId": e["StackId"], "RequestId": e["RequestId"],
                                    "LogicalResourceId": e["LogicalResourceId"]}


@pytest.mark.parametrize("bad", [{"UserName": ""}, {"UserLogicalId": ""}, {"StackLoginProfile": "yes"},
                                 {"StackLoginProfile": None}])
def test_malformed_properties_fail_create_without_any_call(clients, response_server, handler_module, bad):
    handler_module.handler(event(response_server, "Create", {**props(), **bad}), Context())
    assert response_server.last["Status"] == "FAILED"
    assert response_server.last["Reason"].startswith(f"ValueError: {next(iter(bad))}: ")
    assert clients.made == []


@pytest.mark.parametrize("not_an_event", [{}, {"RequestType": "Delete"}, "Delete jane.smith"])
def test_input_that_is_no_custom_resource_event_is_not_answered(clients, response_server, handler_module,
                                                                 not_an_event):
    handler_module.handler(not_an_event, Context())  # logged, not raised: nothing to answer
    assert response_server.attempts == 0 and clients.made == []


def test_unknown_request_type_fails(clients, response_server, handler_module):
    handler_module.handler(event(response_server, "Replace", props(), physical_id=PHYSICAL_ID), Context())
    assert response_server.last["Status"] == "FAILED" and "Replace" in response_server.last["Reason"]
    assert response_server.last["PhysicalResourceId"] == PHYSICAL_ID


def test_stack_ids_are_never_lists_of_characters():
    """A malformed id list is only tested with ``in``: it can keep more, never remove what the stack made."""
    spec = plan.checked(dict(props(keys=["AKIAEXAMPLE"], login_profile=True), StackAccessKeys="AKIAEXAMPLE"))
    held = {what: [] for what, _, _ in plan.HOLDINGS}
    held.update(access_keys=["AKIAEXAMPLE"])
    assert list(plan.removals(spec, held)) == []


def test_removals_order_and_what_the_stack_made():
    spec = plan.checked(props(keys=["AKIASTACK"], groups=["developers"], policies=["arn:aws:iam::1:policy/p"]))
    held = {"mfa_devices": ["arn:aws:iam::1:mfa/phone", "GAHT1"], "ssh_public_keys": ["APKA1"],
            "signing_certificates": ["CERT1"], "service_specific_credentials": ["ACCA1"],
            "access_keys": ["AKIASTACK", "AKIAHAND"], "user_policies": ["inline"],
            "attached_user_policies": ["arn:aws:iam::1:policy/p", "arn:aws:iam::1:policy/q"],
            "groups_for_user": ["developers", "on-call"]}
    u = {"UserName": USER}
    assert list(plan.removals(spec, held)) == [
        ("deactivate_mfa_device", dict(u, SerialNumber="arn:aws:iam::1:mfa/phone")),
        ("delete_virtual_mfa_device", {"SerialNumber": "arn:aws:iam::1:mfa/phone"}),
        ("deactivate_mfa_device", dict(u, SerialNumber="GAHT1")),
        ("delete_ssh_public_key", dict(u, SSHPublicKeyId="APKA1")),
        ("delete_signing_certificate", dict(u, CertificateId="CERT1")),
        ("delete_service_specific_credential", dict(u, ServiceSpecificCredentialId="ACCA1")),
        ("delete_access_key", dict(u, AccessKeyId="AKIAHAND")),
        ("delete_user_policy", dict(u, PolicyName="inline")),
        ("detach_user_policy", dict(u, PolicyArn="arn:aws:iam::1:policy/q")),
        ("remove_user_from_group", dict(u, GroupName="on-call")),
        ("delete_login_profile", u),  # whether or not there is one: none answers NoSuchEntity
    ]
    assert ("delete_login_profile", u) not in plan.removals(plan.checked(props(login_profile=True)), held)


def test_whether_the_template_keeps_the_user():
    uid = props()["UserLogicalId"]
    user = {"Type": "AWS::IAM::User", "Properties": {"UserName": USER, "Path": "/"}}
    assert plan.stays(props(), {"Resources": {uid: user}})
    assert not plan.stays(props(), {"Resources": {}})
    assert not plan.stays(props(), {"Resources": {uid: dict(user, Properties={"UserName": "jane.doe"})}})
    assert not plan.stays(props(), {"Resources": {uid: dict(user, Type="AWS::IAM::Role")}})
    assert not plan.stays(props(), {"Resources": {uid: {"Type": "AWS::IAM::User"}}})  # a generated name
    assert plan.stays(props(), f"Resources:\n  {uid}:\n    Type: AWS::IAM::User\n    Properties:\n"
                               f"      UserName: {USER}\n")
    assert not plan.stays(props(), "Resources:\n  Other:\n    Type: AWS::IAM::User\n")


def test_botocore_decodes_a_json_template_body_and_leaves_yaml_as_text():
    """What ``plan.stays`` is given: GetTemplate's TemplateBody as a dict for JSON, as a string for YAML."""
    cfn = boto3.session.Session().client("cloudformation", region_name=REGION, aws_access_key_id="x",
                                         aws_secret_access_key="x")
    with Stubber(cfn) as stub:
        stub.add_response("get_template", {"TemplateBody": '{"Resources": {"U": {"Type": "AWS::IAM::User"}}}'})
        stub.add_response("get_template", {"TemplateBody": "Resources:\n  U:\n    Type: AWS::IAM::User\n"})
        assert cfn.get_template(StackName="s")["TemplateBody"] == {"Resources": {"U": {"Type": "AWS::IAM::User"}}}
        assert cfn.get_template(StackName="s")["TemplateBody"] == "Resources:\n  U:\n    Type: AWS::IAM::User\n"


def test_iam_actions_are_exactly_the_calls_the_handler_makes():
    iam = boto3.session.Session().client("iam", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    api = iam.meta.method_to_api_mapping
    calls = {"get_user", "delete_login_profile", "delete_virtual_mfa_device"}
    for what, _, remover in plan.HOLDINGS:
        calls |= {"list_" + what, remover}
    declared = [a for actions in user_cleanup.IAM_ACTIONS.values() for a in actions]
    assert sorted(declared) == sorted({f"iam:{api[c]}" for c in calls})
    cfn = boto3.session.Session().client("cloudformation", region_name=REGION)
    assert sorted(f"cloudformation:{cfn.meta.method_to_api_mapping[c]}" for c in
                  ("describe_stack_resource", "describe_stacks", "get_template")) == \
        sorted(user_cleanup.CLOUDFORMATION_ACTIONS)


def test_the_departure_calls_only_declared_actions(iam_model, clients, response_server):
    """A person removed from the roster, cleaned in the update's cleanup phase: every declared action is
    called, and no other."""
    from tests.cleanup.conftest import template
    from tests.cleanup.test_handler import departing_person
    called = []
    hook = ("before-parameter-build.iam", lambda model, **_: called.append(f"iam:{model.name}"))
    botocore.handlers.BUILTIN_HANDLERS.append(hook)
    clients.cfn.meta.events.register("before-parameter-build.cloudformation",
                                     lambda model, **_: called.append(f"cloudformation:{model.name}"))
    boto3.DEFAULT_SESSION = None
    try:
        p = departing_person(iam_model.client)
        called.clear()
        e = event(response_server, "Delete", p.props, physical_id=PHYSICAL_ID)
        clients.deleting(e, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", template("ci-bot"))
        index.handler(e, Context())
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(hook)
    assert response_server.last["Status"] == "SUCCESS"
    declared = {a for actions in user_cleanup.IAM_ACTIONS.values() for a in actions}
    assert {c for c in called if c.startswith("iam:")} == declared  # every declared action used, none other
    assert [c for c in called if c.startswith("cloudformation:")] == list(user_cleanup.CLOUDFORMATION_ACTIONS)


# -- IAM faults ----------------------------------------------------------------------------------------
def _stubbed_iam():
    iam = boto3.session.Session().client("iam", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return iam, Stubber(iam)


def test_iam_errors_become_failed_with_the_reason(clients, response_server):
    iam, stub = _stubbed_iam()
    stub.add_response("get_user", {"User": {"Path": "/", "UserName": USER, "UserId": "AIDAEXAMPLE000000000",
                                            "Arn": f"arn:aws:iam::123456789012:user/{USER}",
                                            "CreateDate": datetime.datetime(2026, 1, 1)}})
    stub.add_client_error("list_mfa_devices", "Throttling", "Rate exceeded", http_status_code=400)
    stub.activate()
    clients.iam = iam
    e = event(response_server, "Delete", props(), physical_id=PHYSICAL_ID)
    clients.deleting(e)
    index.handler(e, Context())
    assert response_server.last["Status"] == "FAILED"
    assert response_server.last["Reason"] == ("ClientError: An error occurred (Throttling) when calling the "
                                              "ListMFADevices operation: Rate exceeded")


def test_throttling_is_retried_by_botocore_standard_mode(aws_env, monkeypatch):
    """A real IAM endpoint on 127.0.0.1 that throttles twice: the handler's client retries and gets the
    answer (botocore's standard mode: up to 10 retries)."""
    seen = []

    class Throttling(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(self.path)
            if len(seen) <= 2:
                status, text = 400, ("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                                     "<Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>")
            else:
                status, text = 200, ("<ListGroupsForUserResponse><ListGroupsForUserResult><Groups/>"
                                     "<IsTruncated>false</IsTruncated></ListGroupsForUserResult>"
                                     "</ListGroupsForUserResponse>")
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", f"http://127.0.0.1:{server.server_address[1]}")
        for key, value in retry_environment(11).items():  # as the cleanup function's environment sets them
            monkeypatch.setenv(key, value)
        iam = boto3.client("iam")
        assert iam.meta.config.retries == {"mode": "standard", "total_max_attempts": 11}
        assert external.list_all(iam, "groups_for_user", "GroupName", USER) == []
        assert len(seen) == 3
    finally:
        server.shutdown()
        server.server_close()


def test_lists_are_followed_page_after_page():
    iam, stub = _stubbed_iam()
    serials = [f"arn:aws:iam::123456789012:mfa/{USER}-{n}" for n in range(8)]
    for n, start in enumerate((0, 3, 6)):
        page = {"MFADevices": [{"UserName": USER, "SerialNumber": s, "EnableDate": datetime.datetime(2026, 1, 1)}
                               for s in serials[start:start + 3]], "IsTruncated": start < 6}
        if start < 6:
            page["Marker"] = f"m{n}"
        stub.add_response("list_mfa_devices", page, dict({"UserName": USER}, **({"Marker": f"m{n - 1}"} if n else {})))
    stub.add_response("list_user_policies", {"PolicyNames": ["a", "b"], "IsTruncated": True, "Marker": "p"},
                      {"UserName": USER})
    stub.add_response("list_user_policies", {"PolicyNames": ["c"], "IsTruncated": False},
                      {"UserName": USER, "Marker": "p"})
    with stub:
        assert external.list_all(iam, "mfa_devices", "SerialNumber", USER) == serials
        assert external.list_all(iam, "user_policies", "PolicyName", USER) == ["a", "b", "c"]
        stub.assert_no_pending_responses()


# -- the answer ----------------------------------------------------------------------------------------
def test_guard_answers_before_the_lambda_timeout(clients, response_server, monkeypatch):
    monkeypatch.setattr(index, "clean", lambda spec: time.sleep(3))
    e = event(response_server, "Delete", props(), physical_id=PHYSICAL_ID)
    clients.deleting(e)
    started = time.monotonic()
    index.handler(e, Context(seconds=index.GUARD_SECONDS + 1))
    assert [b["Status"] for b in response_server.bodies] == ["FAILED"]  # the late success is not sent
    assert response_server.last["Reason"] == "timed out"
    assert response_server.last["PhysicalResourceId"] == PHYSICAL_ID
    assert time.monotonic() - started < 10


def test_response_stays_under_4096_bytes(clients, response_server, handler_module):
    handler_module.handler(event(response_server, "Create", dict(props(), StackLoginProfile="x" * 10000)),
                           Context())
    assert response_server.last["Status"] == "FAILED"
    assert len(response_server.raw) <= limits.CUSTOM_RESOURCE_RESPONSE_MAX_BYTES
    assert response_server.last["Reason"].startswith("ValueError: StackLoginProfile: 'xxx")


def test_response_url_refusing_first_attempts_is_retried(clients, response_server, monkeypatch):
    monkeypatch.setattr(external.time, "sleep", lambda s: None)
    response_server.refuse_first = 2
    index.handler(event(response_server, "Create", props()), Context())
    assert response_server.attempts == 3 and response_server.last["Status"] == "SUCCESS"


def test_send_gives_up_after_five_attempts(monkeypatch):
    pauses = []
    monkeypatch.setattr(external.time, "sleep", pauses.append)
    assert external.send("http://127.0.0.1:9/closed", b"{}") is None
    assert pauses == [1, 2, 4, 8, 16]


def test_log_lines_name_the_request_not_the_properties(clients, response_server, handler_module, capsys):
    handler_module.handler(event(response_server, "Create", props(keys=["AKIASTACKKEY"])), Context())
    assert capsys.readouterr().out == "SUCCESS \n"
