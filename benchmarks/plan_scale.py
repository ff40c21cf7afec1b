"""Time of ``iam-constructs plan`` on a large roster: a plain comparison (one key rotated) and a
growth of ``user_stacks`` with the stack refactor written.

    .venv/bin/python benchmarks/plan_scale.py                     # 5,000 users, to 100 user stacks
    .venv/bin/python benchmarks/plan_scale.py --users 1000 --to 30

The deployed templates the refactor starts from are made with the library's own user emitter
(``iam_constructs.refactor.user_resources``), not by synthesizing, so only ``plan`` is timed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_roster import roster as make_roster


def deployed_templates(roster) -> dict:
    from iam_constructs.plan import stack_name_of, user_stack_name
    from iam_constructs.refactor import user_resources
    out = {user_stack_name(roster, i): {"Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
           for i in range(roster.user_stacks)}
    for u in roster.users:
        out[stack_name_of(roster, u.name)]["Resources"].update(user_resources(roster, u))
    return out


def timed(args: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "iam_constructs.cli", "plan", *args], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    return time.perf_counter() - start, run.returncode


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=5000)
    ap.add_argument("--to", type=int, default=100, help="user_stacks after the growth")
    args = ap.parse_args()
    from iam_constructs.roster import load_roster
    with tempfile.TemporaryDirectory(prefix="plan-scale-") as tmp:
        base = make_roster(args.users)
        rotated = copy.deepcopy(base)
        bot = next(u for u in rotated["users"] if u.get("access_keys"))
        bot["access_keys"][-1]["serial"] += 1
        grown = copy.deepcopy(base)
        grown["account"]["user_stacks"] = args.to
        doubled = copy.deepcopy(base)
        doubled["account"]["user_stacks"] = 2 * base["account"]["user_stacks"]
        paths = {}
        for name, data in (("base", base), ("rotated", rotated), ("grown", grown), ("doubled", doubled)):
            paths[name] = os.path.join(tmp, f"{name}.yaml")
            with open(paths[name], "w") as f:
                yaml.safe_dump(data, f, sort_keys=False, width=200)
        roster, problems = load_roster(paths["base"])
        assert not problems, problems[:3]
        templates = os.path.join(tmp, "deployed")
        os.makedirs(templates)
        for stack, template in deployed_templates(roster).items():
            with open(os.path.join(templates, f"{stack}.template.json"), "w") as f:
                json.dump(template, f)
        out = os.path.join(tmp, "refactor")
        rows = [
            ("one key rotated", *timed([paths["base"], paths["rotated"]])),
            (f"user_stacks {base['account']['user_stacks']} -> {args.to}, no refactor",
             *timed([paths["base"], paths["grown"]])),
            (f"user_stacks {base['account']['user_stacks']} -> {args.to}, refactor written",
             *timed([paths["base"], paths["grown"], "--refactor-out", out, "--templates", templates,
                     "--template-url", "https://bucket.s3.amazonaws.com/refactor"])),
        ]
        written = [summary(out)]
        out2 = os.path.join(tmp, "refactor-doubled")
        label = f"user_stacks {base['account']['user_stacks']} -> {doubled['account']['user_stacks']}, refactor written"
        rows.append((label, *timed([paths["base"], paths["doubled"], "--refactor-out", out2, "--templates", templates,
                                    "--template-url", "https://bucket.s3.amazonaws.com/r"])))
        written.append(summary(out2))
    print(f"{args.users:,} users")
    print("| change | time | exit | refactors | mappings | written |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for i, (what, seconds, code) in enumerate(rows):
        extra = written[i - 2] if i >= 2 else ("", "", "")
        print(f"| {what} | {seconds:.1f} s | {code} | {extra[0]} | {extra[1]} | {extra[2]} |")


def summary(out: str) -> tuple[str, str, str]:
    size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    mappings = len(json.loads(Path(out, "mappings.json").read_text()))
    return str(len(list(Path(out).glob("refactor-*")))), f"{mappings:,}", f"{size / 1e6:.0f} MB"


if __name__ == "__main__":
    main()
