"""Roster format version 1: fields, defaults and every check, as problems ``PATH:LINE: FIELD: message``.

Version 1 as published, plus optional extensions (marked "ext" below) that never change the
meaning of a version-1 file.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from .. import defaults, limits
from ..credentials import PRINCIPAL_ARN, AccessKeySlot, ConsoleAccess
from ..errors import Problem, ProblemCollector, show
from ..password_policy.spec import PasswordPolicy
from .loader import LineDict, LineList

if TYPE_CHECKING:
    from ..password_policy.construct import OnDelete

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
             "password_readers", "cleanup_on_delete", "disabled_since", "replace_reason")
KEY_SLOT_KEYS = ("serial", "active", "slot",
                 # ext
                 "readers")
DEFAULT_USER_STACKS = 4
MAX_USER_STACKS = 200
RESOURCES_PER_STACK_BUDGET = limits.STACK_RESOURCES_BUDGET
_STACK_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9]{0,39}")


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
    replace_reason: str | None = None  # ext: why this user is intentionally replaced or moved

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
    password_policy_on_delete: OnDelete
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

    def user_stack_name(self, index: int) -> str:
        """The name of user stack ``index`` (0-based): the prefix, ``Users`` and the 1-based number,
        zero-padded to the width of ``user_stacks``."""
        return f"{self.stack_prefix}Users{index + 1:0{len(str(self.user_stacks))}d}"

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
    if type(version) is not int or version != 1:  # True == 1 and 1.0 == 1 in Python
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
    if not isinstance(prefix, str) or not _STACK_PREFIX.fullmatch(prefix):
        ctx.add(_line(account, "stack_prefix"), "account.stack_prefix",
                f"{show(prefix)} must be 1-40 ASCII letters and digits, starting with a letter (it begins "
                "CloudFormation stack names)")
        prefix = "Iam"
    user_stacks = account.get("user_stacks", DEFAULT_USER_STACKS)
    if isinstance(user_stacks, bool) or not isinstance(user_stacks, int) or not 1 <= user_stacks <= MAX_USER_STACKS:
        ctx.add(_line(account, "user_stacks"), "account.user_stacks",
                f"{show(user_stacks)} must be a whole number from 1 to {MAX_USER_STACKS}")
        user_stacks = DEFAULT_USER_STACKS

    raw_groups = _groups(ctx, data)
    groups = [g for g, _ in raw_groups]
    valid_policy = policy if policy is not None and not policy.problems("").problems else None
    users = _users(ctx, data, required_tags, valid_policy, user_cleanup, account)
    mfa = {g.lower() for u in users if u.console for g in u.groups} if enforce_mfa else set()
    _plan_groups(ctx, raw_groups, mfa, account)
    _cross_checks(ctx, [g for g in groups if isinstance(g.name, str)], users, enforce_mfa, user_stacks, data,
                  user_cleanup)
    if ctx.problems:
        return None, sorted(ctx.problems, key=lambda p: int(p.where.rsplit(":", 1)[1]))
    return Roster(path=path, password_policy=policy, password_policy_on_delete=on_delete, enforce_mfa=enforce_mfa,
                  credentials_key=credentials_key, required_tags=required_tags, stack_prefix=prefix,
                  user_stacks=user_stacks, groups=tuple(groups), users=tuple(users),
                  access_analyzer=access_analyzer, credential_administrators=tuple(administrators),
                  user_cleanup=user_cleanup, departure_window_days=window), []


def _password_policy(ctx: _Ctx, account: Mapping) -> tuple[PasswordPolicy | None, OnDelete]:
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
    out: list[tuple[int, Mapping]] = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            ctx.add(_line(value, i), f"{key}[{i}]", f"{show(item)} must be a mapping with at least 'name'")
        else:
            out.append((i, item))
    return out


# Construct ids the account stack already holds (the builder names each group's construct after the
# group): a group of one of these names would collide with them.
RESERVED_GROUP_NAMES = ("PasswordPolicy", "CredentialsKey", "AccessAnalyzer", "IamConstructsMfaEnforcement",
                        "IamConstructsSelfServiceCredentials", "CDKMetadata", "BootstrapVersion",
                        "CheckBootstrapVersion")

# Roster keys and construct props: the constructs' checks speak of props, the roster of its keys.
USER_KEY_OF_PROP = {"user_name": "name", "console_access": "console", "programmatic_access": "access_keys",
                    "acknowledgements": "acknowledge"}
GROUP_KEY_OF_PROP = {"group_name": "name", "acknowledgements": "acknowledge"}
_CONSOLE_KEYS = ("password_readers", "password_reset_required")
_FIELD = re.compile(r"([A-Za-z_]+)(.*)\Z", re.S)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _translate(ctx: _Ctx, item: Mapping, prefix: str, key_of_prop: Mapping[str, str], problem: Problem,
               account: Mapping) -> None:
    """A construct's problem as the roster's: ``FILE:LINE: users[3].tags.Owner: message``, the line
    that of the deepest roster field it names."""
    m = _FIELD.match(problem.field)
    top, rest = (m.group(1), m.group(2)) if m else (problem.field, "")
    if top == "required_tags":
        ctx.add(_line(account, "required_tags") or _own_line(item), "account.required_tags", problem.message)
        return
    if top == "console_access":
        for key in _CONSOLE_KEYS:
            if rest == f".{key}" or rest.startswith((f".{key}.", f".{key}[")):
                top, rest = key, rest[len(key) + 1:]
                break
    key = key_of_prop.get(top, top)
    line = _line(item, key) or _own_line(item)
    node = item.get(key) if isinstance(item, Mapping) else None
    if key == "tags" and rest.startswith("."):
        tag = rest[1:]
        if isinstance(node, LineDict) and tag in node:
            line = node.line_of(tag) or line
    else:
        # A statement's problems are told at the statement's line (its keys may be spread over several).
        for n, step in enumerate(_STEP.finditer(rest)):
            name, index = step.group(1), step.group(2)
            if key == "statements" and n >= 1:
                break
            if index is not None and isinstance(node, LineList) and int(index) < len(node):
                line, node = node.line_of(int(index)) or line, node[int(index)]
            elif name is not None and isinstance(node, LineDict) and name in node:
                line, node = node.line_of(name) or line, node[name]
            else:
                break
    ctx.add(line, f"{prefix}{key}{rest}", problem.message)


def _groups(ctx: _Ctx, data: Mapping) -> list[tuple[GroupSpec, Mapping]]:
    """Each group's structure (its checks are IamGroup's: see ``_plan_groups``)."""
    out = []
    for i, g in _items(ctx, data, "groups"):
        f = f"groups[{i}]"
        _unknown(ctx, g, GROUP_KEYS, f"{f}.")
        name: Any = g.get("name")  # any YAML value: IamGroup's checks (_plan_groups) report one that is not a name
        policies = _str_list(ctx, g, "managed_policies", f"{f}.managed_policies")
        raw_statements = g.get("statements") or []
        if not isinstance(raw_statements, list):
            ctx.add(_line(g, "statements"), f"{f}.statements", f"{show(raw_statements)} must be a list")
            raw_statements = []
        if isinstance(name, str) and name in RESERVED_GROUP_NAMES:
            ctx.add(_line(g, "name") or _own_line(g), f"{f}.name",
                    f"{name!r} is the name of a construct the account stack holds; rename the group")
        if "name" not in g:
            ctx.add(_own_line(g), f"{f}.name", "missing; every group needs a name")
            continue
        path = g.get("path", "/")
        ack: Any = g.get("acknowledge")  # any YAML value, checked there too
        out.append((GroupSpec(name=name, line=_own_line(g), index=i, lines=_lines(g), path=path,
                              managed_policies=tuple(policies), statements=tuple(raw_statements),
                              acknowledge=dict(ack) if isinstance(ack, dict) else ack), g))
    return out


def _plan_groups(ctx: _Ctx, groups: list[tuple[GroupSpec, Mapping]], mfa: set[str], account: Mapping) -> None:
    """Every group through IamGroup's own checks (``plan_group``), as it will be built."""
    from ..group import plan_group
    for g, raw in groups:
        _, problems = plan_group("", group_name=g.name, path=g.path, managed_policies=g.managed_policies,
                                 statements=g.statements, acknowledgements=g.acknowledge,
                                 enforce_mfa=isinstance(g.name, str) and g.name.lower() in mfa)
        for problem in problems:
            _translate(ctx, raw, f"groups[{g.index}].", GROUP_KEY_OF_PROP, problem, account)


def user_props(*, name: Any, path: Any, groups: Any, tags: Any, expires: Any, disabled: Any, disabled_since: Any,
               console: bool, password_reset_required: Any, password_readers: Any, access_keys: Any,
               console_and_keys_reason: Any, permissions_boundary: Any, acknowledge: Any, cleanup_on_delete: Any,
               required_tags: Any, password_policy: PasswordPolicy | None, user_cleanup: bool,
               credentials_key: Any = None):
    """A roster user as IamUser's props: what the schema checks (with group names) is what the
    builder builds (with the groups themselves and the key), through this one mapping."""
    from ..user import UserProps
    return UserProps(
        user_name=name, path=path, groups=groups, tags=tags, required_tags=required_tags, expires=expires,
        disabled=disabled, disabled_since=disabled_since, password_policy=password_policy,
        console_access=ConsoleAccess(password_reset_required=password_reset_required,
                                     password_readers=password_readers) if console else False,
        programmatic_access=list(access_keys) if access_keys else False,
        console_and_keys_reason=console_and_keys_reason, permissions_boundary=permissions_boundary,
        acknowledgements=acknowledge or None, cleanup_on_delete=user_cleanup and cleanup_on_delete,
        credentials_key=credentials_key)


def _users(ctx: _Ctx, data: Mapping, required_tags: tuple[str, ...], policy: PasswordPolicy | None,
           user_cleanup: bool, account: Mapping) -> list[UserSpec]:
    """Each user's structure here; its checks are IamUser's (``plan_user``), on the props the
    builder will give it."""
    from ..user import plan_user
    out = []
    for i, u in _items(ctx, data, "users"):
        f = f"users[{i}]"
        _unknown(ctx, u, USER_KEYS, f"{f}.")
        if "name" not in u:
            ctx.add(_own_line(u), f"{f}.name", "missing; every user needs a name")
        name = u.get("name")
        console = _bool(ctx, u, "console", f"{f}.console", False)
        disabled = _bool(ctx, u, "disabled", f"{f}.disabled", False)
        reset = _bool(ctx, u, "password_reset_required", f"{f}.password_reset_required", True)
        cleanup = _bool(ctx, u, "cleanup_on_delete", f"{f}.cleanup_on_delete", True)
        groups = _str_list(ctx, u, "groups", f"{f}.groups")
        tags = _mapping(ctx, u, "tags", f"{f}.tags")
        slots = _key_slots(ctx, u, f)
        readers = u.get("password_readers") or []
        if readers and not console:
            ctx.add(_line(u, "password_readers"), f"{f}.password_readers",
                    "only a console user has a password secret to read; add console: true or remove the readers")
        replace_reason = u.get("replace_reason")
        if replace_reason is not None and not (isinstance(replace_reason, str) and replace_reason.strip()):
            ctx.add(_line(u, "replace_reason"), f"{f}.replace_reason",
                    f"{show(replace_reason)} must be a non-empty reason (why this user is replaced or moved)")
            replace_reason = None
        props = user_props(
            name=name, path=u.get("path", "/"), groups=groups, tags=dict(tags), expires=u.get("expires"),
            disabled=disabled, disabled_since=u.get("disabled_since"), console=console,
            password_reset_required=reset, password_readers=readers, access_keys=slots,
            console_and_keys_reason=u.get("console_and_keys_reason"),
            permissions_boundary=u.get("permissions_boundary"), acknowledge=u.get("acknowledge"),
            cleanup_on_delete=cleanup, required_tags=required_tags, password_policy=policy, user_cleanup=user_cleanup)
        plan, problems = plan_user(None, "", props)
        for problem in problems:
            _translate(ctx, u, f"{f}.", USER_KEY_OF_PROP, problem, account)
        if isinstance(name, str):  # kept for the cross-user checks even when it has problems
            ack = props.acknowledgements
            out.append(UserSpec(
                name=name, line=_own_line(u), index=i, lines=_lines(u), path=props.path, console=console,
                groups=tuple(groups), tags={str(k): v for k, v in tags.items()},
                expires=plan.expires if plan else None, access_keys=tuple(slots), disabled=disabled,
                password_reset_required=reset, console_and_keys_reason=props.console_and_keys_reason,
                permissions_boundary=props.permissions_boundary,
                acknowledge=dict(ack) if isinstance(ack, dict) else {},
                password_readers=tuple(readers) if isinstance(readers, list) else (), cleanup_on_delete=cleanup,
                disabled_since=plan.disabled_since if plan else None, replace_reason=replace_reason))
    return out


def _principals(ctx: _Ctx, data: Mapping, key: str, field_name: str) -> list[str]:
    """A list of IAM principal ARNs (roles or users that may read or administer credentials)."""
    arns = _str_list(ctx, data, key, field_name)
    for i, arn in enumerate(arns):
        if not PRINCIPAL_ARN.match(arn):
            ctx.add(_line(data[key], i), f"{field_name}[{i}]",
                    f"{show(arn)} is not an IAM role or user ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)")
    return arns


def _key_slots(ctx: _Ctx, u: Mapping, f: str) -> list[AccessKeySlot]:
    """The slots' structure; their values are checked by IamUser's own checks (``plan_user``)."""
    raw = u.get("access_keys")
    if raw is None:
        return []
    if not isinstance(raw, list):
        ctx.add(_line(u, "access_keys"), f"{f}.access_keys", f"{show(raw)} must be a list of {{serial, active}}")
        return []
    out = []
    for j, k in enumerate(raw):
        kf, line = f"{f}.access_keys[{j}]", _line(raw, j)
        if not isinstance(k, dict):
            ctx.add(line, kf, f"{show(k)} must be a mapping like {{serial: 1, active: true}}")
            continue
        _unknown(ctx, k, KEY_SLOT_KEYS, f"{kf}.")
        active = _bool(ctx, k, "active", f"{kf}.active", True)
        out.append(AccessKeySlot(serial=k.get("serial", 1), active=active, slot=k.get("slot"),
                                 readers=k.get("readers") or ()))
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
        for name in u.groups:
            if name.lower() not in known_groups:
                ctx.add(line, f, f"{name!r} is not a group of this roster; declare it under groups:")
            if u.console:
                console_members.setdefault(name.lower(), []).append(u.name)
            if u.access_keys and not u.console:
                # A person with keys (console_and_keys_reason) can call sts:GetSessionToken with an
                # MFA code, which the deny leaves open; a bot has no MFA device to do that.
                key_members.setdefault(name.lower(), []).append(u.name)
    for g in groups:
        f = f"groups[{g.index}]"
        mfa = enforce_mfa and g.name.lower() in console_members
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
                    f"{RESOURCES_PER_STACK_BUDGET}, CloudFormation's limit {limits.STACK_RESOURCES_MAX}); set user_stacks to at least "
                    f"{-(-total * 5 // (RESOURCES_PER_STACK_BUDGET * 4))} for {len(users)} users. Changing it "
                    "moves users between stacks: run iam-constructs plan with --refactor-out first, which moves "
                    "them by stack refactoring without replacing anyone (README: Growing a roster)")
            break
