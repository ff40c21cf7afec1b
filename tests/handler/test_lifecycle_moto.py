"""The handler (readable modules and the inline bundle) against moto's IAM through genuine events:
CloudFormation's record of the stack shows the request in progress (Stubber), and the answer goes to
CloudFormation's response bucket URL, served by a local HTTP server."""

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


def genuine(handler_module, cloudformation, e):
    """Invokes the handler as CloudFormation does: the stack shows the request in progress."""
    cloudformation.shows(e)
    handler_module.handler(e, Context())


def test_create_update_delete_restores_the_earlier_policy(aws, cloudformation, response_server, handler_module):
    aws.update_account_password_policy(**EARLIER)

    genuine(handler_module, cloudformation, event(response_server, "Create", cfn_props()))
    created = response_server.last
    assert created["Status"] == "SUCCESS", created
    physical_id = created["PhysicalResourceId"]
    live = _policy(aws)
    assert live["MinimumPasswordLength"] == 14 and live["PasswordReusePrevention"] == 24
    assert live["MaxPasswordAge"] == 90 and live["RequireSymbols"] is True

    genuine(handler_module, cloudformation, event(response_server, "Update", cfn_props(MinimumPasswordLength=20),
                                                  physical_id=physical_id, old=cfn_props()))
    assert response_server.last["Status"] == "SUCCESS"
    assert response_server.last["PhysicalResourceId"] == physical_id  # unchanged: no replacement
    assert _policy(aws)["MinimumPasswordLength"] == 20

    genuine(handler_module, cloudformation, event(response_server, "Delete", cfn_props(MinimumPasswordLength=20),
                                                  physical_id=physical_id))
    assert response_server.last["Status"] == "SUCCESS"
    restored = _policy(aws)
    assert {k: restored.get(k) for k in EARLIER} == EARLIER
    assert len(response_server.bodies) == 3 and response_server.attempts == 3


def test_update_rollback_puts_the_old_properties_back(aws, cloudformation, response_server, handler_module):
    """An update rollback re-sends Update, with the earlier properties, while the resource shows
    UPDATE_IN_PROGRESS (and the stack UPDATE_ROLLBACK_IN_PROGRESS)."""
    genuine(handler_module, cloudformation, event(response_server, "Create", cfn_props()))
    physical_id = response_server.last["PhysicalResourceId"]
    genuine(handler_module, cloudformation, event(response_server, "Update", cfn_props(MinimumPasswordLength=20),
                                                  physical_id=physical_id, old=cfn_props()))
    genuine(handler_module, cloudformation, event(response_server, "Update", cfn_props(),
                                                  physical_id=physical_id, old=cfn_props(MinimumPasswordLength=20)))
    assert response_server.last["Status"] == "SUCCESS"
    assert _policy(aws)["MinimumPasswordLength"] == 14


def test_create_with_no_earlier_policy_then_delete_removes_it(aws, cloudformation, response_server, handler_module):
    assert _policy(aws) is None
    genuine(handler_module, cloudformation, event(response_server, "Create", cfn_props()))
    physical_id = response_server.last["PhysicalResourceId"]
    assert _policy(aws)["MinimumPasswordLength"] == 14
    genuine(handler_module, cloudformation, event(response_server, "Delete", cfn_props(), physical_id=physical_id))
    assert response_server.last["Status"] == "SUCCESS"
    assert _policy(aws) is None


def test_retain_keeps_the_policy_on_delete(aws, cloudformation, response_server, handler_module):
    genuine(handler_module, cloudformation, event(response_server, "Create", cfn_props(OnDelete="retain")))
    physical_id = response_server.last["PhysicalResourceId"]
    # Nothing to undo: the handler answers without reading the stack or touching IAM.
    handler_module.handler(event(response_server, "Delete", cfn_props(OnDelete="retain"), physical_id=physical_id),
                           Context())
    assert response_server.last["Status"] == "SUCCESS"
    assert _policy(aws)["MinimumPasswordLength"] == 14


def test_delete_mode_removes_even_an_earlier_policy(aws, cloudformation, response_server, handler_module):
    aws.update_account_password_policy(**EARLIER)
    genuine(handler_module, cloudformation, event(response_server, "Create", cfn_props(OnDelete="delete")))
    physical_id = response_server.last["PhysicalResourceId"]
    genuine(handler_module, cloudformation, event(response_server, "Delete", cfn_props(OnDelete="delete"),
                                                  physical_id=physical_id))
    assert _policy(aws) is None


def test_update_sends_every_field_so_nothing_reverts(aws, cloudformation, response_server, handler_module):
    genuine(handler_module, cloudformation, event(response_server, "Create", cfn_props(MaxPasswordAge=45)))
    physical_id = response_server.last["PhysicalResourceId"]
    genuine(handler_module, cloudformation, event(response_server, "Update",
                                                  cfn_props(MaxPasswordAge=45, RequireSymbols=False),
                                                  physical_id=physical_id))
    live = _policy(aws)
    assert live["MaxPasswordAge"] == 45 and live["RequireSymbols"] is False and live["PasswordReusePrevention"] == 24


def test_failed_create_then_delete_succeeds_without_touching_the_account(aws, cloudformation, response_server,
                                                                       handler_module):
    aws.update_account_password_policy(**EARLIER)
    handler_module.handler(event(response_server, "Create", cfn_props(MinimumPasswordLength="4")), Context())
    failed = response_server.last
    assert failed["Status"] == "FAILED" and "MinimumPasswordLength" in failed["Reason"]
    # The create rollback's Delete: an id this handler did not make, so nothing to undo or verify.
    handler_module.handler(event(response_server, "Delete", cfn_props(MinimumPasswordLength="4"),
                                 physical_id=failed["PhysicalResourceId"]), Context())
    assert response_server.last["Status"] == "SUCCESS"
    assert {k: _policy(aws).get(k) for k in EARLIER} == EARLIER
