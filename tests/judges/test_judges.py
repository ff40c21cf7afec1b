"""checkov, cfripper and parliament over every template the example roster and the test rosters
produce: 0 findings, or an entry in acknowledged.yaml (check id, resource, reason)."""

import fnmatch
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from iam_constructs.export import export
from iam_constructs.nag.model import flatten

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-judges" / "bin"
ACKS = yaml.safe_load((Path(__file__).parent / "acknowledged.yaml").read_text())
ROSTERS = [ROOT / "examples" / "roster.yaml", Path(__file__).parent / "features.yaml"]
REQUIRED = os.environ.get("IAM_CONSTRUCTS_REQUIRE_JUDGES") == "1"
# The account the rosters are written for (their ARNs name it): principals they name are this
# account's, not another's.
ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    if not (VENV / "checkov").exists():
        message = "the judges are not installed: run `make test` (python3 scripts/judges.py install)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    out = []
    for roster in ROSTERS:
        d = tmp_path_factory.mktemp(roster.stem)
        assert export(str(roster), str(d)) == 0
        out += sorted(d.glob("*.template.json"))
    return out


def _acknowledged(judge, check, resource):
    return [a for a in ACKS if a["judge"] == judge and a["check"] == check and fnmatch.fnmatch(resource, a["resource"])]


def checkov(templates):
    findings = set()
    for t in templates:
        done = subprocess.run([str(VENV / "checkov"), "-f", str(t), "--framework", "cloudformation", "--skip-download",
                               "--compact", "--quiet", "-o", "json"], capture_output=True, text=True, timeout=600)
        report = json.loads(done.stdout or "[]")
        for rep in report if isinstance(report, list) else [report]:
            for c in rep.get("results", {}).get("failed_checks", []):
                findings.add(("checkov", c["check_id"], c["resource"].split(".", 1)[1], t.name))
    return findings


def cfripper(templates):
    findings = set()
    for t in templates:
        done = subprocess.run([str(VENV / "cfripper"), str(t), "--format", "json", "--resolve", "--aws-account-id",
                               ACCOUNT], capture_output=True, text=True, timeout=600)
        assert done.returncode in (0, 2), done.stderr[-2000:]
        report = json.loads(done.stdout)
        assert report["exceptions"] == [], report["exceptions"]
        for f in report["failures"]:
            for rid in f["resource_ids"] or ["<template>"]:
                findings.add(("cfripper", f["rule"], rid, t.name))
    return findings


def _concrete(value, template):
    """Intrinsics to plausible concrete values, so parliament sees real ARNs."""
    text = json.dumps(flatten(value))
    text = text.replace("<AWS::Partition>", "aws").replace("<AWS::AccountId>", ACCOUNT) \
        .replace("<AWS::Region>", "us-east-1") \
        .replace("<AWS::StackId>", f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/judged/6c5a2f50-0000-4000-8000-000000000000") \
        .replace("<AWS::StackName>", "judged")
    for logical_id, res in template.get("Resources", {}).items():
        if res["Type"] == "AWS::Logs::LogGroup":
            text = text.replace(f"<GetAtt:{logical_id}.Arn>",
                                f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{logical_id}:*")
    return json.loads(text)


def parliament(templates):
    """Every identity policy document: managed policies and users', groups' and roles' inline ones."""
    code = ("import json,sys\nfrom parliament import analyze_policy_string\nout=[]\n"
            "for key,doc in json.load(sys.stdin):\n"
            "    for f in analyze_policy_string(json.dumps(doc)).findings:\n"
            "        out.append([key,f.issue,f.severity])\nprint(json.dumps(out))\n")
    docs = []
    for t in templates:
        body = json.loads(t.read_text())
        for logical_id, res in body["Resources"].items():
            props = res.get("Properties", {})
            if res["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
                docs.append(([logical_id, t.name], _concrete(props["PolicyDocument"], body)))
            for inline in props.get("Policies", []) if res["Type"].startswith("AWS::IAM::") else []:
                docs.append(([logical_id, t.name], _concrete(inline["PolicyDocument"], body)))
    assert docs, "no policy documents found"
    done = subprocess.run([str(VENV / "python"), "-c", code], input=json.dumps(docs), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return {("parliament", issue, key[0], key[1]) for key, issue, severity in json.loads(done.stdout)}, len(docs)


def test_independent_judges(templates):
    assert len(templates) == 6  # 3 stacks per roster
    found = checkov(templates) | cfripper(templates)
    p_found, documents = parliament(templates)
    found |= p_found
    unacknowledged = sorted(f for f in found if not _acknowledged(f[0], f[1], f[2]))
    assert unacknowledged == [], "findings not in acknowledged.yaml:\n" + "\n".join(map(str, unacknowledged))
    stale = [a for a in ACKS if not any(f[0] == a["judge"] and f[1] == a["check"]
                                        and fnmatch.fnmatch(f[2], a["resource"]) for f in found)]
    assert stale == [], f"acknowledgements that match no finding any more: {stale}"
    counts = {judge: sum(1 for f in found if f[0] == judge) for judge in ("checkov", "cfripper", "parliament")}
    print(f"\njudges over {len(templates)} templates ({documents} policy documents): "
          + ", ".join(f"{k} {v} acknowledged finding(s)" for k, v in counts.items()))
