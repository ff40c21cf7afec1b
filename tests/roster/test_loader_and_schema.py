"""Roster loading and checking: every problem in one run, each `PATH:LINE: FIELD: message`."""

import textwrap

import pytest

from iam_constructs.roster import load_roster, stack_index
from iam_constructs.roster.loader import load
from tests.support import MINIMAL_ROSTER


def problems_of(tmp_path, text, name="roster.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    roster, problems = load_roster(str(path))
    return roster, [str(p).replace(str(path), "R") for p in problems]


def test_minimal_roster_takes_secure_defaults(tmp_path):
    roster, problems = problems_of(tmp_path, MINIMAL_ROSTER)
    assert problems == []
    assert roster.password_policy is not None and roster.password_policy.minimum_length == 14
    assert roster.enforce_mfa and roster.credentials_key and roster.user_stacks == 4
    (user,) = roster.users
    assert not user.console and user.access_keys == () and user.password_reset_required


def test_the_design_example_roster_is_valid(tmp_path):
    roster, problems = problems_of(tmp_path, """\
        version: 1
        account:
          password_policy:
            minimum_length: 14
            require_uppercase: true
            require_lowercase: true
            require_numbers: true
            require_symbols: true
            max_age_days: 90
            reuse_prevention: 24
            allow_users_to_change: true
            hard_expiry: false
          enforce_mfa: true
        groups:
          - name: developers
            path: /teams/
            managed_policies: [ReadOnlyAccess]
            statements:
              - actions: [ecr:GetAuthorizationToken]
                resources: ["*"]
          - name: ci
        users:
          - name: jane.smith
            path: /developers/
            console: true
            groups: [developers]
            tags: {Owner: platform, Purpose: human}
            expires: 2027-06-30
          - name: ci-bot
            access_keys:
              - {serial: 1, active: true}
            groups: [ci]
            tags: {Owner: platform, Purpose: ci}
          - name: former.employee
            disabled: true
            tags: {Owner: platform, Purpose: human}
        """)
    assert problems == []
    assert [u.name for u in roster.users] == ["jane.smith", "ci-bot", "former.employee"]
    assert str(roster.users[0].expires) == "2027-06-30"
    assert roster.mfa_groups() == {"developers"}


def test_every_problem_reported_once_with_line_and_field(tmp_path):
    _, problems = problems_of(tmp_path, """\
        version: 2
        acount: {}
        account:
          password_policy:
            minimum_length: 5
            reuse_prevention: 30
            max_age_days: "90"
            colour: blue
          user_stacks: 0
        groups:
          - name: devs
            managed_policies: [ReadOnlyAccess, "arn:aws:s3:::x"]
            statements:
              - actions: [GetObject]
                resources: ["*"]
          - name: Devs
          - name: "bad group"
        users:
          - name: jane
            console: yes please
            groups: [devs, nope]
            tags: {Owner: a}
            expires: 2027-13-45
            shoe_size: 9
          - name: bot
            access_keys:
              - {serial: 0}
              - {serial: 1, slot: 3}
              - {serial: 2}
            tags: {Owner: a, Purpose: b}
          - name: JANE
            tags: {Owner: a, Purpose: b}
          - name: both
            console: true
            access_keys: [{serial: 1}]
            tags: {Owner: a, Purpose: b}
        """)
    assert problems == [
        "R:1: version: 2 is not supported; this library reads version 1",
        "R:2: acount: unknown key; allowed here: version, account, groups, users",
        "R:5: account.password_policy.minimum_length: 5 is out of range; IAM accepts 6-128",
        "R:6: account.password_policy.reuse_prevention: 30 is out of range; IAM accepts 1-24 or null",
        "R:7: account.password_policy.max_age_days: '90' must be a whole number from 1 to 1095 or null",
        "R:8: account.password_policy.colour: unknown key; allowed here: minimum_length, require_uppercase, "
        "require_lowercase, require_numbers, require_symbols, max_age_days, reuse_prevention, "
        "allow_users_to_change, hard_expiry, on_delete",
        "R:9: account.user_stacks: 0 must be a whole number from 1 to 200",
        "R:12: groups[0].managed_policies[1]: 'arn:aws:s3:::x' is not an IAM policy ARN; expected "
        "arn:PARTITION:iam::ACCOUNT|aws:policy/NAME",
        "R:14: groups[0].statements[0].actions: 'GetObject' is not an IAM action such as 's3:GetObject': a "
        "service prefix, a colon and an action name of letters and digits (wildcards * and ? allowed in the "
        "name)",
        "R:16: groups[1].name: 'Devs' repeats the group at line 11 (IAM names are unique case-insensitively)",
        "R:17: groups[2].name: 'bad group' has characters IAM refuses (' ' U+0020, a space or separator); "
        "use ASCII letters, digits and _+=,.@-",
        "R:20: users[0].console: 'yes please' must be true or false",
        "R:21: users[0].groups: 'nope' is not a group of this roster; declare it under groups:",
        "R:22: users[0].tags.Purpose: required tag 'Purpose' is missing or empty; add it (required_tags "
        "lists it; an empty list opts out)",
        "R:23: users[0].expires: '2027-13-45' is not a date; write it as YYYY-MM-DD, e.g. 2027-06-30",
        "R:24: users[0].shoe_size: unknown key; allowed here: name, path, console, groups, tags, expires, "
        "access_keys, disabled, password_reset_required, console_and_keys_reason, permissions_boundary, "
        "acknowledge, password_readers, cleanup_on_delete, disabled_since, replace_reason",
        "R:26: users[1].access_keys: 3 key slots; IAM allows 2 access keys per user: remove one (rotation "
        "uses the free slot)",
        "R:27: users[1].access_keys[0].serial: 0 must be a whole number >= 1 and <= 2147483647 (bump it to "
        "rotate the key)",
        "R:28: users[1].access_keys[1].slot: 3 must be 1 or 2",
        "R:31: users[2].name: 'JANE' repeats the user at line 19 (IAM names are unique case-insensitively)",
        "R:34: users[3].console: a user with both console access and access keys is refused: people sign in, "
        "bots use keys. Split into two users, or give console_and_keys_reason ('<why>') to allow it for this "
        "user",
    ]


def test_more_than_10_groups_per_user(tmp_path):
    groups = "\n".join(f"  - name: g{i}" for i in range(11))
    _, problems = problems_of(tmp_path, f"version: 1\ngroups:\n{groups}\nusers:\n  - name: u\n"
                                        f"    groups: [{', '.join(f'g{i}' for i in range(11))}]\n"
                                        "    tags: {Owner: a, Purpose: b}\n")
    assert problems == ["R:16: users[0].groups: 11 groups; IAM allows a user in at most 10: merge groups"]


def test_mfa_group_mixing_people_and_keys_is_refused(tmp_path):
    _, problems = problems_of(tmp_path, """\
        version: 1
        groups:
          - name: everyone
        users:
          - {name: jane, console: true, groups: [everyone], tags: {Owner: a, Purpose: b}}
          - {name: bot, access_keys: [{serial: 1}], groups: [everyone], tags: {Owner: a, Purpose: b}}
        """)
    assert len(problems) == 1
    assert problems[0].startswith("R:3: groups[0].name: 'everyone' has console users (jane) and access-key "
                                  "only users (bot)")
    # a person with keys (and a reason) can use them through GetSessionToken with MFA: allowed
    _, problems = problems_of(tmp_path, """\
        version: 1
        groups:
          - name: everyone
        users:
          - {name: jane, console: true, access_keys: [{serial: 1}], console_and_keys_reason: break-glass,
             groups: [everyone], tags: {Owner: a, Purpose: b}}
        """)
    assert problems == []
    # with enforce_mfa off, mixing is allowed
    _, problems = problems_of(tmp_path, """\
        version: 1
        account: {enforce_mfa: false}
        groups:
          - name: everyone
        users:
          - {name: jane, console: true, groups: [everyone], tags: {Owner: a, Purpose: b}}
          - {name: bot, access_keys: [{serial: 1}], groups: [everyone], tags: {Owner: a, Purpose: b}}
        """)
    assert problems == []


def test_password_policy_false_leaves_the_account_policy_unmanaged_and_null_is_refused(tmp_path):
    roster, _ = problems_of(tmp_path, "version: 1\naccount:\n  password_policy: false\n")
    assert roster.password_policy is None
    _, problems = problems_of(tmp_path, "version: 1\naccount:\n  password_policy:\n")
    assert problems == ["R:3: account.password_policy: is empty; write {} for the CIS defaults, or false to leave "
                        "the account's password policy unmanaged"]


def test_stack_capacity_is_checked_with_a_suggestion(tmp_path):
    users = "\n".join(f"  - {{name: u{i}, access_keys: [{{serial: 1}}, {{serial: 1}}], tags: {{Owner: a, Purpose: b}}}}"
                      for i in range(100))
    _, problems = problems_of(tmp_path, f"version: 1\naccount:\n  user_stacks: 1\nusers:\n{users}\n")
    assert len(problems) == 1
    assert problems[0].startswith("R:3: account.user_stacks: user stack 1 of 1 would hold 600 resources")
    assert "set user_stacks to at least 2 for 100 users" in problems[0]


@pytest.mark.parametrize("text,expected", [
    ("version: 1\nusers: [\n", "R:3: yaml: "),
    ("version: 1\nversion: 1\n", "R:2: version: duplicate key (first at line 1); keep one"),
    ("- just\n- a list\n", "R:1: roster: the file must be a mapping with version, account, groups, users"),
    ("version: 1\nusers: {name: x}\n", "R:2: users: {'name': 'x'} must be a list"),
    ("version: 1\nusers:\n  - jane\n", "R:3: users[0]: 'jane' must be a mapping with at least 'name'"),
])
def test_malformed_files(tmp_path, text, expected):
    _, problems = problems_of(tmp_path, text)
    assert problems[0].startswith(expected) and len(problems[0]) > len("R:3: yaml: ")


def test_unreadable_files(tmp_path):
    roster, problems = load_roster(str(tmp_path / "missing.yaml"))
    assert roster is None and len(problems) == 1 and "cannot read the file" in str(problems[0])
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: caf\xe9\n".encode("latin-1"))
    _, problems = load_roster(str(bad))
    assert "not UTF-8" in str(problems[0])


def test_loader_records_lines():
    data, problems = load("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f")
    assert problems == []
    assert data.line_of("a") == 1 and data["a"].line_of("b") == 2 and data["a"]["c"].line_of(1) == 5


def test_stack_index_is_a_function_of_the_name_only():
    assert stack_index("Jane.Smith", 7) == stack_index("jane.smith", 7)
    spread = {stack_index(f"user{i}", 10) for i in range(200)}
    assert spread == set(range(10))


def test_departure_fields(tmp_path):
    _, problems = problems_of(tmp_path, "version: 1\naccount:\n  departure_window_days: 0\nusers:\n"
                                        "  - {name: a, tags: {Owner: o, Purpose: p}, disabled_since: 2026-11-02}\n"
                                        "  - {name: b, tags: {Owner: o, Purpose: p}, disabled: true, disabled_since: 2999-01-01}\n")
    assert problems == [
        "R:3: account.departure_window_days: 0 must be a whole number of days from 1 to 3650",
        "R:5: users[0].disabled_since: 2026-11-02 is given but the user is not disabled; set disabled=True (the "
        "departure window starts the day the credentials go off)",
        "R:6: users[1].disabled_since: 2999-01-01 is in the future; give the day the user was disabled",
    ]
