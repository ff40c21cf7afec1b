"""Physical ids written by earlier releases decode to the policy they carry, forever: a Delete of a
resource created by any release restores what that release remembered."""

import pytest

from iam_constructs.password_policy.handler import diff

# Version 0: written by the first release (unversioned, values in field order). Literal strings,
# generated with that release's encode(); never regenerate them.
VERSION_0 = [
    ("IamPasswordPolicy/previous=none", None),
    ("IamPasswordPolicy/previous=14.1.1.1.1.1.0.90.24", {
        "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "HardExpiry": False, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24}),
    ("IamPasswordPolicy/previous=8.0.1.0.1.0.1.30.0", {
        "MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": True,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": False, "HardExpiry": True, "MaxPasswordAge": 30}),
    ("IamPasswordPolicy/previous=6.0.0.0.0.1.0.0.3", {
        "MinimumPasswordLength": 6, "RequireSymbols": False, "RequireNumbers": False,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": True, "HardExpiry": False, "PasswordReusePrevention": 3}),
]
# Version 1: fields by name, so a field added or reordered later cannot shift another's value.
VERSION_1 = [
    ("IamPasswordPolicy/v1:none", None),
    ("IamPasswordPolicy/v1:MinimumPasswordLength=8,RequireSymbols=0,RequireNumbers=1,RequireUppercaseCharacters=0,"
     "RequireLowercaseCharacters=1,AllowUsersToChangePassword=0,HardExpiry=1,MaxPasswordAge=30,"
     "PasswordReusePrevention=0", {
        "MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": True,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": False, "HardExpiry": True, "MaxPasswordAge": 30}),
    ("IamPasswordPolicy/v1:PasswordReusePrevention=3,MinimumPasswordLength=6,AllowUsersToChangePassword=1", {
        "MinimumPasswordLength": 6, "AllowUsersToChangePassword": True, "PasswordReusePrevention": 3}),
]


@pytest.mark.parametrize("physical_id,policy", VERSION_0 + VERSION_1)
def test_ids_of_every_release_decode_to_the_policy_they_carry(physical_id, policy):
    assert diff.decode(physical_id) == policy


@pytest.mark.parametrize("physical_id,policy", VERSION_0 + VERSION_1)
def test_a_delete_restores_what_the_id_carries(physical_id, policy):
    event = {"RequestType": "Delete", "StackId": "s", "LogicalResourceId": "l", "RequestId": "r",
             "PhysicalResourceId": physical_id, "ResourceProperties": {"OnDelete": "restore"}}
    assert diff.plan(event) == (("delete", None) if policy is None else ("apply", policy))


def test_new_ids_are_version_1():
    assert diff.encode(None) == "IamPasswordPolicy/v1:none"
    assert diff.encode(VERSION_0[2][1]) == VERSION_1[1][0]
