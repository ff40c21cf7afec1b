"""Events that CloudFormation did not send, invoked straight on the function (readable modules and
the inline bundle alike), against moto's IAM: none of them changes the account password policy.

Incident: a forged Update set the minimum length to 6, and a forged Delete removed the policy."""

import pytest

from tests.handler.conftest import ACCOUNT, REGION, STACK_ID, Context, cfn_props, event, response_url

LIVE = {"MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "HardExpiry": False, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24}
WEAK = cfn_props(MinimumPasswordLength=6, RequireSymbols=False, RequireNumbers=False,
                 RequireUppercaseCharacters=False, MaxPasswordAge=None, PasswordReusePrevention=None)
OTHER_STACK = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Sandbox/0b7e5d10-a9d4-11f1-9c7d-0e1f2a3b4c5d"
DENIED = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/Account-PasswordPolicyRoleC298D966-1ABC/Account-Handler "
          "is not authorized to perform: cloudformation:DescribeStackResource on resource: {stack} because no "
          "identity-based policy allows the cloudformation:DescribeStackResource action")


@pytest.fixture
def account(aws, cloudformation, response_server, handler_module):
    """An account whose policy the stack created (physical id in hand), ready to be attacked."""
    aws.update_account_password_policy(**LIVE)
    created = event(response_server, "Create", cfn_props())
    cloudformation.shows(created)
    handler_module.handler(created, Context())
    assert response_server.last["Status"] == "SUCCESS"
    return {"iam": aws, "physical_id": response_server.last["PhysicalResourceId"],
            "answers": len(response_server.bodies)}


def _live(iam):
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return {k: policy.get(k) for k in LIVE}


def _refused(account, response_server, fragment):
    assert _live(account["iam"]) == LIVE, "the forged event changed the account password policy"
    assert len(response_server.bodies) == account["answers"] + 1  # one answer, to CloudFormation's bucket
    answer = response_server.last
    assert answer["Status"] == "FAILED" and answer["Reason"].startswith("PermissionError: "), answer
    assert fragment in answer["Reason"]


FORGERIES = ["wrong stack", "wrong logical id", "resource not in progress", "another request in progress",
             "wrong physical id", "another resource type"]


def _forge(kind, forgery, cloudformation, response_server, physical_id, props):
    """(the forged event, a fragment of the refusal's reason); queues the stack's record of the
    named resource as CloudFormation would show it."""
    if forgery == "wrong stack":  # the role may read only its own stack
        e = event(response_server, kind, props, physical_id=physical_id, StackId=OTHER_STACK)
        cloudformation.fails(e, "AccessDenied", DENIED.format(stack=OTHER_STACK), status=403)
        return e, "AccessDenied"
    if forgery == "wrong logical id":
        e = event(response_server, kind, props, physical_id=physical_id, LogicalResourceId="SandboxPolicy")
        cloudformation.fails(e, "ValidationError", "Resource SandboxPolicy does not exist for stack Account")
        return e, "does not exist for stack"
    if forgery == "wrong physical id":
        e = event(response_server, kind, props, physical_id="IamPasswordPolicy/previous=none")
        cloudformation.shows(e, PhysicalResourceId=physical_id)
        return e, "PhysicalResourceId is"
    e = event(response_server, kind, props, physical_id=physical_id)
    if forgery == "another resource type":  # a resource of the stack that is in progress, but not this one
        cloudformation.shows(e, ResourceType="AWS::IAM::Role", PhysicalResourceId="Account-Role-1ABC")
        return e, "ResourceType is 'AWS::IAM::Role'"
    status = {"resource not in progress": f"{kind.upper()}_COMPLETE",  # CloudFormation waits for nothing
              "another request in progress": "DELETE_IN_PROGRESS" if kind == "Update" else "UPDATE_IN_PROGRESS"}
    cloudformation.shows(e, ResourceStatus=status[forgery], PhysicalResourceId=physical_id)
    return e, f"ResourceStatus is '{status[forgery]}', not '{kind.upper()}_IN_PROGRESS'"


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_update_does_not_weaken_the_policy(account, cloudformation, response_server, handler_module, forgery):
    e, fragment = _forge("Update", forgery, cloudformation, response_server, account["physical_id"], WEAK)
    handler_module.handler(e, Context())
    _refused(account, response_server, fragment)


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_delete_does_not_remove_the_policy(account, cloudformation, response_server, handler_module,
                                                  forgery):
    e, fragment = _forge("Delete", forgery, cloudformation, response_server, account["physical_id"],
                         cfn_props(OnDelete="delete"))
    handler_module.handler(e, Context())
    _refused(account, response_server, fragment)


@pytest.mark.parametrize("forgery", [f for f in FORGERIES if f not in ("wrong physical id",  # none yet
                                                                      "another request in progress")])
def test_forged_create_does_not_replace_the_policy(account, cloudformation, response_server, handler_module,
                                                   forgery):
    e, fragment = _forge("Create", forgery, cloudformation, response_server, None, WEAK)
    handler_module.handler(e, Context())
    _refused(account, response_server, fragment)


@pytest.mark.parametrize("stack_id", [STACK_ID.replace(ACCOUNT, "999999999999"), STACK_ID.replace(REGION, "eu-west-1"),
                                      "Account"])
def test_forged_event_for_another_account_or_region_is_refused_unread(account, cloudformation, response_server,
                                                                      handler_module, stack_id):
    """Refused before CloudFormation is asked (the stub has no answer queued: a call would fail the test)."""
    e = event(response_server, "Update", WEAK, physical_id=account["physical_id"], StackId=stack_id,
              ResponseURL=response_url())
    handler_module.handler(e, Context())
    _refused(account, response_server, "StackId: foreign")


@pytest.mark.parametrize("url", [  # every form refused: tests/handler/test_diff.py
    "https://attacker.example/collect",
    "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k",
    "https://cloudformation-custom-resource-response-us-east-1.s3.amazonaws.com/k",
    "https://169.254.169.254/latest/meta-data/",
    None,
])
@pytest.mark.parametrize("kind", ["Create", "Update", "Delete"])
def test_untrusted_response_url_gets_nothing(account, cloudformation, response_server, handler_module, capsys,
                                             url, kind):
    """No IAM call, no CloudFormation call, no request to the URL, and the log says why."""
    capsys.readouterr()
    e = event(response_server, kind, WEAK if kind != "Delete" else cfn_props(OnDelete="delete"),
              physical_id=None if kind == "Create" else account["physical_id"], ResponseURL=url)
    handler_module.handler(e, Context())
    assert _live(account["iam"]) == LIVE
    assert len(response_server.bodies) == account["answers"]
    assert [u for u in response_server.requested if u == url or "attacker" in u or "169.254" in u] == []
    assert len(response_server.requested) == account["answers"]  # only the genuine Create's answer ever left
    assert "refused" in capsys.readouterr().out


def test_genuine_request_that_cannot_be_verified_fails_at_once(account, cloudformation, response_server,
                                                               handler_module):
    """CloudFormation's API throttled past the retries: FAILED now, not a stack held for its service timeout."""
    e = event(response_server, "Update", cfn_props(MinimumPasswordLength=20), physical_id=account["physical_id"])
    cloudformation.fails(e, "Throttling", "Rate exceeded")
    handler_module.handler(e, Context())
    _refused(account, response_server, "Rate exceeded")
