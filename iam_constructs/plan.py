"""Change safety: what deploying a new roster over the deployed one does to every user, group and key.

``iam-constructs plan BASE NEW`` compares two parsed rosters (no synth) and names every change:
users added, removed, disabled, re-enabled, regrouped, retagged, moved between stacks, replaced;
key slots created, rotated, deactivated, removed; password-policy and group changes. Changes that
destroy something a person or a client holds are hazards: a user replaced (its keys and login
profile are gone), a rotation that IAM's two-key limit refuses mid-deployment, a move between
stacks without a refactor, a changed logical id. Each hazard names the roster field and the safe
way. Exit 0 safe, 3 hazards, 2 bad input.

A user with ``replace_reason`` is an acknowledged replacement: still reported, not a hazard.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import Problem

EXIT_SAFE, EXIT_BAD_INPUT, EXIT_HAZARDS = 0, 2, 3
KEYS_PER_USER = 2  # IAM: two access keys per user, active or inactive


@dataclass(frozen=True)
class Change:
    """One change: ``kind`` user, group, key or account; ``change`` its class (added, rotated...)."""

    kind: str
    name: str
    change: str
    detail: str = ""
    where: str = ""
    field: str = ""


@dataclass(frozen=True)
class Hazard:
    """A change that destroys something deployed or fails mid-deployment, and the safe way."""

    where: str
    field: str
    name: str
    change: str
    message: str
    safe_way: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}; safe way: {self.safe_way}"


@dataclass
class Plan:
    base: str
    new: str
    changes: list[Change] = field(default_factory=list)
    hazards: list[Hazard] = field(default_factory=list)
    moves: list[Any] = field(default_factory=list)  # refactor.Move, one per moved user
    refactor: bool = False  # the moves are carried out by a stack refactor (no replacement)
    refactor_files: dict[str, Any] | None = None  # what --refactor-out wrote

    @property
    def safe(self) -> bool:
        return not self.hazards

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for c in self.changes:
            counts[f"{c.kind} {c.change}"] = counts.get(f"{c.kind} {c.change}", 0) + 1
        return {"base": self.base, "new": self.new, "safe": self.safe, "counts": dict(sorted(counts.items())),
                "changes": [asdict(c) for c in self.changes], "hazards": [asdict(h) for h in self.hazards],
                "moved_users": len(self.moves), "refactor": self.refactor_files if self.refactor else None}


# -- naming: the stack a user lives in ---------------------------------------------------------

def user_stack_name(roster, index: int) -> str:
    """The name of user stack ``index`` (0-based), as the roster builder names it."""
    return roster.user_stack_name(index)


def stack_name_of(roster, user_name: str) -> str:
    return user_stack_name(roster, roster.stack_of(user_name))


def replace_reason(user) -> str | None:
    reason = getattr(user, "replace_reason", None)
    return reason if isinstance(reason, str) and reason.strip() else None


# -- comparison --------------------------------------------------------------------------------

def _at(roster, item, key: str | None = None) -> str:
    lines = getattr(item, "lines", {}) or {}
    line = lines.get(key, item.line) if key else item.line
    return f"{roster.path}:{line}"


def key_slots(user) -> list[tuple[int, Any]]:
    """(slot number, slot) pairs: a slot without ``slot`` takes its position (1, 2), as IamUser does."""
    return [(s.slot if s.slot is not None else i + 1, s) for i, s in enumerate(user.access_keys)]


def _key_status(user, slot) -> str:
    return "Active" if slot.active and not user.disabled else "Inactive"


def compare(base, new, *, refactor: bool = False) -> Plan:
    """Every change from ``base`` to ``new`` (both parsed rosters) and the hazards among them.

    ``refactor``: moves between stacks will be carried out by a stack refactor (``--refactor-out``),
    so they replace nothing.
    """
    from . import refactor as rf
    from ._user_template import logical_id

    plan = Plan(base=base.path, new=new.path, refactor=refactor)
    add = plan.changes.append
    _account(base, new, add)
    _groups(base, new, add, plan.hazards)
    if base.stack_prefix != new.stack_prefix:
        plan.hazards.append(Hazard(
            f"{new.path}:1", "account.stack_prefix", new.stack_prefix, "changed",
            f"{base.stack_prefix!r} -> {new.stack_prefix!r} renames every stack, the account stack too: its groups, "
            "password policy and credentials key would be made again in a new stack while the old one still holds "
            "them (EntityAlreadyExists for the groups; secrets left under a key of the old stack)",
            f"keep stack_prefix: {base.stack_prefix}; a second roster in the same account takes its own prefix"))
    old_users = {u.name.lower(): u for u in base.users}
    new_users = {u.name.lower(): u for u in new.users}
    for key, u in new_users.items():
        if key not in old_users:
            add(Change("user", u.name, "added", f"in {stack_name_of(new, u.name)}", _at(new, u), f"users[{u.index}]"))
    for key, u in old_users.items():
        if key not in new_users:
            cleanup = base.user_cleanup and u.cleanup_on_delete
            detail = ("cleanup on: what was added by hand (MFA devices, keys, policies) is cleared, then the user is "
                      "deleted" if cleanup else
                      "cleanup off: DeleteUser fails with DeleteConflict if the person enrolled MFA or added "
                      "credentials by hand; clear them first")
            add(Change("user", u.name, "removed", detail, _at(base, u), f"users[{u.index}]"))
    for key, u in new_users.items():
        old = old_users.get(key)
        if old is None:
            continue
        f = f"users[{u.index}]"
        acknowledged = replace_reason(u)
        replaced: list[str] = []
        if logical_id(old.name) != logical_id(u.name):
            add(Change("user", u.name, "stable-id change", f"{logical_id(old.name)} -> {logical_id(u.name)}",
                       _at(new, u, "name"), f"{f}.name"))
            replaced.append("stable-id")
            if not acknowledged:
                plan.hazards.append(Hazard(
                    _at(new, u, "name"), f"{f}.name", u.name, "stable-id change",
                    f"renaming {old.name!r} to {u.name!r} changes its logical id ({logical_id(old.name)} -> "
                    f"{logical_id(u.name)}): CloudFormation replaces the user, destroying its keys, login profile "
                    "and MFA enrolment (and it creates the new user before deleting the old one, which IAM refuses "
                    "for a name that differs only in case: EntityAlreadyExists)",
                    f"keep the deployed spelling {old.name!r} (IAM names are case-insensitive), or add "
                    "replace_reason: '<why>' to this user to accept the replacement"))
        src, dst = stack_name_of(base, old.name), stack_name_of(new, u.name)
        if src != dst and "stable-id" not in replaced:
            plan.moves.append(rf.Move(user=u.name, source=src, destination=dst))
            add(Change("user", u.name, "moved", f"{src} -> {dst}" + (" (stack refactor)" if refactor else ""),
                       _at(new, u), f))
            if not refactor:
                replaced.append("move")
                if not acknowledged:
                    plan.hazards.append(Hazard(
                        _at(new, u), f, u.name, "moved",
                        f"the user moves from {src} to {dst} (account.user_stacks or account.stack_prefix "
                        "changed): deploying deletes it from one stack and creates it in the other, destroying its "
                        "keys, login profile and MFA enrolment",
                        "run plan with --refactor-out DIR --templates DEPLOYED_TEMPLATES and carry out the stack "
                        "refactor it writes before deploying (README: Growing a roster)"))
        if replaced:
            add(Change("user", u.name, "replaced", ", ".join(replaced) + (
                f"; acknowledged: replace_reason {acknowledged!r}" if acknowledged else ""), _at(new, u), f))
        _user_fields(new, old, u, f, add)
        _keys(plan, new, old, u, f, add, replaced=bool(replaced))
    return plan


def _user_fields(new, old, u, f: str, add) -> None:
    if old.disabled != u.disabled:
        add(Change("user", u.name, "disabled" if u.disabled else "re-enabled",
                   "login profile removed, keys inactive" if u.disabled else "login profile and keys back",
                   _at(new, u, "disabled"), f"{f}.disabled"))
    og, ng = {g.lower(): g for g in old.groups}, {g.lower(): g for g in u.groups}
    if set(og) != set(ng):
        parts = [f"+{ng[g]}" for g in sorted(set(ng) - set(og))] + [f"-{og[g]}" for g in sorted(set(og) - set(ng))]
        add(Change("user", u.name, "groups changed", " ".join(parts), _at(new, u, "groups"), f"{f}.groups"))
    if dict(old.tags) != dict(u.tags) or old.expires != u.expires:
        parts = []
        for k in sorted(set(old.tags) | set(u.tags)):
            if old.tags.get(k) != u.tags.get(k):
                parts.append(f"{k}: {old.tags.get(k)!r} -> {u.tags.get(k)!r}")
        if old.expires != u.expires:
            parts.append(f"expires: {old.expires} -> {u.expires}")
        add(Change("user", u.name, "tags changed", "; ".join(parts), _at(new, u, "tags"), f"{f}.tags"))
    if old.console != u.console:
        add(Change("user", u.name, "console on" if u.console else "console off",
                   "login profile and password secret " + ("created" if u.console else "deleted"),
                   _at(new, u, "console"), f"{f}.console"))
    for attr in ("path", "permissions_boundary", "password_reset_required", "password_readers", "disabled_since",
                 "cleanup_on_delete", "console_and_keys_reason"):
        if _plain(getattr(old, attr, None)) != _plain(getattr(u, attr, None)):
            add(Change("user", u.name, f"{attr.replace('_', ' ')} changed",
                       f"{_plain(getattr(old, attr, None))!r} -> {_plain(getattr(u, attr, None))!r}",
                       _at(new, u, attr), f"{f}.{attr}"))


def _keys(plan: Plan, new, old, u, f: str, add, *, replaced: bool) -> None:
    before = dict(key_slots(old))
    after = dict(key_slots(u))
    position = {n: i for i, (n, _) in enumerate(key_slots(u))}
    created_now = []  # slots whose key CloudFormation creates in this deployment
    for n in sorted(set(before) | set(after)):
        b, a = before.get(n), after.get(n)
        name = f"{u.name} slot {n}"
        kf = f"{f}.access_keys[{position[n]}]" if n in position else f"{f}.access_keys"
        where = _at(new, u, "access_keys")
        if b is None:
            made = after[n]
            add(Change("key", name, "created", f"serial {made.serial}, {_key_status(u, made).lower()}", where, kf))
            created_now.append(n)
        elif a is None:
            add(Change("key", name, "removed", "the key and its secret are deleted; clients using it stop working",
                       where, kf))
        else:
            if a.serial != b.serial:
                add(Change("key", name, "rotated", f"serial {b.serial} -> {a.serial}: a new key and secret value; "
                                                   "the old key is deleted", where, f"{kf}.serial"))
                created_now.append(n)
            if tuple(a.readers) != tuple(b.readers):
                add(Change("key", name, "readers changed", f"{list(b.readers)} -> {list(a.readers)}", where,
                           f"{kf}.readers"))
            if _key_status(old, b) != _key_status(u, a):
                add(Change("key", name, "deactivated" if _key_status(u, a) == "Inactive" else "activated",
                           f"{_key_status(old, b)} -> {_key_status(u, a)}", where, f"{kf}.active"))
    if replaced or not created_now:
        return
    # CloudFormation creates every new key (new slots, bumped serials) before it deletes any old one
    # (in its cleanup phase), and IAM refuses a third key, active or not (LimitExceeded).
    peak = len(before) + len(created_now)
    if peak > KEYS_PER_USER:
        rotated = [n for n in created_now if n in before]
        n = rotated[0] if rotated else created_now[0]
        kf = f"{f}.access_keys[{position[n]}].serial" if n in position else f"{f}.access_keys"
        other = next((m for m in (1, 2) if m != n), 2)
        if rotated and len(before) == KEYS_PER_USER and len(created_now) == 1:
            message = (f"slot {n} is rotated (serial {before[n].serial} -> {after[n].serial}) while slot {other} "
                       f"holds a key: CloudFormation creates the new key before deleting the old one, and IAM "
                       f"allows {KEYS_PER_USER} keys per user, so the deployment fails with LimitExceeded")
            safe = (f"rotate into a free slot: remove slot {other} first (deploy), then add slot {other} with "
                    f"serial 1 beside slot {n}, deploy, switch clients to the new key, then remove slot {n}")
        else:
            message = (f"this deployment would create {len(created_now)} key(s) while {len(before)} exist: "
                       f"{peak} keys at once, IAM allows {KEYS_PER_USER} per user (LimitExceeded)")
            safe = ("one key change per deployment: add the new slot (serial 1) in one deployment, switch "
                    "clients, remove the old slot in the next")
        plan.hazards.append(Hazard(_at(new, u, "access_keys"), kf, u.name, "rotated", message, safe))
    elif len(before) == 1 and [n for n in created_now if n in before]:
        pass  # rotation beside a free slot: two keys at most, fine


def _account(base, new, add) -> None:
    where = f"{new.path}:1"
    bp, np_ = base.password_policy, new.password_policy
    if (bp is None) != (np_ is None):
        add(Change("account", "password_policy", "password-policy change",
                   "now managed by the roster" if np_ is not None else
                   "no longer managed: the custom resource's delete applies its on_delete "
                   f"({base.password_policy_on_delete})", where, "account.password_policy"))
    elif bp is not None and bp != np_:
        parts = [f"{k}: {getattr(bp, k)!r} -> {getattr(np_, k)!r}" for k in type(bp).field_names()
                 if getattr(bp, k) != getattr(np_, k)]
        add(Change("account", "password_policy", "password-policy change", "; ".join(parts), where,
                   "account.password_policy"))
    if base.password_policy_on_delete != new.password_policy_on_delete:
        add(Change("account", "password_policy", "password-policy change",
                   f"on_delete: {base.password_policy_on_delete} -> {new.password_policy_on_delete}", where,
                   "account.password_policy.on_delete"))
    for attr in ("enforce_mfa", "credentials_key", "user_cleanup", "access_analyzer", "required_tags",
                 "credential_administrators", "departure_window_days", "user_stacks", "stack_prefix"):
        if getattr(base, attr) != getattr(new, attr):
            add(Change("account", attr, "changed", f"{getattr(base, attr)!r} -> {getattr(new, attr)!r}", where,
                       f"account.{attr}"))


def _groups(base, new, add, hazards: list) -> None:
    old = {g.name.lower(): g for g in base.groups}
    now = {g.name.lower(): g for g in new.groups}
    for key, g in now.items():
        f = f"groups[{g.index}]"
        if key not in old:
            add(Change("group", g.name, "added", "", _at(new, g), f))
            continue
        o = old[key]
        if o.name != g.name:
            add(Change("group", g.name, "replaced", f"renamed {o.name!r} -> {g.name!r}", _at(new, g, "name"),
                       f"{f}.name"))
            hazards.append(Hazard(
                _at(new, g, "name"), f"{f}.name", g.name, "replaced",
                f"renaming group {o.name!r} to {g.name!r} changes only the case: CloudFormation creates the new group "
                "before deleting the old one, and IAM refuses a name that differs only in case (EntityAlreadyExists)",
                f"keep the deployed spelling {o.name!r}, or rename it in two deployments through another name"))
        for attr in ("path", "managed_policies", "statements"):
            if _plain(getattr(o, attr)) != _plain(getattr(g, attr)):
                add(Change("group", g.name, f"{attr.replace('_', ' ')} changed", "", _at(new, g, attr), f"{f}.{attr}"))
    for key, g in old.items():
        if key not in now:
            add(Change("group", g.name, "removed", "", _at(base, g), f"groups[{g.index}]"))


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


# -- loading -----------------------------------------------------------------------------------

def _git_show(spec: str, cwd: str | None) -> tuple[str | None, str]:
    try:
        out = subprocess.run(["git", "show", spec], cwd=cwd or None, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"git could not run: {e}"
    if out.returncode != 0:
        return None, " ".join(out.stderr.decode("utf-8", "replace").split())[:300] or "git show failed"
    return out.stdout.decode("utf-8", "surrogateescape"), ""


def load_text(text: str, label: str):
    """A roster from text (a git blob): (roster, problems), problems named ``label:LINE``."""
    from .roster import loader, schema
    if len(text.encode("utf-8", "surrogateescape")) > loader.MAX_BYTES:
        return None, [Problem(f"{label}:0", "roster", f"more than {loader.MAX_BYTES:,} bytes")]
    data, problems = loader.load(text, label)
    if problems:
        return None, problems
    return schema.parse(data, label)


def load_revision(rev: str, path: str):
    """The roster at ``path`` as git revision ``rev`` holds it (``git show REV:./NAME`` in its folder)."""
    folder = os.path.dirname(os.path.abspath(path))
    text, error = _git_show(f"{rev}:./{os.path.basename(path)}", folder)
    label = f"{rev}:{path}"
    if text is None:
        return None, [Problem(f"{label}:0", "--base-rev", f"cannot read it from git: {error}")]
    return load_text(text, label)


def load_base(spec: str):
    """A roster file, or ``REV:PATH`` (read with ``git show``) when no such file exists."""
    from .roster import load_roster
    if os.path.exists(spec) or ":" not in spec:
        return load_roster(spec)
    text, error = _git_show(spec, None)
    if text is None:
        return None, [Problem(f"{spec}:0", "roster", f"neither a file nor a git REV:PATH: {error}")]
    return load_text(text, spec)


# -- output ------------------------------------------------------------------------------------

def table(plan: Plan) -> str:
    rows = [(c.kind, c.name, c.change, c.detail) for c in plan.changes]
    lines = [f"plan {plan.base} -> {plan.new}: {len(plan.changes)} change(s), {len(plan.hazards)} hazard(s)"]
    if rows:
        widths = [max(len(r[i]) for r in rows + [("kind", "name", "change", "")]) for i in range(3)]
        lines.append(f"{'kind':<{widths[0]}}  {'name':<{widths[1]}}  {'change':<{widths[2]}}  detail")
        for r in rows:
            lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip())
    else:
        lines.append("no changes")
    if plan.hazards:
        lines.append("")
        lines.append("hazards (exit 3):")
        lines.extend(str(h) for h in plan.hazards)
    return "\n".join(lines)


def hazard_lines(plan: Plan) -> list[str]:
    from .cli import one_line
    return [one_line(h) for h in plan.hazards]


# -- synth-time check (app.py) -----------------------------------------------------------------

def synth_check(app_context, roster) -> list[str]:
    """Hazard lines for ``cdk synth`` when a previous roster is known (``-c baseline=PATH`` or
    ``-c baseline-rev=REV``); [] when none is given or nothing is hazardous. Bad baseline input
    comes back as problem lines too. ``-c refactored=true`` says the moves between stacks were
    carried out by the stack refactor ``plan --refactor-out`` wrote, so they replace nothing."""
    baseline = app_context("baseline")
    rev = app_context("baseline-rev")
    if not baseline and not rev:
        return []
    from .cli import one_line
    from .roster import load_roster
    base, problems = load_revision(str(rev), roster.path) if rev else load_roster(str(baseline))
    if problems:
        return [one_line(p) for p in problems]
    refactored = str(app_context("refactored") or "false").lower() in ("true", "1", "yes")
    return hazard_lines(compare(base, roster, refactor=refactored))


# -- command line ------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rosters", nargs="+", metavar="ROSTER",
                        help="BASE NEW (two roster files, either may be a git REV:PATH), or NEW alone with --base-rev")
    parser.add_argument("--base-rev", metavar="REV", help="BASE is NEW's file as git revision REV holds it")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--refactor-out", metavar="DIR",
                        help="write the stack refactor that moves users without replacing them (needs --templates)")
    parser.add_argument("--templates", metavar="DIR",
                        help="the deployed stacks' templates, NAME.template.json (iam-constructs export BASE, or "
                             "aws cloudformation get-template)")
    parser.add_argument("--template-url", metavar="URL",
                        help="S3 URL prefix where DIR's refactor templates will be uploaded (templates over "
                             "51,200 bytes cannot be sent inline)")


def run_cli(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except Exception as e:  # noqa: BLE001 - a bug of ours: one line that says so, never a traceback
        print(f"plan: could not compare the rosters ({type(e).__name__}: {' '.join(str(e).split())[:200]}); this is "
              "a bug in iam-constructs, please report it with the rosters", file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args: argparse.Namespace) -> int:
    from .cli import one_line
    paths = list(args.rosters)
    if args.base_rev:
        if len(paths) != 1:
            print("plan: with --base-rev give only NEW", file=sys.stderr)
            return EXIT_BAD_INPUT
        new_path = paths[0]
    elif len(paths) != 2:
        print("plan: give BASE and NEW (or NEW with --base-rev REV)", file=sys.stderr)
        return EXIT_BAD_INPUT
    else:
        new_path = paths[1]
    if args.refactor_out and not args.templates:
        print(f"{args.refactor_out}:0: --templates: the refactor needs the deployed templates; give their folder "
              "(iam-constructs export BASE --out DIR, or aws cloudformation get-template per stack)", file=sys.stderr)
        return EXIT_BAD_INPUT
    base, base_problems = load_revision(args.base_rev, new_path) if args.base_rev else load_base(paths[0])
    new, new_problems = load_base(new_path)
    if base_problems or new_problems:
        for p in [*base_problems, *new_problems]:
            print(one_line(p), file=sys.stderr)
        return EXIT_BAD_INPUT
    plan = compare(base, new, refactor=bool(args.refactor_out))
    if args.refactor_out and plan.moves:
        from . import refactor as rf
        plan.refactor_files, problems = rf.write(args.refactor_out, base, new, plan.moves, templates=args.templates,
                                                 template_url=args.template_url)
        if problems:
            for p in problems:
                print(one_line(p), file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        if args.format == "json":
            print(json.dumps(plan.to_json(), indent=2))
        else:
            print(table(plan))
            if plan.refactor_files:
                r = plan.refactor_files
                print(f"\nstack refactor in {r['folder']}: deploy {len(r['prepare'])} prepared stack(s), run "
                      f"{r['refactors']} refactor(s) ({r['resource_mappings']} resource mappings), deploy the new "
                      f"roster, delete {len(r['retired_stacks'])} retired stack(s): {r['steps']}")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (| head): the exit code still tells
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    for line in hazard_lines(plan) if args.format == "json" else ():
        print(line, file=sys.stderr)
    return EXIT_SAFE if plan.safe else EXIT_HAZARDS


__all__ = ["Change", "Hazard", "Plan", "compare", "load_base", "load_revision", "load_text", "stack_name_of",
           "synth_check", "table", "user_stack_name"]
