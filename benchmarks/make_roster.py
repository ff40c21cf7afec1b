"""Writes a realistic roster of N users for benchmarks and scale tests.

70 % people with console access in MFA-enforced teams (one in ten with an expiry date), 30 % bots
with access keys (one in five mid-rotation with two slots), 20 groups, CIS password policy.
"""

from __future__ import annotations

import argparse
import math

import yaml

TEAMS = 14
BOT_GROUPS = 6
BUDGET = 480


def roster(n: int) -> dict:
    groups = []
    for t in range(TEAMS):
        groups.append({"name": f"team-{t:02d}", "path": "/teams/", "statements": [
            {"actions": ["s3:GetObject", "s3:PutObject"], "resources": [f"arn:aws:s3:::team-{t:02d}-data/reports/index.json"]}]})
    for b in range(BOT_GROUPS):
        groups.append({"name": f"bots-{b:02d}", "path": "/bots/", "statements": [
            {"actions": ["sqs:SendMessage"], "resources": [f"arn:aws:sqs:eu-west-1:111122223333:queue-{b:02d}"]}]})
    users, resources = [], 0
    for i in range(n):
        if i % 10 < 7:
            u = {"name": f"person.{i:05d}", "path": "/people/", "console": True,
                 "groups": [f"team-{i % TEAMS:02d}"], "tags": {"Owner": "platform", "Purpose": "human"}}
            if i % 10 == 0:
                u["expires"] = "2030-12-31"
            resources += 3  # user, password secret, cleanup
        else:
            keys = [{"serial": 1, "active": True}]
            if i % 5 == 0:
                keys = [{"slot": 1, "serial": 1, "active": False}, {"slot": 2, "serial": 2, "active": True}]
            u = {"name": f"bot-{i:05d}", "path": "/bots/", "access_keys": keys,
                 "groups": [f"bots-{i % BOT_GROUPS:02d}"], "tags": {"Owner": "platform", "Purpose": "ci"}}
            resources += 2 + 2 * len(keys)  # user, cleanup, key + secret per slot
        users.append(u)
    user_stacks = max(1, math.ceil(resources * 1.3 / BUDGET))
    return {"version": 1, "account": {"enforce_mfa": True, "user_stacks": user_stacks}, "groups": groups, "users": users}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("users", type=int)
    ap.add_argument("out")
    args = ap.parse_args()
    with open(args.out, "w") as f:
        yaml.safe_dump(roster(args.users), f, sort_keys=False, width=200)


if __name__ == "__main__":
    main()
