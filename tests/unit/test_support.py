"""The judges the suite relies on must be able to say no."""

from tests.support import cfn_lint_findings


def test_cfn_lint_fixture_reports_findings():
    bad = {"Resources": {"U": {"Type": "AWS::IAM::User", "Properties": {"UserName": "x" * 70, "Bogus": 1}}}}
    findings = cfn_lint_findings(bad)
    assert any(f.startswith("E3002") for f in findings), findings  # unknown property
    assert any(f.startswith("E3033") for f in findings), findings  # name too long
