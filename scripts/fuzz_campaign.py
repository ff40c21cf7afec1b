#!/usr/bin/env python3
"""A long fuzzing run over the four surfaces bad input reaches, with the figures per surface.

    .venv/bin/python scripts/fuzz_campaign.py                 # 500 examples per property
    .venv/bin/python scripts/fuzz_campaign.py --examples 2000 --timeout 1800

Surfaces: the roster reader and schema (files, YAML text, bytes, generated rosters, the CLI), the
props of every public construct, the custom-resource handlers' events, and the credential report
and audit CLI. Each surface is its property-based tests (tests/fuzzing.py raises every example
count to --examples) plus its hostile regression cases, run by pytest in a subprocess:

- inputs tried: the examples hypothesis ran (passing + failing) plus the regression cases;
- tracebacks: failing examples and failed tests (a property fails on any exception other than the
  surface's clean refusal, and on anything accepted that then fails to build);
- hangs: a surface that does not finish within --timeout;
- wrongly accepted: for rosters, the schema's accepted-but-refused-by-IAM tally; elsewhere a
  property fails instead (accepted props must synthesize, handler answers must be FAILED for
  malformed events), so it is counted under tracebacks.

Exit 0 when every count but "inputs tried" and "clean" is 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURFACES = {
    "roster": ["tests/roster/test_hostile.py", "tests/roster/test_one_validator.py", "tests/unit/test_iam_rules.py"],
    "construct props": ["tests/unit/test_props_fuzz.py", "tests/unit/test_tokens.py"],
    "handler events": ["tests/handler/test_hostile_events.py", "tests/cleanup/test_hostile_events.py",
                       "tests/handler/test_forged_events.py"],
    "credential report": ["tests/unit/test_audit_hostile.py"],
}
_CASES = re.compile(r"- (\d+) passing, (\d+) failing, and (\d+) invalid test cases")
_SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)")


def run_surface(name: str, files: list[str], examples: int, timeout: float) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as tally:
        env = dict(os.environ, IAM_CONSTRUCTS_FUZZ_EXAMPLES=str(examples), IAM_CONSTRUCTS_FUZZ_REPORT=tally.name,
                   PYTHONHASHSEED="0")
        cmd = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
               "--hypothesis-show-statistics", *files]
        try:
            done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
            out, hung = done.stdout + done.stderr, False
        except subprocess.TimeoutExpired as e:
            out, hung = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""), True
        roster_tally: dict[str, int] = {}
        for line in Path(tally.name).read_text().splitlines():
            for key, value in json.loads(line).items():
                if key != "pid" and isinstance(value, int):
                    roster_tally[key] = roster_tally.get(key, 0) + value
    passing = failing = 0
    for m in _CASES.finditer(out):
        passing, failing = passing + int(m.group(1)), failing + int(m.group(2))
    summary = {kind.rstrip("s"): int(n) for n, kind in _SUMMARY.findall(out.splitlines()[-1] if out else "")}
    tests = sum(summary.get(k, 0) for k in ("passed", "failed", "error", "xfailed", "xpassed"))
    wrong = sum(v for k, v in roster_tally.items() if k.startswith("accepted but wrong"))
    return {
        "surface": name,
        "inputs tried": passing + failing + tests,
        "examples": passing + failing,
        "tests": tests,
        "tracebacks": failing + summary.get("failed", 0) + summary.get("error", 0),
        "hangs": 1 if hung else 0,
        "wrongly accepted": wrong,
        "skipped": summary.get("skipped", 0),
        "roster tally": roster_tally,
        "tail": "" if not (hung or summary.get("failed") or summary.get("error")) else out[-3000:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per property (default 500)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per surface before it counts as a hang")
    parser.add_argument("--surface", choices=sorted(SURFACES), action="append", help="only these surfaces")
    parser.add_argument("--json", action="store_true", help="one JSON object per surface instead of the table")
    args = parser.parse_args(argv)
    if args.examples < 1 or args.timeout <= 0:
        parser.error("--examples and --timeout must be positive")
    results = [run_surface(name, files, args.examples, args.timeout)
               for name, files in SURFACES.items() if not args.surface or name in args.surface]
    if args.json:
        for r in results:
            print(json.dumps(r))
    else:
        print(f"{'surface':<18} {'inputs':>8} {'examples':>9} {'cases':>6} {'tracebacks':>10} {'hangs':>5} "
              f"{'wrongly accepted':>16}")
        for r in results:
            print(f"{r['surface']:<18} {r['inputs tried']:>8} {r['examples']:>9} {r['tests']:>6} "
                  f"{r['tracebacks']:>10} {r['hangs']:>5} {r['wrongly accepted']:>16}")
        for r in results:
            if r["roster tally"]:
                print(f"roster tally: {json.dumps(r['roster tally'], sort_keys=True)}")
            if r["tail"]:
                print(f"--- {r['surface']}: end of the pytest output ---\n{r['tail']}")
    bad = any(r["tracebacks"] or r["hangs"] or r["wrongly accepted"] for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
