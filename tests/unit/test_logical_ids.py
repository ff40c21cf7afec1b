"""A user's logical id follows from its user name only: not from its construct id, its scope, its
stack, its path or its neighbours (a new logical id would replace the user, destroying its keys and
login profile). With the CDK's default, path-based ids, every test here fails."""

from constructs import Construct

from iam_constructs import IamUser
from tests.support import TAGS, new_stack, resources_of_type, template


def _user_ids(stack) -> set[str]:
    return set(resources_of_type(template(stack), "AWS::IAM::User"))


def test_same_name_same_id_whatever_the_construct_id_scope_path_and_neighbours():
    a = new_stack("A")
    IamUser(a, "Jane", user_name="jane", tags=TAGS)
    b = new_stack("B")
    IamUser(b, "Zed", user_name="zed", tags=TAGS)
    team = Construct(Construct(b, "Org"), "Platform")
    IamUser(team, "SomeoneElse", user_name="jane", tags=TAGS, path="/platform/")
    (jane,) = _user_ids(a)
    assert jane in _user_ids(b)


def test_another_name_another_id_under_the_same_construct_id():
    a, b = new_stack("A"), new_stack("B")
    IamUser(a, "Person", user_name="jane", tags=TAGS)
    IamUser(b, "Person", user_name="john", tags=TAGS)
    assert _user_ids(a).isdisjoint(_user_ids(b))
