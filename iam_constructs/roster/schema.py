"""Roster format version 1: fields, defaults and every check, as problems ``PATH:LINE: FIELD: message``.

Version 1 as published, plus optional extensions (marked "ext" below) that never change the
meaning of a version-1 file.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .. import defaults, limits
from .._policy import managed_policy_arn, statement
from .._validate import check_acknowledgements, check_name, check_path, check_tags, parse_date
from ..credentials import AccessKeySlot
from ..errors import Problem, ProblemCollector, show
from ..password_policy.spec import PasswordPolicy
from .loader import LineDict, LineList

TOP_KEYS = ("version", "account", "groups", "users")
ACCOUNT_KEYS = ("password_policy", "enforce_mfa",
                # ext
                "credentials_key", "credential_administrators", "required_tags", "stack_prefix", "user_stacks",
                "access_analyzer", "user_cleanup", "departure_window_days")
POLICY_EXTRA_KEYS = ("on_delete",)  # ext
GROUP_KEYS = ("name", "path", "managed_policies", "statements",
              # ext
              "acknowledge")
USER_KEYS = ("name", "path", "console", "groups", "tags", "expires", "access_keys", "disabled",
             # ext
             "password_reset_required", "console_and_keys_reason", "permissions_boundary", "acknowledge",
             "password_readers", "cleanup_on_delete", "disabled_since")
KEY_SLOT_KEYS = ("serial", "active", "slot",
                 # ext
                 "readers")
DEFAULT_USER_STACKS = 4
MAX_USER_STACKS = 200
RESOURCES_PER_STACK_BUDGET = 480  # leaves room under CloudFormation's 500
_PRINCIPAL_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(role|user)/([\x21-\x7e]*/)?[\w+=,.@-]{1,128}\Z")


@dataclass(frozen=True)
class GroupSpec:
    name: str
    line: int
    index: int = 0
    lines: Mapping[str, int] = field(default_factory=dict)
    path: str = "/"
    managed_policies: tuple[str, ...] = ()
    statements: tuple[Mapping[str, Any], ...] = ()
    acknowledge: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UserSpec:
    name: str
    line: int
    index: int = 0
    lines: Mapping[str, int] = field(default_factory=dict)
    path: str = "/"
    console: bool = False
    groups: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    expires: _dt.date | None = None
    access_keys: tuple[AccessKeySlot, ...] = ()
    disabled: bool = False
    password_reset_required: bool = True
    console_and_keys_reason: str | None = None
    permissions_boundary: str | None = None
    acknowledge: Mapping[str, str] = field(default_factory=dict)
    password_readers: tuple[str, ...] = ()
    cleanup_on_delete: bool = True
    disabled_since: _dt.date | None = None

    @property
    def resource_count(self) -> int:
        """CloudFormation resources this user makes: user, its cleanup, password secret, key + secret
        per slot, and a resource policy per secret that has declared readers."""
        return (1 + (1 if self.cleanup_on_delete else 0) + (1 if self.console else 0) + (1 if self.console and self.password_readers else 0)
                + sum(3 if k.readers else 2 for k in self.access_keys))


@dataclass(frozen=True)
class Roster:
    path: str
    password_policy: PasswordPolicy | None
    password_policy_on_delete: str
    enforce_mfa: bool
    credentials_key: bool
    required_tags: tuple[str, ...]
    stack_prefix: str
    user_stacks: int
    groups: tuple[GroupSpec, ...]
    users: tuple[UserSpec, ...]
    access_analyzer: bool = False
    credential_administrators: tuple[str, ...] = ()
    user_cleanup: bool = True
    departure_window_days: int = defaults.DEPARTURE_WINDOW_DAYS

    def stack_of(self, user_name: str) -> int:
        """The user stack a user lives in: a function of the name alone, so adding, removing or
        reordering other users never moves it."""
        return stack_index(user_name, self.user_stacks)

    def mfa_groups(self) -> set[str]:
        """Lower-cased names of groups that get the MFA deny: every group with a console user."""
        if not self.enforce_mfa:
            return set()
        return {g.lower() for u in self.users if u.console for g in u.groups}


def stack_index(user_name: str, user_stacks: int) -> int:
    digest = hashlib.sha256(user_name.lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % user_stacks


class _Ctx:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def at(self, line: int) -> ProblemCollector:
        return _Sink(self, f"{self.path}:{line}")

    def add(self, line: int, field_name: str, message: str) -> None:
        self.problems.append(Problem(f"{self.path}:{line}", field_name, message))


class _Sink(ProblemCollector):
    """A collector at one line that writes straight into the roster's problem list."""

    def __init__(self, ctx: _Ctx, where: str):
        super().__init__(where)
        self.problems = ctx.problems


def _line(container: Any, key: Any) -> int:
    return container.line_of(key) if isinstance(container, (LineDict, LineList)) else 0


def _own_line(node: Any) -> int:
    """The line a mapping or list starts on (0 for data that did not come from a file)."""
    return getattr(node, "line", 0)


def _lines(node: Any) -> dict:
    return dict(getattr(node, "lines", {}))


def _unknown(ctx: _Ctx, data: Mapping, allowed: tuple[str, ...], prefix: str) -> None:
    for key in data:
        if key not in allowed:
            ctx.add(_line(data, key), f"{prefix}{key}", f"unknown key; allowed here: {', '.join(allowed)}")


def _bool(ctx: _Ctx, data: Mapping, key: str, field_name: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        ctx.add(_line(data, key), field_name, f"{show(value)} must be true or false")
        return default
    return value


def _str_list(ctx: _Ctx, data: Mapping, key: str, field_name: str) -> list[str]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.add(_line(data, key), field_name, f"{show(value)} must be a list")
        return []
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item:
            ctx.add(_line(value, i), f"{field_name}[{i}]", f"{show(item)} must be a non-empty string")
        else:
            out.append(item)
    return out


def _mapping(ctx: _Ctx, data: Mapping, key: str, field_name: str) -> Mapping:
    value = data.get(key)
    if value is None:
        return LineDict()
    if not isinstance(value, dict):
        ctx.add(_line(data, key), field_name, f"{show(value)} must be a mapping")
        return LineDict()
    return value


def parse(data: Any, path: str) -> tuple[Roster | None, list[Problem]]:
    """Checks a loaded roster; returns (roster, []) or (None, every problem found)."""
    ctx = _Ctx(path)
    if not isinstance(data, dict):
        ctx.add(getattr(data, "line", 1), "roster", "the file must be a mapping with version, account, groups, users")
        return None, ctx.problems
    _unknown(ctx, data, TOP_KEYS, "")
    version = data.get("version")
    if version != 1:
        ctx.add(_line(data, "version") or 1, "version", f"{show(version)} is not supported; this library reads version 1")
    account = _mapping(ctx, data, "account", "account")
    _unknown(ctx, account, ACCOUNT_KEYS, "account.")
    policy, on_delete = _password_policy(ctx, account)
    enforce_mfa = _bool(ctx, account, "enforce_mfa", "account.enforce_mfa", True)
    credentials_key = _bool(ctx, account, "credentials_key", "account.credentials_key", True)
    access_analyzer = _bool(ctx, account, "access_analyzer", "account.access_analyzer", False)
    administrators = _principals(ctx, account, "credential_administrators", "account.credential_administrators")
    user_cleanup = _bool(ctx, account, "user_cleanup", "account.user_cleanup", True)
    window = account.get("departure_window_days", defaults.DEPARTURE_WINDOW_DAYS)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 3650:
        ctx.add(_line(account, "departure_window_days"), "account.departure_window_days",
                f"{show(window)} must be a whole number of days from 1 to 3650")
        window = defaults.DEPARTURE_WINDOW_DAYS
    required_tags = tuple(_str_list(ctx, account, "required_tags", "account.required_tags")) \
        if "required_tags" in account else defaults.REQUIRED_USER_TAGS
    prefix = account.get("stack_prefix", "Iam")
    if not isinstance(prefix, str) or not prefix.isalnum() or not prefix[:1].isalpha() or len(prefix) > 40:
        ctx.add(_line(account, "stack_prefix"), "account.stack_prefix",
                f"{show(prefix)} must be 1-40 letters and digits, starting with a letter")
        prefix = "Iam"
    user_stacks = account.get("user_stacks", DEFAULT_USER_STACKS)
    if isinstance(user_stacks, bool) or not isinstance(user_stacks, int) or not 1 <= user_stacks <= MAX_USER_STACKS:
        ctx.add(_line(account, "user_stacks"), "account.user_stacks",
                f"{show(user_stacks)} must be a whole number from 1 to {MAX_USER_STACKS}")
        user_stacks = DEFAULT_USER_STACKS

    groups = _groups(ctx, data)
    users = _users(ctx, data, required_tags)
    _cross_checks(ctx, groups, users, enforce_mfa, user_stacks, data, user_cleanup)
    if ctx.problems:
        return None, sorted(ctx.problems, key=lambda p: int(p.where.rsplit(":", 1)[1]))
    return Roster(path=path, password_policy=policy, password_policy_on_delete=on_delete, enforce_mfa=enforce_mfa,
                  credentials_key=credentials_key, required_tags=required_tags, stack_prefix=prefix,
                  user_stacks=user_stacks, groups=tuple(groups), users=tuple(users),
                  access_analyzer=access_analyzer, credential_administrators=tuple(administrators),
                  user_cleanup=user_cleanup, departure_window_days=window), []


def _password_policy(ctx: _Ctx, account: Mapping) -> tuple[PasswordPolicy | None, str]:
    if "password_policy" not in account:
        return PasswordPolicy(), "restore"
    raw = account.get("password_policy")
    line = _line(account, "password_policy")
    if raw is False:
        return None, "restore"  # the account's policy is left unmanaged
    if raw is None:
        ctx.add(line, "account.password_policy", "is empty; write {} for the CIS defaults, or false to leave the "
                                                 "account's password policy unmanaged")
        return None, "restore"
    if not isinstance(raw, dict):
        ctx.add(line, "account.password_policy", f"{show(raw)} must be a mapping (or false)")
        return None, "restore"
    fields = PasswordPolicy.field_names()
    _unknown(ctx, raw, fields + POLICY_EXTRA_KEYS, "account.password_policy.")
    policy = PasswordPolicy.from_mapping({k: v for k, v in raw.items() if k in fields})
    for problem in policy.problems("", "account.password_policy.").problems:
        key = problem.field.rsplit(".", 1)[-1]
        ctx.add(_line(raw, key), problem.field, problem.message)
    on_delete = raw.get("on_delete", "restore")
    if on_delete not in ("restore", "delete", "retain"):
        ctx.add(_line(raw, "on_delete"), "account.password_policy.on_delete",
                f"{show(on_delete)} must be restore, delete or retain")
    return policy, on_delete


def _items(ctx: _Ctx, data: Mapping, key: str) -> list[tuple[int, Mapping]]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.add(_line(data, key), key, f"{show(value)} must be a list")
        return []
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            ctx.add(_line(value, i), f"{key}[{i}]", f"{show(item)} must be a mapping with at least 'name'")
        else:
            out.append((i, item))
    return out


def _groups(ctx: _Ctx, data: Mapping) -> list[GroupSpec]:
    out = []
    for i, g in _items(ctx, data, "groups"):
        f = f"groups[{i}]"
        _unknown(ctx, g, GROUP_KEYS, f"{f}.")
        name = g.get("name")
        check_name(ctx.at(_line(g, "name") or _own_line(g)), f"{f}.name", name, max_len=limits.GROUP_NAME_MAX, kind="group")
        path = g.get("path", "/")
        check_path(ctx.at(_line(g, "path")), f"{f}.path", path)
        policies = _str_list(ctx, g, "managed_policies", f"{f}.managed_policies")
        for j, arn in enumerate(policies):
            managed_policy_arn(ctx.at(_line(g["managed_policies"], j)), f"{f}.managed_policies[{j}]", arn)
        raw_statements = g.get("statements") or []
        if not isinstance(raw_statements, list):
            ctx.add(_line(g, "statements"), f"{f}.statements", f"{show(raw_statements)} must be a list")
            raw_statements = []
        for j, s in enumerate(raw_statements):
            statement(ctx.at(_line(raw_statements, j)), f"{f}.statements[{j}]", s)
        ack = g.get("acknowledge")
        check_acknowledgements(ctx.at(_line(g, "acknowledge")), f"{f}.acknowledge", ack)
        if isinstance(name, str):
            out.append(GroupSpec(name=name, line=_own_line(g), index=i, lines=_lines(g), path=path if isinstance(path, str) else "/",
                                 managed_policies=tuple(policies), statements=tuple(raw_statements),
                                 acknowledge=dict(ack or {}) if isinstance(ack, dict) else {}))
    return out


def _users(ctx: _Ctx, data: Mapping, required_tags: tuple[str, ...]) -> list[UserSpec]:
    out = []
    for i, u in _items(ctx, data, "users"):
        f = f"users[{i}]"
        at = ctx.at
        _unknown(ctx, u, USER_KEYS, f"{f}.")
        name = u.get("name")
        check_name(at(_line(u, "name") or _own_line(u)), f"{f}.name", name, max_len=limits.USER_NAME_MAX, kind="user")
        path = u.get("path", "/")
        check_path(at(_line(u, "path")), f"{f}.path", path)
        console = _bool(ctx, u, "console", f"{f}.console", False)
        disabled = _bool(ctx, u, "disabled", f"{f}.disabled", False)
        reset = _bool(ctx, u, "password_reset_required", f"{f}.password_reset_required", True)
        cleanup = _bool(ctx, u, "cleanup_on_delete", f"{f}.cleanup_on_delete", True)
        groups = _str_list(ctx, u, "groups", f"{f}.groups")
        tags = _mapping(ctx, u, "tags", f"{f}.tags")
        tag_sink = at(_line(u, "tags"))
        check_tags(tag_sink, f"{f}.tags", dict(tags))
        present = {str(k).lower() for k, v in tags.items() if isinstance(v, str) and v}
        for key in required_tags:
            if key.lower() not in present:
                ctx.add(_line(u, "tags") or _own_line(u), f"{f}.tags.{key}",
                        f"required tag {key!r} is missing or empty (account.required_tags)")
        expires = None
        if "expires" in u:
            expires = parse_date(at(_line(u, "expires")), f"{f}.expires", u["expires"])
        since = None
        if "disabled_since" in u:
            since = parse_date(at(_line(u, "disabled_since")), f"{f}.disabled_since", u["disabled_since"])
            if since is not None and not disabled:
                ctx.add(_line(u, "disabled_since"), f"{f}.disabled_since",
                        "is given but the user is not disabled; add disabled: true")
            elif since is not None and since > _dt.date.today():
                ctx.add(_line(u, "disabled_since"), f"{f}.disabled_since",
                        f"{since.isoformat()} is in the future; give the day the user was disabled")
        slots = _key_slots(ctx, u, f)
        reason = u.get("console_and_keys_reason")
        if reason is not None and (not isinstance(reason, str) or not reason.strip()):
            ctx.add(_line(u, "console_and_keys_reason"), f"{f}.console_and_keys_reason", "must be a non-empty reason")
            reason = None
        if console and slots and reason is None:
            ctx.add(_line(u, "access_keys"), f"{f}.access_keys",
                    "a console user with access keys is refused (people sign in, bots use keys); split the user, "
                    "or add console_and_keys_reason: '<why>'")
        boundary = u.get("permissions_boundary")
        if boundary is not None:
            managed_policy_arn(at(_line(u, "permissions_boundary")), f"{f}.permissions_boundary", boundary)
        ack = u.get("acknowledge")
        check_acknowledgements(at(_line(u, "acknowledge")), f"{f}.acknowledge", ack)
        readers = _principals(ctx, u, "password_readers", f"{f}.password_readers")
        if readers and not console:
            ctx.add(_line(u, "password_readers"), f"{f}.password_readers",
                    "only a console user has a password secret to read; add console: true or remove the readers")
        if isinstance(name, str):
            out.append(UserSpec(
                name=name, line=_own_line(u), index=i, lines=_lines(u), path=path if isinstance(path, str) else "/", console=console,
                groups=tuple(groups), tags={str(k): v for k, v in tags.items()}, expires=expires,
                access_keys=tuple(slots), disabled=disabled, password_reset_required=reset,
                console_and_keys_reason=reason, permissions_boundary=boundary if isinstance(boundary, str) else None,
                acknowledge=dict(ack or {}) if isinstance(ack, dict) else {}, password_readers=tuple(readers),
                cleanup_on_delete=cleanup, disabled_since=since))
    return out


def _principals(ctx: _Ctx, data: Mapping, key: str, field_name: str) -> list[str]:
    """A list of IAM principal ARNs (roles or users that may read or administer credentials)."""
    arns = _str_list(ctx, data, key, field_name)
    for i, arn in enumerate(arns):
        if not _PRINCIPAL_ARN.match(arn):
            ctx.add(_line(data[key], i), f"{field_name}[{i}]",
                    f"{show(arn)} is not an IAM role or user ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)")
    return arns


def _key_slots(ctx: _Ctx, u: Mapping, f: str) -> list[AccessKeySlot]:
    raw = u.get("access_keys")
    if raw is None:
        return []
    if not isinstance(raw, list):
        ctx.add(_line(u, "access_keys"), f"{f}.access_keys", f"{show(raw)} must be a list of {{serial, active}}")
        return []
    if len(raw) > limits.ACCESS_KEYS_PER_USER_MAX:
        ctx.add(_line(u, "access_keys"), f"{f}.access_keys",
                f"{len(raw)} key slots; IAM allows {limits.ACCESS_KEYS_PER_USER_MAX} access keys per user")
    out, used = [], set()
    for j, k in enumerate(raw):
        kf, line = f"{f}.access_keys[{j}]", _line(raw, j)
        if not isinstance(k, dict):
            ctx.add(line, kf, f"{show(k)} must be a mapping like {{serial: 1, active: true}}")
            continue
        _unknown(ctx, k, KEY_SLOT_KEYS, f"{kf}.")
        serial = k.get("serial", 1)
        if isinstance(serial, bool) or not isinstance(serial, int) or serial < 1:
            ctx.add(_line(k, "serial") or line, f"{kf}.serial", f"{show(serial)} must be a whole number >= 1")
            serial = 1
        active = _bool(ctx, k, "active", f"{kf}.active", True)
        slot = k.get("slot", j + 1)
        if "slot" in k and (slot not in (1, 2) or isinstance(slot, bool)):
            ctx.add(_line(k, "slot") or line, f"{kf}.slot", f"{show(slot)} must be 1 or 2")
            continue
        if slot not in (1, 2):
            continue  # a third item: "N key slots" above says it
        if slot in used:
            ctx.add(_line(k, "slot") or line, f"{kf}.slot", f"slot {slot} is used twice; give the slots 1 and 2")
        used.add(slot)
        readers = _principals(ctx, k, "readers", f"{kf}.readers")
        out.append(AccessKeySlot(serial=serial, active=active, slot=slot, readers=tuple(readers)))
    return out


def _first_lines(items, what: str, ctx: _Ctx, field_prefix: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for item in items:
        key = item.name.lower()
        if key in seen:
            ctx.add(item.lines.get("name", item.line), f"{field_prefix}[{item.index}].name", f"{item.name!r} repeats the {what} at line {seen[key].line} "
                                                       "(IAM names are unique case-insensitively)")
        else:
            seen[key] = item
    return seen


def _cross_checks(ctx: _Ctx, groups: list[GroupSpec], users: list[UserSpec], enforce_mfa: bool,
                  user_stacks: int, data: Mapping, user_cleanup: bool = True) -> None:
    known_groups = _first_lines(groups, "group", ctx, "groups")
    _first_lines(users, "user", ctx, "users")
    if len(users) > limits.USERS_PER_ACCOUNT_MAX:
        ctx.add(_line(data, "users"), "users", f"{len(users)} users; an account holds at most "
                                              f"{limits.USERS_PER_ACCOUNT_MAX}")
    if len(groups) > limits.GROUPS_PER_ACCOUNT_MAX:
        ctx.add(_line(data, "groups"), "groups", f"{len(groups)} groups; an account holds at most "
                                                 f"{limits.GROUPS_PER_ACCOUNT_MAX}")
    console_members: dict[str, list[str]] = {}
    key_members: dict[str, list[str]] = {}
    for u in users:
        f, line = f"users[{u.index}].groups", u.lines.get("groups", u.line)
        lowered = [g.lower() for g in u.groups]
        for g in sorted({g for g in lowered if lowered.count(g) > 1}):
            ctx.add(line, f, f"group {g!r} is listed twice")
        if len(u.groups) > limits.GROUPS_PER_USER_MAX:
            ctx.add(line, f, f"{len(u.groups)} groups; IAM allows a user in at most {limits.GROUPS_PER_USER_MAX}")
        for g in u.groups:
            if g.lower() not in known_groups:
                ctx.add(line, f, f"{g!r} is not a group of this roster; declare it under groups:")
            if u.console:
                console_members.setdefault(g.lower(), []).append(u.name)
            if u.access_keys and not u.console:
                # A person with keys (console_and_keys_reason) can call sts:GetSessionToken with an
                # MFA code, which the deny leaves open; a bot has no MFA device to do that.
                key_members.setdefault(g.lower(), []).append(u.name)
    for g in groups:
        f = f"groups[{g.index}]"
        mfa = enforce_mfa and g.name.lower() in console_members
        count = len(g.managed_policies) + (1 if g.statements else 0) + (2 if mfa else 0)
        if count > limits.MANAGED_POLICIES_PER_GROUP_MAX:
            ctx.add(g.lines.get("managed_policies", g.line), f"{f}.managed_policies",
                    f"{count} managed policies would be attached ({len(g.managed_policies)} listed"
                    f"{', +1 for statements' if g.statements else ''}{', +2 for MFA enforcement' if mfa else ''}); "
                    f"IAM allows {limits.MANAGED_POLICIES_PER_GROUP_MAX} per group")
        if mfa and g.name.lower() in key_members:
            ctx.add(g.line, f"{f}.name",
                    f"{g.name!r} has console users ({', '.join(console_members[g.name.lower()][:3])}) and access-key "
                    f"only users ({', '.join(key_members[g.name.lower()][:3])}): the MFA deny would block every request "
                    "their keys sign (they have no MFA device for sts:GetSessionToken); put people and bots in "
                    "separate groups")
    load: dict[int, int] = {}
    for u in users:
        load[stack_index(u.name, user_stacks)] = load.get(stack_index(u.name, user_stacks), 0) + u.resource_count \
            - (1 if u.cleanup_on_delete and not user_cleanup else 0)
    for index, count in sorted(load.items()):
        if count > RESOURCES_PER_STACK_BUDGET:
            total = sum(load.values())
            ctx.add(_line(data.get("account") or {}, "user_stacks") or 1, "account.user_stacks",
                    f"user stack {index + 1} of {user_stacks} would hold {count} resources (budget "
                    f"{RESOURCES_PER_STACK_BUDGET}, CloudFormation's limit 500); set user_stacks to at least "
                    f"{-(-total * 5 // (RESOURCES_PER_STACK_BUDGET * 4))} for {len(users)} users. Changing it "
                    "moves users between stacks: choose it for the size you expect to reach (README)")
            break
