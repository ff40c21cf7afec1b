"""Standalone CloudFormation from a roster: no bootstrap rule or parameter, no CDK metadata, no
assets, and a manifest of the stacks in deployment order with the parameters each expects."""

from __future__ import annotations

import json
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


def export(roster_path: str, out_dir: str, *, rule_packs: bool = True) -> int:
    from .errors import print_problems
    from .roster import Progress, build, load_roster
    roster, problems = load_roster(roster_path)
    if problems:
        print_problems(problems)
        return 2
    import aws_cdk as cdk

    from .synth import add_rule_packs, unacknowledged

    progress = Progress()
    with tempfile.TemporaryDirectory(prefix="iam-constructs-export-") as tmp:
        app = cdk.App(outdir=tmp)
        stacks = build(app, roster, progress=progress)
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
