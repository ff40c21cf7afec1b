"""The cleanup handler (readable modules and the inline bundle) through the custom-resource protocol,
against the strict IAM model: a person who leaves with the stack or its template is cleaned, one who
stays is left as they are, and forged or unverifiable requests change nothing."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.cleanup.conftest import (LOGICAL_ID, SSH_KEY, Context, certificate, event, props, template,
                                   user_logical_id)

USER = "jane.smith"
PHYSICAL_ID = f"IamUserCleanup/{USER}"
DOC = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'


@dataclasses.dataclass
class Person:
    props: dict
    stack_key: str
    stack_policy: str
    hand_key: str
    mfa: str
    secrets: list


def _enable(iam, serial, user=USER):
    iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")


def departing_person(iam, user=USER, stack_login_profile=False) -> Person:
    """A user as its stack made it (one access key, the developers group, a managed policy, and a
    login profile if ``stack_login_profile``), plus everything added outside the stack: an enrolled
    virtual MFA device, a second access key, an SSH key, a signing certificate, a service-specific
    credential, a hand-attached and an inline policy, a hand-made group membership, and (when the
    stack made none) a login profile."""
    iam.create_user(UserName=user, Path="/developers/")
    stack_key = iam.create_access_key(UserName=user)["AccessKey"]
    if "developers" not in [g["GroupName"] for g in iam.list_groups()["Groups"]]:
        iam.create_group(GroupName="developers", Path="/teams/")
        iam.create_policy(PolicyName="developer-tools", PolicyDocument=DOC)
        iam.create_group(GroupName="on-call")
        iam.create_policy(PolicyName="by-hand", PolicyDocument=DOC)
    stack_policy = "arn:aws:iam::123456789012:policy/developer-tools"
    iam.add_user_to_group(GroupName="developers", UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn=stack_policy)
    iam.create_login_profile(UserName=user, Password="Corr3ct-horse-battery!")

    mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
    _enable(iam, mfa, user)
    hand_key = iam.create_access_key(UserName=user)["AccessKey"]
    iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=SSH_KEY)
    iam.upload_signing_certificate(UserName=user, CertificateBody=certificate())
    credential = iam.create_service_specific_credential(UserName=user, ServiceName="codecommit.amazonaws.com")
    iam.attach_user_policy(UserName=user, PolicyArn="arn:aws:iam::123456789012:policy/by-hand")
    iam.put_user_policy(UserName=user, PolicyName="inline-by-hand", PolicyDocument=DOC)
    iam.add_user_to_group(GroupName="on-call", UserName=user)
    return Person(
        props=props(user, keys=[stack_key["AccessKeyId"]], login_profile=stack_login_profile, groups=["developers"],
                    policies=[stack_policy]),
        stack_key=stack_key["AccessKeyId"], stack_policy=stack_policy, hand_key=hand_key["AccessKeyId"], mfa=mfa,
        secrets=[stack_key["SecretAccessKey"], hand_key["SecretAccessKey"],
                 credential["ServiceSpecificCredential"]["ServicePassword"], "Corr3ct-horse-battery!"])


def cloudformation_deletes_the_user(iam, p: Person):
    """What CloudFormation does after the cleanup resource is gone: delete the stack's access key,
    then the AWS::IAM::User (its Groups, ManagedPolicyArns and LoginProfile, then DeleteUser)."""
    user = p.props["UserName"]
    for key in p.props["StackAccessKeys"]:
        iam.delete_access_key(UserName=user, AccessKeyId=key)
    for group in p.props["StackGroups"]:
        iam.remove_user_from_group(GroupName=group, UserName=user)
    for arn in p.props["StackManagedPolicies"]:
        iam.detach_user_policy(UserName=user, PolicyArn=arn)
    if p.props["StackLoginProfile"] == "true":
        iam.delete_login_profile(UserName=user)
    iam.delete_user(UserName=user)


def _delete(handler_module, server, clients, p, stack_status="DELETE_IN_PROGRESS", body=None):
    """CloudFormation's Delete of the person's cleanup resource, while the stack is in ``stack_status``
    and (outside a stack delete) its current template is ``body``."""
    e = event(server, "Delete", p.props, physical_id=f"IamUserCleanup/{p.props['UserName']}")
    clients.deleting(e, stack_status, body)
    handler_module.handler(e, Context())
    return server.last


def test_departure_with_cleanup_lets_cloudformation_delete_the_user(iam_model, clients, response_server,
                                                                     handler_module, capsys):
    iam = iam_model.client
    p = departing_person(iam)
    answer = _delete(handler_module, response_server, clients, p)
    assert answer["Status"] == "SUCCESS", answer
    assert answer["PhysicalResourceId"] == PHYSICAL_ID

    # Left for CloudFormation: the stack's key, group and managed policy. Everything else is gone.
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]] == [p.stack_key]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=USER)["Groups"]] == ["developers"]
    assert [a["PolicyArn"] for a in iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]] == \
        [p.stack_policy]
    held = iam_model.holdings(USER)
    assert {name for name, ids in held.items() if ids} == {"access keys", "attached managed policies",
                                                           "group memberships"}
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []  # the device's name is free again
    clients.stub.assert_no_pending_responses()

    cloudformation_deletes_the_user(iam, p)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName=USER)

    out = capsys.readouterr().out
    actions = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert {a["Action"] for a in actions} == {
        "deactivate_mfa_device", "delete_virtual_mfa_device", "delete_ssh_public_key", "delete_signing_certificate",
        "delete_service_specific_credential", "delete_access_key", "delete_user_policy", "detach_user_policy",
        "remove_user_from_group", "delete_login_profile"}
    assert all(a.get("UserName", USER) == USER for a in actions)
    assert {"UserName": USER, "AccessKeyId": p.hand_key, "Action": "delete_access_key"} in actions
    assert not any(secret in out for secret in p.secrets)


def test_departure_without_cleanup_fails_with_delete_conflict(iam_model):
    """The same departure with the cleanup step skipped: IAM refuses DeleteUser, as it does for
    CloudFormation today (aws-cdk issues 16511 and 19806)."""
    iam = iam_model.client
    p = departing_person(iam)
    with pytest.raises(iam.exceptions.DeleteConflictException) as err:
        cloudformation_deletes_the_user(iam, p)
    assert err.value.response["Error"]["Message"] == "Cannot delete entity, must delete login profile first."
    iam.get_user(UserName=USER)


def test_a_login_profile_the_stack_made_is_left_to_cloudformation(iam_model, clients, response_server,
                                                                   handler_module):
    iam = iam_model.client
    p = departing_person(iam, stack_login_profile=True)
    assert _delete(handler_module, response_server, clients, p)["Status"] == "SUCCESS"
    assert iam.get_login_profile(UserName=USER)["LoginProfile"]["UserName"] == USER
    cloudformation_deletes_the_user(iam, p)


def test_hardware_mfa_is_deactivated_not_deleted(iam_model, clients, response_server, handler_module, capsys):
    iam = iam_model.client
    iam.create_user(UserName=USER)
    _enable(iam, "GAHT12345678")
    p = Person(props(), "", "", "", "GAHT12345678", [])
    assert _delete(handler_module, response_server, clients, p)["Status"] == "SUCCESS"
    actions = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert actions == [{"UserName": USER, "SerialNumber": "GAHT12345678", "Action": "deactivate_mfa_device"}]
    iam.delete_user(UserName=USER)


def test_eight_mfa_devices_and_ten_groups(iam_model, clients, response_server, handler_module):
    iam = iam_model.client
    iam.create_user(UserName=USER)
    for n in range(8):
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{USER}-{n}")["VirtualMFADevice"]
        _enable(iam, device["SerialNumber"])
    for n in range(10):
        iam.create_group(GroupName=f"team-{n}")
        iam.add_user_to_group(GroupName=f"team-{n}", UserName=USER)
    p = Person(props(groups=["team-3"]), "", "", "", "", [])
    assert _delete(handler_module, response_server, clients, p)["Status"] == "SUCCESS"
    assert iam.list_mfa_devices(UserName=USER)["MFADevices"] == []
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=USER)["Groups"]] == ["team-3"]


# -- leaving or staying ------------------------------------------------------------------------------
def _removals(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_a_failed_create_rolled_back_deletes_the_user_so_it_is_cleaned(iam_model, clients, response_server,
                                                                       handler_module):
    """ROLLBACK_IN_PROGRESS: a failed create deletes everything; no template is read."""
    iam = iam_model.client
    p = departing_person(iam)
    assert _delete(handler_module, response_server, clients, p, "ROLLBACK_IN_PROGRESS")["Status"] == "SUCCESS"
    clients.stub.assert_no_pending_responses()
    cloudformation_deletes_the_user(iam, p)


@pytest.mark.parametrize("body", [
    template("ci-bot"),  # removed from the roster: the user and its cleanup left the template
    {"Resources": {user_logical_id(USER): {"Type": "AWS::IAM::User", "Properties": {"UserName": "jane.doe"}}}},
    {"Resources": {user_logical_id(USER): {"Type": "AWS::IAM::Group", "Properties": {"GroupName": USER}}}},
], ids=["absent", "renamed", "not-a-user"])
def test_a_user_the_current_template_no_longer_holds_is_cleaned(iam_model, clients, response_server,
                                                                 handler_module, body, capsys):
    """UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: GetTemplate shows the template the update moved to. Under
    the user's logical id there is nothing, a user of another name (a rename replaces the user), or
    another kind of resource: the user is leaving."""
    iam = iam_model.client
    p = departing_person(iam)
    answer = _delete(handler_module, response_server, clients, p, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", body)
    assert answer["Status"] == "SUCCESS", answer
    assert {"UserName": USER, "SerialNumber": p.mfa, "Action": "deactivate_mfa_device"} in _removals(capsys)
    clients.stub.assert_no_pending_responses()
    cloudformation_deletes_the_user(iam, p)


@pytest.mark.parametrize("status,body", [
    # (b) the cleanup switched off for this user: its resource left the template, the user did not
    ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", template(USER, "ci-bot", cleanup={"ci-bot"})),
    # (c) switched off for the whole roster: every cleanup resource left the template
    ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", template(USER, "ci-bot", cleanup=False)),
    # (a) the first deployment adding cleanup resources to existing users failed: the rollback deletes
    # them, and GetTemplate shows the template rolled back to, where the users stand without them
    ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", template(USER, "ci-bot", cleanup=False)),
], ids=["switched-off-for-the-user", "switched-off-for-the-roster", "first-deployment-rolled-back"])
def test_a_user_who_stays_is_left_as_they_are(iam_model, clients, response_server, handler_module, status, body,
                                              capsys):
    iam = iam_model.client
    p = departing_person(iam)
    before = iam_model.holdings(USER)
    answer = _delete(handler_module, response_server, clients, p, status, body)
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == PHYSICAL_ID, answer
    assert iam_model.holdings(USER) == before
    assert clients.made == ["cloudformation"]  # no IAM client was even made
    assert f"{status} stays" in capsys.readouterr().out
    clients.stub.assert_no_pending_responses()


@pytest.mark.parametrize("users,stays", [((USER, "ci-bot"), True), (("ci-bot",), False)], ids=["holds", "lacks"])
def test_a_yaml_template_is_read_as_text(iam_model, clients, response_server, handler_module, users, stays):
    """boto3 decodes a JSON TemplateBody into a dict and leaves YAML as a string. The Lambda runtime has
    no YAML parser: the user stays while the text names both its logical id and its name."""
    import yaml
    iam = iam_model.client
    p = departing_person(iam)
    before = iam_model.holdings(USER)
    body = yaml.safe_dump(template(*users, cleanup=False))
    assert f"{user_logical_id('ci-bot')}:\n" in body  # YAML, not JSON
    answer = _delete(handler_module, response_server, clients, p, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", body)
    assert answer["Status"] == "SUCCESS", answer
    assert (iam_model.holdings(USER) == before) is stays
    clients.stub.assert_no_pending_responses()


@pytest.mark.parametrize("operation", ["describe_stacks", "get_template"])
@pytest.mark.parametrize("code,message", [
    ("Throttling", "Rate exceeded"),  # the last answer, once botocore's retries are spent
    ("AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/Users-0-Role/fn is not authorized"),
])
def test_when_the_stack_cannot_be_read_nothing_is_touched(iam_model, clients, response_server, handler_module,
                                                          operation, code, message):
    """DescribeStacks or GetTemplate failing (throttled beyond the client's retries, or refused) answers
    FAILED with the reason, and no IAM client is made."""
    iam = iam_model.client
    p = departing_person(iam)
    before = iam_model.holdings(USER)
    e = event(response_server, "Delete", p.props, physical_id=PHYSICAL_ID)
    clients.record(e)
    if operation == "get_template":
        clients.stack(e, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    clients.stub.add_client_error(operation, code, message, http_status_code=400 if code == "Throttling" else 403)
    handler_module.handler(e, Context())
    answer = response_server.last
    api = {"describe_stacks": "DescribeStacks", "get_template": "GetTemplate"}[operation]
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == f"ClientError: An error occurred ({code}) when calling the {api} operation: {message}"
    assert answer["PhysicalResourceId"] == PHYSICAL_ID
    assert clients.made == ["cloudformation"] and iam_model.holdings(USER) == before
    clients.stub.assert_no_pending_responses()


def test_missing_user_is_success(iam_model, clients, response_server, handler_module, capsys):
    p = Person(props(user="already.gone"), "", "", "", "", [])
    answer = _delete(handler_module, response_server, clients, p)
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == "IamUserCleanup/already.gone"
    assert "already.gone" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["Create", "Update"])
def test_create_and_update_touch_nothing(iam_model, clients, response_server, handler_module, kind):
    iam = iam_model.client
    p = departing_person(iam)
    before = iam_model.holdings(USER)
    e = event(response_server, kind, p.props, physical_id=None if kind == "Create" else PHYSICAL_ID)
    if kind == "Update":
        e["OldResourceProperties"] = dict(p.props, StackGroups=[])
    handler_module.handler(e, Context())
    answer = response_server.last
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == PHYSICAL_ID
    assert clients.made == []  # no IAM client, no CloudFormation client: no call at all
    assert iam_model.holdings(USER) == before


def test_the_old_copy_of_a_replaced_cleanup_resource_is_refused(iam_model, clients, response_server,
                                                                handler_module):
    """A new UserName answers a new physical id, and CloudFormation deletes the old copy in the cleanup
    phase. The library never does this (a user's logical id follows from its name: a rename removes
    one user and adds another), and the stack's record of the logical id now shows the new copy, so
    that Delete cannot be verified: it is refused and nothing is touched."""
    iam = iam_model.client
    old = departing_person(iam)
    new_props = dict(old.props, UserName="jane.doe")
    iam.create_user(UserName="jane.doe")
    handler_module.handler(event(response_server, "Update", new_props, physical_id=PHYSICAL_ID,
                                 OldResourceProperties=old.props), Context())
    assert response_server.last["PhysicalResourceId"] == "IamUserCleanup/jane.doe"
    assert clients.made == []

    before = iam_model.holdings(USER)
    e = event(response_server, "Delete", old.props, physical_id=PHYSICAL_ID)
    clients.record(e, "UPDATE_COMPLETE", physical_id="IamUserCleanup/jane.doe")
    handler_module.handler(e, Context())
    assert response_server.last["Status"] == "FAILED"
    assert "PermissionError: unverified" in response_server.last["Reason"]
    assert iam_model.holdings(USER) == before
    clients.stub.assert_no_pending_responses()


def test_user_removed_from_the_template_is_cleaned(iam_model, clients, response_server, handler_module):
    """The person's entry is deleted from the roster: in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS the stack's
    record shows the cleanup resource DELETE_IN_PROGRESS (it stays a resource of the stack until its
    delete is done) and the current template no longer has the user."""
    iam = iam_model.client
    p = departing_person(iam)
    answer = _delete(handler_module, response_server, clients, p, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
                     template("ci-bot"))
    assert answer["Status"] == "SUCCESS", answer
    cloudformation_deletes_the_user(iam, p)


def test_delete_after_a_failed_create_touches_nothing(iam_model, clients, response_server, handler_module):
    iam = iam_model.client
    p = departing_person(iam)
    handler_module.handler(event(response_server, "Create", dict(p.props, StackLoginProfile="maybe")), Context())
    failed = response_server.last
    assert failed["Status"] == "FAILED" and "StackLoginProfile" in failed["Reason"]
    assert failed["PhysicalResourceId"].startswith("IamUserCleanup/failed/")
    before = iam_model.holdings(USER)
    handler_module.handler(event(response_server, "Delete", dict(p.props, StackLoginProfile="maybe"),
                                 physical_id=failed["PhysicalResourceId"]), Context())
    assert response_server.last["Status"] == "SUCCESS"
    assert clients.made == [] and iam_model.holdings(USER) == before


# -- forged events: refused, IAM untouched -----------------------------------------------------------
@pytest.mark.parametrize("status,physical_id,resource_type", [
    ("UPDATE_COMPLETE", PHYSICAL_ID, "Custom::IamUserCleanup"),      # not being deleted
    ("DELETE_IN_PROGRESS", "IamUserCleanup/ci-bot", "Custom::IamUserCleanup"),  # another user's resource
    ("DELETE_IN_PROGRESS", PHYSICAL_ID, "Custom::AccountPasswordPolicy"),  # another kind of resource
    ("DELETE_COMPLETE", PHYSICAL_ID, "Custom::IamUserCleanup"),      # a replay after the delete
], ids=["not-deleting", "other-physical-id", "other-type", "replay"])
def test_forged_delete_is_refused_and_iam_untouched(iam_model, clients, response_server, handler_module,
                                                    status, physical_id, resource_type):
    iam = iam_model.client
    p = departing_person(iam)
    before = iam_model.holdings(USER)
    e = event(response_server, "Delete", p.props, physical_id=PHYSICAL_ID)
    clients.record(e, status, physical_id=physical_id, resource_type=resource_type)
    handler_module.handler(e, Context())
    answer = response_server.last
    assert answer["Status"] == "FAILED" and "PermissionError: unverified" in answer["Reason"]
    assert clients.made == ["cloudformation"]  # no IAM client was even made
    assert iam_model.holdings(USER) == before
    clients.stub.assert_no_pending_responses()


@pytest.mark.parametrize("message", ["Stack with id Users-0 does not exist",
                                     f"Resource {LOGICAL_ID} does not exist for stack Users-0"],
                         ids=["no-stack", "no-resource"])
def test_delete_cloudformation_has_no_record_of_is_refused(iam_model, clients, response_server, handler_module,
                                                          message):
    iam = iam_model.client
    p = departing_person(iam)
    before = iam_model.holdings(USER)
    e = event(response_server, "Delete", p.props, physical_id=PHYSICAL_ID)
    clients.stub.add_client_error("describe_stack_resource", "ValidationError", message,
                                  expected_params={"StackName": e["StackId"],
                                                   "LogicalResourceId": e["LogicalResourceId"]})
    handler_module.handler(e, Context())
    assert response_server.last["Status"] == "FAILED" and "ValidationError" in response_server.last["Reason"]
    assert clients.made == ["cloudformation"] and iam_model.holdings(USER) == before


@pytest.mark.parametrize("override", [
    {"StackId": "arn:aws:cloudformation:us-east-1:999999999999:stack/Users-0/guid"},  # another account
    {"StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/Users-0/guid"},  # another region
    {"ResourceType": "Custom::Anything"},
    {"ResponseURL": "https://attacker.example/collect"},
    {"ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.evil.example/x"},
    {"ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.x.s3.amazonaws.com/x"},
    {"ResponseURL": "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x"},
    {"ResponseURL": "https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x"},
], ids=["account", "region", "type", "url", "url-host", "url-bucket-with-dots", "url-http", "url-region"])
def test_event_not_from_this_stacks_cloudformation_is_neither_acted_on_nor_answered(
        iam_model, clients, response_server, handler_module, override, capsys):
    iam = iam_model.client
    p = departing_person(iam)
    before = iam_model.holdings(USER)
    handler_module.handler(event(response_server, "Delete", p.props, physical_id=PHYSICAL_ID, **override), Context())
    assert response_server.attempts == 0 and clients.made == []
    assert iam_model.holdings(USER) == before
    assert "refused" in capsys.readouterr().out


def test_response_urls_cloudformation_uses_are_accepted():
    from iam_constructs.user_cleanup.handler.plan import origin
    for host in ("cloudformation-custom-resource-response-useast1.s3.amazonaws.com",
                 "cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com",
                 "cloudformation-custom-resource-response-useast1.s3-external-1.amazonaws.com"):
        e = {"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/S/g",
             "ResourceType": "Custom::IamUserCleanup", "ResponseURL": f"https://{host}/arn%3Aaws%3A?X-Amz-Signature=1"}
        assert origin(e, "arn:aws:lambda:us-east-1:123456789012:function:f") == ""
    e = {"StackId": "arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/S/g", "ResourceType":
         "Custom::IamUserCleanup", "ResponseURL":
         "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x"}
    assert origin(e, "arn:aws-cn:lambda:cn-north-1:123456789012:function:f") == ""
    e["ResponseURL"] = "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x"
    assert origin(dict(e, StackId="arn:aws:cloudformation:eu-west-1:1:stack/S/g"),
                  "arn:aws:lambda:eu-west-1:1:function:f") == ""


def test_access_denied_mid_cleanup_answers_failed_and_a_retry_finishes(iam_model, clients, response_server,
                                                                       handler_module, monkeypatch):
    """A failure part way (here IAM refuses DeleteSSHPublicKey once) answers FAILED; CloudFormation's
    retry of the delete lists again and finishes: every step tolerates work already done."""
    import botocore.handlers
    iam = iam_model.client
    p = departing_person(iam)
    refusals = [1]

    def refuse_once(**_):
        from tests.iam_model import _error
        if refusals:
            refusals.pop()
            return _error(403, "AccessDenied", "not authorized to perform iam:DeleteSSHPublicKey")

    hook = ("before-call.iam.DeleteSSHPublicKey", refuse_once)
    botocore.handlers.BUILTIN_HANDLERS.append(hook)
    monkeypatch.setattr("boto3.DEFAULT_SESSION", None)
    try:
        first = _delete(handler_module, response_server, clients, p)
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(hook)
    assert first["Status"] == "FAILED" and "AccessDenied" in first["Reason"]
    assert _delete(handler_module, response_server, clients, p)["Status"] == "SUCCESS"
    cloudformation_deletes_the_user(iam, p)

