"""A person removed from the roster, and a user stack deleted, played from the synthesized templates
against the strict IAM model: the user stack is made in IAM as CloudFormation would make it, the
person enrols MFA and acquires things by hand, then CloudFormation's delete order is played (the
cleanup resource first, with the properties the template gives it, then the stack's keys and the
user). With the library's cleanup the user is deleted; without it IAM refuses, as it does today
(aws-cdk issues 16511 and 19806)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from iam_constructs import IamGroup, IamUsers
from tests.cleanup.conftest import SSH_KEY, Context, certificate, event

TAGS = {"Owner": "platform", "Purpose": "human"}
DOC = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'


def user_stack(*, cleanup: bool, people=("jane.smith", "omar.haddad")) -> dict:
    """The user stack's template as synthesized (groups live in another stack, named by name)."""
    app = cdk.App()
    account, users = cdk.Stack(app, "Account"), cdk.Stack(app, "Users")
    developers = IamGroup(account, "Developers", group_name="developers", path="/teams/", enforce_mfa=True)
    IamUsers(users, "Users", users=[
        dict(user_name=name, path="/developers/", groups=[developers], tags=TAGS, console_access=True,
             cleanup_on_delete=cleanup) for name in people] + [
        dict(user_name="ci-bot", path="/bots/", groups=["ci"], tags={**TAGS, "Purpose": "ci"},
             programmatic_access=True, cleanup_on_delete=cleanup)])
    return app.synth().get_stack_by_name("Users").template


class Played:
    """IAM as CloudFormation left it after creating a template's users (physical ids by logical id)."""

    def __init__(self, iam, template: dict):
        self.iam, self.template, self.physical = iam, template, {}
        for group in ("developers", "ci"):
            iam.create_group(GroupName=group)
        for lid, res in self.resources("AWS::IAM::User"):
            p = res["Properties"]
            iam.create_user(UserName=p["UserName"], Path=p["Path"])
            self.physical[lid] = p["UserName"]
            for g in p.get("Groups", []):
                iam.add_user_to_group(GroupName=g, UserName=p["UserName"])
            if "LoginProfile" in p:
                iam.create_login_profile(UserName=p["UserName"], Password="Generated-by-Secrets-Manager-1!")
        for lid, res in self.resources("AWS::IAM::AccessKey"):
            user = self.physical[res["Properties"]["UserName"]["Ref"]]
            self.physical[lid] = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]

    def resources(self, kind):
        return [(lid, r) for lid, r in self.template["Resources"].items() if r["Type"] == kind]

    def resolve(self, value):
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict) and set(value) == {"Ref"}:
            return self.physical[value["Ref"]]
        return value

    def cleanup_of(self, user: str):
        for lid, res in self.resources("Custom::IamUserCleanup"):
            props = {k: self.resolve(v) for k, v in res["Properties"].items() if k not in ("ServiceToken",
                                                                                         "ServiceTimeout")}
            if props["UserName"] == user:
                return lid, props
        return None

    def delete_user(self, user: str):
        """CloudFormation's deletion of the user after its dependents: its keys, then the
        AWS::IAM::User (its login profile and groups, then DeleteUser)."""
        lid = next(lid for lid, name in self.physical.items() if name == user)
        for key_lid, res in self.resources("AWS::IAM::AccessKey"):
            if res["Properties"]["UserName"] == {"Ref": lid}:
                self.iam.delete_access_key(UserName=user, AccessKeyId=self.physical[key_lid])
        props = self.template["Resources"][lid]["Properties"]
        if "LoginProfile" in props:
            self.iam.delete_login_profile(UserName=user)
        for g in props.get("Groups", []):
            self.iam.remove_user_from_group(GroupName=g, UserName=user)
        self.iam.delete_user(UserName=user)


def enrols_and_acquires_by_hand(iam, user: str) -> None:
    """What a person does in a real account that CloudFormation never sees."""
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user}-phone")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    iam.create_access_key(UserName=user)
    iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=SSH_KEY)
    iam.upload_signing_certificate(UserName=user, CertificateBody=certificate())
    arn = iam.create_policy(PolicyName=f"by-hand-{user}", PolicyDocument=DOC)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.create_group(GroupName=f"on-call-{user}")
    iam.add_user_to_group(GroupName=f"on-call-{user}", UserName=user)


def _run_cleanup(played, clients, response_server, user, stack_status, current_template):
    lid, props = played.cleanup_of(user)
    e = event(response_server, "Delete", props, physical_id=f"IamUserCleanup/{user}", LogicalResourceId=lid)
    clients.deleting(e, stack_status, current_template)
    from iam_constructs.user_cleanup.handler import index
    index.handler(e, Context())
    return response_server.last


def test_a_person_removed_from_the_roster_is_deleted_and_the_others_untouched(iam_model, clients, response_server):
    before = user_stack(cleanup=True)
    played = Played(iam_model.client, before)
    for person in ("jane.smith", "omar.haddad"):
        enrols_and_acquires_by_hand(iam_model.client, person)
    omar = iam_model.holdings("omar.haddad")
    after = user_stack(cleanup=True, people=("omar.haddad",))  # jane.smith left the roster
    answer = _run_cleanup(played, clients, response_server, "jane.smith", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
                          after)
    assert answer["Status"] == "SUCCESS", answer
    played.delete_user("jane.smith")
    assert "jane.smith" not in [u["UserName"] for u in iam_model.client.list_users()["Users"]]
    assert not [
        d for d in iam_model.client.list_virtual_mfa_devices()["VirtualMFADevices"]
        if d["SerialNumber"].endswith("/jane.smith-phone")]  # the name can be reused
    assert iam_model.holdings("omar.haddad") == omar


def test_a_deleted_user_stack_deletes_every_user(iam_model, clients, response_server):
    template = user_stack(cleanup=True)
    played = Played(iam_model.client, template)
    for person in ("jane.smith", "omar.haddad", "ci-bot"):
        enrols_and_acquires_by_hand(iam_model.client, person)
    for user in ("jane.smith", "omar.haddad", "ci-bot"):
        assert _run_cleanup(played, clients, response_server, user, "DELETE_IN_PROGRESS", None)["Status"] == "SUCCESS"
        played.delete_user(user)
    assert iam_model.client.list_users()["Users"] == []


def test_without_the_cleanup_the_departure_is_refused_with_delete_conflict(iam_model):
    template = user_stack(cleanup=False)
    assert not [r for r in template["Resources"].values() if r["Type"] == "Custom::IamUserCleanup"]
    played = Played(iam_model.client, template)
    enrols_and_acquires_by_hand(iam_model.client, "jane.smith")
    with pytest.raises(iam_model.client.exceptions.DeleteConflictException):
        played.delete_user("jane.smith")


def test_a_person_who_stays_is_untouched_when_their_cleanup_is_switched_off(iam_model, clients, response_server):
    before = user_stack(cleanup=True)
    played = Played(iam_model.client, before)
    enrols_and_acquires_by_hand(iam_model.client, "jane.smith")
    held = iam_model.holdings("jane.smith")
    after = user_stack(cleanup=False)  # the resource leaves the template, the person stays
    answer = _run_cleanup(played, clients, response_server, "jane.smith", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
                          after)
    assert answer["Status"] == "SUCCESS" and iam_model.holdings("jane.smith") == held
