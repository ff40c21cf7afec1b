import pytest

from iam_constructs import PasswordPolicy
from iam_constructs.password_policy.handler import diff
from tests.handler.conftest import cfn_props


def test_parse_maps_cloudformation_strings_to_api_values():
    assert diff.parse(cfn_props()) == {
        "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "HardExpiry": False, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24}


def test_parse_agrees_with_the_construct_properties():
    spec = PasswordPolicy(minimum_length=20, max_age_days=None, reuse_prevention=5, require_symbols=False)
    props = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in spec.to_api().items()}
    assert diff.parse(props) == spec.to_api()


def test_parse_leaves_out_optional_numbers_when_absent():
    out = diff.parse(cfn_props(MaxPasswordAge=None, PasswordReusePrevention=None))
    assert "MaxPasswordAge" not in out and "PasswordReusePrevention" not in out


@pytest.mark.parametrize("override,message", [
    ({"MinimumPasswordLength": "fourteen"}, "MinimumPasswordLength: 'fourteen' is not a whole number in 6-128"),
    ({"MinimumPasswordLength": "5"}, "MinimumPasswordLength: '5' is not a whole number in 6-128"),
    ({"MinimumPasswordLength": None}, "MinimumPasswordLength: None is not a whole number in 6-128"),
    ({"MaxPasswordAge": "1096"}, "MaxPasswordAge: '1096' is not a whole number in 1-1095"),
    ({"PasswordReusePrevention": "-1"}, "PasswordReusePrevention: '-1' is not a whole number in 1-24"),
    ({"RequireSymbols": "yes"}, "RequireSymbols: 'yes' is not true or false"),
    ({"HardExpiry": None}, "HardExpiry: None is not true or false"),
    ({"OnDelete": "keep"}, "OnDelete: 'keep' is not restore, delete or retain"),
])
def test_parse_rejects_malformed_properties_naming_the_field(override, message):
    with pytest.raises(ValueError) as err:
        diff.parse(cfn_props(**override))
    assert str(err.value) == message


@pytest.mark.parametrize("previous", [
    None,
    {"MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": True, "RequireUppercaseCharacters": False,
     "RequireLowercaseCharacters": True, "AllowUsersToChangePassword": False, "HardExpiry": True,
     "MaxPasswordAge": 30, "PasswordReusePrevention": 3},
    {"MinimumPasswordLength": 6, "RequireSymbols": True, "RequireNumbers": False, "RequireUppercaseCharacters": True,
     "RequireLowercaseCharacters": False, "AllowUsersToChangePassword": True, "HardExpiry": False},
])
def test_physical_id_round_trips_the_previous_policy(previous):
    physical_id = diff.encode(previous)
    assert len(physical_id) < 100
    assert diff.decode(physical_id) == (True, previous)


def test_from_api_drops_fields_the_update_call_does_not_take():
    current = {"MinimumPasswordLength": 8, "ExpirePasswords": True, "MaxPasswordAge": 30, "RequireSymbols": True}
    assert diff.from_api(current) == {"MinimumPasswordLength": 8, "MaxPasswordAge": 30, "RequireSymbols": True}
    assert diff.from_api(None) is None


@pytest.mark.parametrize("physical_id", ["IamPasswordPolicy/failed-req-1", "", None, "IamPasswordPolicy/previous=1.2",
                                         "IamPasswordPolicy/previous=a.b.c.d.e.f.g.h.i"])
def test_foreign_or_broken_physical_ids_mean_nothing_to_undo(physical_id):
    assert diff.decode(physical_id) == (False, None)
    for mode in diff.ON_DELETE:
        assert diff.delete_action(mode, physical_id) == ("nothing", None)


def test_delete_action_matrix():
    prev = {"MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": False,
            "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
            "AllowUsersToChangePassword": True, "HardExpiry": False}
    had = diff.encode(prev)
    had_none = diff.encode(None)
    assert diff.delete_action("restore", had) == ("apply", prev)
    assert diff.delete_action("restore", had_none) == ("delete", None)
    assert diff.delete_action("delete", had) == ("delete", None)
    assert diff.delete_action("retain", had) == ("nothing", None)
    assert diff.delete_action("retain", had_none) == ("nothing", None)
