"""Standalone CloudFormation from a roster: no bootstrap rule or parameter, no CDK metadata, no
assets, and a manifest of the stacks in deployment order with the parameters each expects."""

from __future__ import annotations

import errno
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import limits

MANIFEST = "manifest.json"


def clean_template(template: dict[str, Any]) -> dict[str, Any]:
    """Removes what only the CDK needs: the bootstrap-version rule and parameter, AWS::CDK::Metadata
    and its condition, and ``aws:cdk:*`` resource metadata."""
    t = json.loads(json.dumps(template))
    t.get("Rules", {}).pop("CheckBootstrapVersion", None)
    t.get("Parameters", {}).pop("BootstrapVersion", None)
    t.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    for section in ("Rules", "Parameters", "Conditions"):
        if section in t and not t[section]:
            del t[section]
    resources = t.get("Resources", {})
    for logical_id in [k for k, v in resources.items() if v.get("Type") == "AWS::CDK::Metadata"]:
        del resources[logical_id]
    for res in resources.values():
        meta = res.get("Metadata")
        if isinstance(meta, dict):
            for key in [k for k in meta if k.startswith("aws:cdk:")]:
                del meta[key]
            if not meta:
                del res["Metadata"]
    return t


def parameters_of(template: dict[str, Any]) -> list[dict[str, Any]]:
    """What a deployer must pass: name, type, description, NoEcho, MinLength. Never a value."""
    out = []
    for name, p in sorted(template.get("Parameters", {}).items()):
        entry = {"name": name, "type": p.get("Type"), "description": p.get("Description", ""),
                 "no_echo": str(p.get("NoEcho", "false")).lower() == "true"}
        if "MinLength" in p:
            entry["min_length"] = p["MinLength"]
        out.append(entry)
    return out


def check_out_dir(out_dir: str) -> list:
    """Problems with ``--out`` found before any work: it must be a writable directory, or a path
    that can be created as one (its nearest existing parent a writable directory)."""
    from .errors import Problem

    def problem(message: str) -> list:
        return [Problem(f"{out_dir}:0", "--out", message)]

    if not out_dir:
        return problem("is empty; give the directory to write the templates to")
    try:
        info = os.stat(out_dir)
    except ValueError:  # a NUL byte
        return problem("is not a usable path")
    except OSError as e:
        if e.errno not in (errno.ENOENT, errno.ENOTDIR):
            return problem(f"cannot be used: {e.strerror or e}")
        info = None
    if info is not None:
        if not os.path.isdir(out_dir):
            return problem("exists and is not a directory; give a directory (it is created if missing)")
        if not os.access(out_dir, os.W_OK | os.X_OK):
            return problem("is a directory this user cannot write to")
        return []
    if os.path.islink(out_dir):
        return problem("is a symbolic link to nothing; remove it or give another directory")
    parent = os.path.dirname(os.path.abspath(out_dir))
    while True:
        try:
            os.stat(parent)
            break
        except OSError as e:
            if e.errno not in (errno.ENOENT, errno.ENOTDIR):
                return problem(f"cannot be created: {parent}: {e.strerror or e}")
            up = os.path.dirname(parent)
            if up == parent:
                return problem("cannot be created: no part of the path exists")
            parent = up
    if not os.path.isdir(parent):
        return problem(f"cannot be created: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        return problem(f"cannot be created: this user cannot write to {parent}")
    return []


def export(roster_path: str, out_dir: str, *, rule_packs: bool = True) -> int:
    from .errors import IamConstructsError, print_problems
    from .roster import Progress, build, load_roster
    problems = check_out_dir(out_dir)  # before the roster and the synthesis, which take a while
    roster, roster_problems = load_roster(roster_path)
    problems += roster_problems
    if problems or roster is None:  # None comes with its problems
        print_problems(problems)
        return 2
    import aws_cdk as cdk

    from .synth import add_rule_packs, unacknowledged

    progress = Progress()
    with tempfile.TemporaryDirectory(prefix="iam-constructs-export-") as tmp:
        app = cdk.App(outdir=tmp)
        try:
            stacks = build(app, roster, progress=progress)
        except IamConstructsError as e:  # validate runs the same checks; kept so a gap is never a traceback
            print_problems(e.problems)
            return 2
        if rule_packs:
            add_rule_packs(app)
        try:
            assembly = app.synth()
        except RuntimeError as e:
            found = unacknowledged(tmp)
            for line in found or [str(e).splitlines()[0]]:
                print(line, file=sys.stderr)
            print(f"{len(found)} unacknowledged rule finding(s); nothing was exported. Fix them or acknowledge them "
                  "in the roster (acknowledge: {rule id: reason})", file=sys.stderr)
            return 2
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        entries = []
        for n, stack in enumerate(stacks.in_deployment_order, 1):
            artifact = assembly.get_stack_by_name(stack.stack_name)
            template = clean_template(artifact.template)
            body = json.dumps(template, indent=1, sort_keys=False)
            size = len(body.encode())
            if size > limits.TEMPLATE_BODY_MAX_BYTES:
                print(f"{stack.stack_name}: template is {size} bytes; CloudFormation accepts at most "
                      f"{limits.TEMPLATE_BODY_MAX_BYTES}: raise account.user_stacks", file=sys.stderr)
                return 2
            name = f"{stack.stack_name}.template.json"
            (out / name).write_text(body + "\n")
            entries.append({
                "name": stack.stack_name, "template": name,
                "depends_on": sorted(d.stack_name for d in stack.dependencies),
                "parameters": parameters_of(template),
                "resources": len(template.get("Resources", {})),
                "bytes": size,
                "needs_s3_upload": size > limits.TEMPLATE_INLINE_MAX_BYTES,
                "capabilities": ["CAPABILITY_NAMED_IAM"],
            })
            progress.update(f"wrote {n}/{len(stacks.in_deployment_order)} stacks")
        manifest = {"version": 1, "roster": roster_path, "stacks": entries}
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    progress.done(f"exported {len(entries)} stacks to {out_dir}")
    print(f"exported {len(entries)} stacks ({len(roster.users)} users) to {out_dir}/ ; deploy in the order of "
          f"{out_dir}/{MANIFEST}")
    return 0
