"""The handler (readable modules and the inline bundle) against moto's IAM, answering a real local
HTTP server the way CloudFormation's ResponseURL is answered."""

from tests.handler.conftest import Context, cfn_props, event

EARLIER = {"MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": True,
           "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": True,
           "AllowUsersToChangePassword": False, "HardExpiry": False, "MaxPasswordAge": 30,
           "PasswordReusePrevention": 3}


def _policy(iam):
    try:
        return iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        return None


def test_create_update_delete_restores_the_earlier_policy(aws, response_server, handler_module):
    aws.update_account_password_policy(**EARLIER)
    h = handler_module.handler

    h(event(response_server, "Create", cfn_props()), Context())
    created = response_server.last
    assert created["Status"] == "SUCCESS", created
    physical_id = created["PhysicalResourceId"]
    live = _policy(aws)
    assert live["MinimumPasswordLength"] == 14 and live["PasswordReusePrevention"] == 24
    assert live["MaxPasswordAge"] == 90 and live["RequireSymbols"] is True

    h(event(response_server, "Update", cfn_props(MinimumPasswordLength=20), physical_id=physical_id,
            old=cfn_props()), Context())
    assert response_server.last["Status"] == "SUCCESS"
    assert response_server.last["PhysicalResourceId"] == physical_id  # unchanged: no replacement
    assert _policy(aws)["MinimumPasswordLength"] == 20

    h(event(response_server, "Delete", cfn_props(MinimumPasswordLength=20), physical_id=physical_id), Context())
    assert response_server.last["Status"] == "SUCCESS"
    restored = _policy(aws)
    assert {k: restored.get(k) for k in EARLIER} == EARLIER


def test_create_with_no_earlier_policy_then_delete_removes_it(aws, response_server, handler_module):
    assert _policy(aws) is None
    handler_module.handler(event(response_server, "Create", cfn_props()), Context())
    physical_id = response_server.last["PhysicalResourceId"]
    assert _policy(aws)["MinimumPasswordLength"] == 14
    handler_module.handler(event(response_server, "Delete", cfn_props(), physical_id=physical_id), Context())
    assert response_server.last["Status"] == "SUCCESS"
    assert _policy(aws) is None


def test_retain_keeps_the_policy_on_delete(aws, response_server, handler_module):
    handler_module.handler(event(response_server, "Create", cfn_props(OnDelete="retain")), Context())
    physical_id = response_server.last["PhysicalResourceId"]
    handler_module.handler(event(response_server, "Delete", cfn_props(OnDelete="retain"), physical_id=physical_id),
                           Context())
    assert response_server.last["Status"] == "SUCCESS"
    assert _policy(aws)["MinimumPasswordLength"] == 14


def test_delete_mode_removes_even_an_earlier_policy(aws, response_server, handler_module):
    aws.update_account_password_policy(**EARLIER)
    handler_module.handler(event(response_server, "Create", cfn_props(OnDelete="delete")), Context())
    physical_id = response_server.last["PhysicalResourceId"]
    handler_module.handler(event(response_server, "Delete", cfn_props(OnDelete="delete"), physical_id=physical_id),
                           Context())
    assert _policy(aws) is None


def test_update_sends_every_field_so_nothing_reverts(aws, response_server, handler_module):
    handler_module.handler(event(response_server, "Create", cfn_props(MaxPasswordAge=45)), Context())
    physical_id = response_server.last["PhysicalResourceId"]
    handler_module.handler(event(response_server, "Update", cfn_props(MaxPasswordAge=45, RequireSymbols=False),
                                 physical_id=physical_id), Context())
    live = _policy(aws)
    assert live["MaxPasswordAge"] == 45 and live["RequireSymbols"] is False and live["PasswordReusePrevention"] == 24


def test_failed_create_then_delete_succeeds_without_touching_the_account(aws, response_server, handler_module):
    aws.update_account_password_policy(**EARLIER)
    handler_module.handler(event(response_server, "Create", cfn_props(MinimumPasswordLength="4")), Context())
    failed = response_server.last
    assert failed["Status"] == "FAILED" and "MinimumPasswordLength" in failed["Reason"]
    handler_module.handler(event(response_server, "Delete", cfn_props(MinimumPasswordLength="4"),
                                 physical_id=failed["PhysicalResourceId"]), Context())
    assert response_server.last["Status"] == "SUCCESS"
    assert {k: _policy(aws).get(k) for k in EARLIER} == EARLIER
