"""The cleanup handler (readable modules and the inline bundle) through the custom-resource protocol,
against the strict IAM model: a departing person whose stack is deleted."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.cleanup.conftest import SSH_KEY, Context, certificate, event, props

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


def _delete(handler_module, server, clients, p, status="DELETE_IN_PROGRESS"):
    e = event(server, "Delete", p.props, physical_id=f"IamUserCleanup/{p.props['UserName']}")
    clients.record(e, status)
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


def test_cleanup_switched_off_leaves_the_user_as_it_is(iam_model, clients, response_server, handler_module):
    iam = iam_model.client
    p = departing_person(iam)
    p.props["Enabled"] = "false"
    before = iam_model.holdings(USER)
    answer = _delete(handler_module, response_server, clients, p)
    assert answer["Status"] == "SUCCESS" and iam_model.holdings(USER) == before
    assert clients.made == []


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


def test_renamed_user_gets_a_new_physical_id_and_the_old_copy_is_cleaned(iam_model, clients, response_server,
                                                                        handler_module):
    """A rename replaces the user: the Update answers a new physical id, and CloudFormation deletes
    the old copy in the cleanup phase. DescribeStackResource then shows the new copy, so the stack's
    newest event about the old physical id proves the Delete."""
    iam = iam_model.client
    old = departing_person(iam)
    new_props = dict(old.props, UserName="jane.doe")
    iam.create_user(UserName="jane.doe")
    handler_module.handler(event(response_server, "Update", new_props, physical_id=PHYSICAL_ID,
                                 OldResourceProperties=old.props), Context())
    assert response_server.last["PhysicalResourceId"] == "IamUserCleanup/jane.doe"
    assert clients.made == []

    e = event(response_server, "Delete", old.props, physical_id=PHYSICAL_ID)
    clients.record(e, "UPDATE_COMPLETE", physical_id="IamUserCleanup/jane.doe")
    clients.events(e, ("IamUserCleanup/jane.doe", "UPDATE_COMPLETE"), (PHYSICAL_ID, "DELETE_IN_PROGRESS"),
                   (PHYSICAL_ID, "CREATE_COMPLETE"))
    handler_module.handler(e, Context())
    assert response_server.last["Status"] == "SUCCESS", response_server.last
    cloudformation_deletes_the_user(iam, old)
    iam.delete_user(UserName="jane.doe")


def test_user_removed_from_the_template_is_cleaned(iam_model, clients, response_server, handler_module):
    """If DescribeStackResource no longer finds a resource CloudFormation is deleting in an update's
    cleanup phase, the stack's newest event about it decides."""
    iam = iam_model.client
    p = departing_person(iam)
    e = event(response_server, "Delete", p.props, physical_id=PHYSICAL_ID)
    clients.no_record(e)
    clients.events(e, (PHYSICAL_ID, "DELETE_IN_PROGRESS"))
    handler_module.handler(e, Context())
    assert response_server.last["Status"] == "SUCCESS", response_server.last
    cloudformation_deletes_the_user(iam, p)


def test_delete_after_a_failed_create_touches_nothing(iam_model, clients, response_server, handler_module):
    iam = iam_model.client
    p = departing_person(iam)
    handler_module.handler(event(response_server, "Create", dict(p.props, StackLoginProfile="maybe")), Context())
    failed = response_server.last
    assert failed["Status"] == "FAILED" and "malformed properties" in failed["Reason"]
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
    clients.events(e, (PHYSICAL_ID, status if physical_id == PHYSICAL_ID else "CREATE_COMPLETE"),
                   resource_type=resource_type)
    handler_module.handler(e, Context())
    answer = response_server.last
    assert answer["Status"] == "FAILED" and "not a Delete of CloudFormation's" in answer["Reason"]
    assert clients.made == ["cloudformation"]  # no IAM client was even made
    assert iam_model.holdings(USER) == before
    clients.stub.assert_no_pending_responses()


def test_delete_naming_a_stack_that_does_not_exist_is_refused(iam_model, clients, response_server, handler_module):
    iam = iam_model.client
    p = departing_person(iam)
    before = iam_model.holdings(USER)
    e = event(response_server, "Delete", p.props, physical_id=PHYSICAL_ID)
    clients.no_record(e)
    clients.stub.add_client_error("describe_stack_events", "ValidationError", "Stack Users-0 does not exist",
                                  expected_params={"StackName": e["StackId"]})
    handler_module.handler(e, Context())
    assert response_server.last["Status"] == "FAILED"
    assert iam_model.holdings(USER) == before


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

