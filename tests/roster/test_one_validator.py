"""One set of rules, two front doors: whatever `validate` accepts, the build accepts, and whatever
either refuses is told as `FILE:LINE: FIELD: message`.

Each drift case once let `iam-constructs validate` pass a roster that `export` / `cdk synth` then
crashed on; here both run on the same file and must agree.
"""

from __future__ import annotations

import re
import textwrap

import aws_cdk as cdk
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import examples

from iam_constructs import cli
from iam_constructs.errors import IamConstructsError
from iam_constructs.roster import build, load_roster
from iam_constructs.roster import loader, schema

LINE = re.compile(r"(?P<file>.+):(?P<line>\d+): (?P<field>\S[^\n]*?): (?P<message>\S.*)\Z")


def _write(tmp_path, text: str):
    path = tmp_path / "roster.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def _front_doors(capsys, path, out_dir) -> tuple[tuple[int, list[str]], tuple[int, list[str]]]:
    """(exit code, stderr lines) of `validate` and of `export` on the same file."""
    code_v = cli.main(["validate", str(path)])
    _, err_v = capsys.readouterr()
    code_e = cli.main(["export", str(path), "--out", str(out_dir), "--no-rule-packs"])
    _, err_e = capsys.readouterr()
    return (code_v, err_v.splitlines()), (code_e, err_e.splitlines())


def _assert_both_refuse(capsys, tmp_path, text: str, field: str, line: int, fragment: str) -> None:
    path = _write(tmp_path, text)
    (code_v, lines_v), (code_e, lines_e) = _front_doors(capsys, path, tmp_path / "out")
    assert code_v == 2 and code_e == 2, (lines_v, lines_e)
    assert lines_v == lines_e  # the same problems, from the same checks
    for text_line in lines_v:
        assert LINE.fullmatch(text_line), text_line
        assert "Traceback" not in text_line
    wanted = [x for x in lines_v if x.startswith(f"{path}:{line}: {field}: ") and fragment in x]
    assert wanted, lines_v
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_group_policy_over_6144_characters_is_refused_by_both(capsys, tmp_path):
    resources = ", ".join(f'"arn:aws:s3:::bucket-with-a-long-name-{i:04d}/*"' for i in range(160))
    _assert_both_refuse(capsys, tmp_path, f"""\
        version: 1
        groups:
          - name: devs
            statements:
              - actions: [s3:GetObject]
                resources: [{resources}]
        """, "groups[0].statements", 4, "IAM allows at most 6144")


def test_a_managed_policy_listed_twice_on_a_group_is_refused_by_both(capsys, tmp_path):
    _assert_both_refuse(capsys, tmp_path, """\
        version: 1
        groups:
          - name: devs
            managed_policies: [ReadOnlyAccess, "arn:aws:iam::aws:policy/ReadOnlyAccess"]
        """, "groups[0].managed_policies", 4, "lists a policy twice")


def test_fifty_tags_and_expires_is_refused_by_both(capsys, tmp_path):
    tags = ", ".join(["Owner: a", "Purpose: b"] + [f"k{i}: v" for i in range(48)])
    _assert_both_refuse(capsys, tmp_path, f"""\
        version: 1
        users:
          - name: jane
            tags: {{{tags}}}
            expires: 2030-01-01
        """, "users[0].tags", 4, "the library writes (Expiry, iam-constructs:stack)")


def test_fifty_tags_with_cleanup_off_and_no_expiry_is_accepted_by_both(capsys, tmp_path):
    tags = ", ".join(["Owner: a", "Purpose: b"] + [f"k{i}: v" for i in range(48)])
    path = _write(tmp_path, f"""\
        version: 1
        account: {{user_cleanup: false, credentials_key: false}}
        users:
          - name: jane
            tags: {{{tags}}}
        """)
    (code_v, lines_v), (code_e, lines_e) = _front_doors(capsys, path, tmp_path / "out")
    assert (code_v, code_e) == (0, 0), (lines_v, lines_e)


@pytest.mark.parametrize("prefix", ["Ïam", "Iam٣", "ｉａｍ", "I-am", "Iam\n"])
def test_a_stack_prefix_cloudformation_refuses_is_refused_by_both(capsys, tmp_path, prefix):
    _assert_both_refuse(capsys, tmp_path, f"""\
        version: 1
        account:
          stack_prefix: {yaml.safe_dump(prefix, default_style='"').strip()}
        """, "account.stack_prefix", 3, "ASCII letters and digits")


@pytest.mark.parametrize("version", ["true", "1.0", "'1'"])
def test_version_must_be_the_integer_one_for_both(capsys, tmp_path, version):
    _assert_both_refuse(capsys, tmp_path, f"version: {version}\n", "version", 1, "is not supported")


def test_a_group_named_like_a_construct_of_the_account_stack_is_refused(capsys, tmp_path):
    _assert_both_refuse(capsys, tmp_path, """\
        version: 1
        groups:
          - name: CredentialsKey
        """, "groups[0].name", 3, "construct the account stack holds")


def test_problems_point_at_the_line_of_the_field(tmp_path):
    path = _write(tmp_path, """\
        version: 1
        groups:
          - name: devs
        users:
          - name: jane
            groups: [devs]
            tags:
              Owner: a
              Purpose: "x\\ty"
            access_keys:
              - {serial: 1}
              - {serial: 0, readers: [nobody]}
        """)
    _, problems = load_roster(str(path))
    shown = {(int(p.where.rsplit(":", 1)[1]), p.field) for p in problems}
    assert (9, "users[0].tags.Purpose") in shown, problems
    assert (12, "users[0].access_keys[1].serial") in shown, problems
    assert (12, "users[0].access_keys[1].readers") in shown, problems


def test_replace_reason_is_read_and_passed_through(tmp_path):
    path = _write(tmp_path, """\
        version: 1
        users:
          - name: jane
            tags: {Owner: a, Purpose: b}
            replace_reason: moved to the new naming scheme
          - name: bob
            tags: {Owner: a, Purpose: b}
            replace_reason: ""
        """)
    roster, problems = load_roster(str(path))
    assert [str(p).replace(str(path), "R") for p in problems] == [
        "R:8: users[1].replace_reason: '' must be a non-empty reason (why this user is replaced or moved)"]
    path.write_text(path.read_text().replace('replace_reason: ""', "replace_reason: renamed"))
    roster, problems = load_roster(str(path))
    assert problems == []
    assert [u.replace_reason for u in roster.users] == ["moved to the new naming scheme", "renamed"]


# -- property: validate-accepts implies build succeeds ---------------------------------------------

_names = st.sampled_from(["jane", "bob.smith", "ci-bot", "jäne", "a b", "", "x" * 65, "Jane"])
_group_names = st.sampled_from(["devs", "ops", "PasswordPolicy", "dev team", "d" * 129])
_tag_counts = st.sampled_from([0, 2, 47, 48, 49, 50, 51])
_dates = st.sampled_from([None, "2030-01-01", "2020-01-01", "2027-13-45", 20300101])
_statements = st.sampled_from([
    None,
    [{"actions": ["s3:GetObject"], "resources": ["*"]}],
    [{"actions": ["s3:GetObject"], "resources": [f"arn:aws:s3:::bucket-with-a-long-name-{i:04d}/*"
                                                 for i in range(160)]}],
    [{"actions": "s3:GetObject", "resources": "*"}],
    [{"actions": ["GetObject"], "resources": ["*"]}],
])
_managed = st.sampled_from([None, ["ReadOnlyAccess"], ["ReadOnlyAccess", "ReadOnlyAccess"],
                            ["arn:aws:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess"], "ReadOnlyAccess",
                            ["arn:aws:s3:::x"]])
_slots = st.sampled_from([None, [{"serial": 1}], [{"serial": 1}, {"serial": 2}],
                          [{"serial": 1}, {"serial": 1}, {"serial": 1}], [{"serial": 0}], [{"serial": True}],
                          [{"serial": 1, "slot": 2}, {"serial": 1, "slot": 2}], "yes",
                          [{"serial": 1, "readers": ["arn:aws:iam::111122223333:role/reader"]}],
                          [{"serial": 1, "readers": "arn:aws:iam::111122223333:role/reader"}]])


@st.composite
def _user(draw, group_names):
    user: dict = {"name": draw(_names)}
    count = draw(_tag_counts)
    tags = ({"Owner": "a", "Purpose": "b"} | {f"k{i}": "v" for i in range(count - 2)}) if count else {}
    if draw(st.booleans()):
        tags = dict(tags, Owner="a\tb")
    if tags or draw(st.booleans()):
        user["tags"] = tags
    expires = draw(_dates)
    if expires is not None:
        user["expires"] = expires
    if draw(st.booleans()):
        user["console"] = draw(st.sampled_from([True, False, "yes"]))
    slots = draw(_slots)
    if slots is not None:
        user["access_keys"] = slots
    if draw(st.booleans()):
        user["groups"] = draw(st.lists(st.sampled_from(group_names + ["nope"]), max_size=3))
    if draw(st.booleans()):
        user["disabled"] = True
        if draw(st.booleans()):
            user["disabled_since"] = draw(st.sampled_from(["2024-01-01", "2999-01-01"]))
    if draw(st.booleans()):
        user["console_and_keys_reason"] = draw(st.sampled_from(["break-glass", "", 3]))
    if draw(st.booleans()):
        user["permissions_boundary"] = draw(st.sampled_from(["PowerUserAccess", "arn:aws:s3:::x", 1.5]))
    return user


@st.composite
def _roster(draw):
    groups = []
    for _ in range(draw(st.integers(0, 2))):
        g: dict = {"name": draw(_group_names)}
        statements, managed = draw(_statements), draw(_managed)
        if statements is not None:
            g["statements"] = statements
        if managed is not None:
            g["managed_policies"] = managed
        groups.append(g)
    names = [g["name"] for g in groups]
    account: dict = {"user_cleanup": draw(st.booleans()), "credentials_key": draw(st.booleans()),
                     "stack_prefix": draw(st.sampled_from(["Iam", "Ïam", "Iam2", "I-am"])),
                     "user_stacks": 1}
    return {"version": draw(st.sampled_from([1, 1, 1, True, 1.0])), "account": account, "groups": groups,
            "users": draw(st.lists(_user(names), max_size=3))}


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_roster())
def test_validate_accepts_only_what_the_build_accepts(doc):
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    data, problems = loader.load(text, "R")
    assert problems == []
    roster, problems = schema.parse(data, "R")
    if roster is None:
        assert problems
        for problem in problems:
            shown = LINE.fullmatch(str(problem))
            assert shown and int(shown["line"]) >= 1 and shown["field"], str(problem)
        return
    try:
        app = cdk.App()
        build(app, roster)
        app.synth()
    except IamConstructsError as e:  # validate accepted what the constructs refuse
        pytest.fail(f"validate accepted, the build refused:\n{e}\n{text}")
