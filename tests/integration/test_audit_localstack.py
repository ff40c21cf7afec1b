"""`iam-constructs audit` against LocalStack's IAM API (credential report through a real endpoint)."""

import json

from iam_constructs.cli import main


def test_audit_cli_against_localstack(aws, endpoint, monkeypatch, capsys):
    for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(key, value)
    iam = aws("iam")
    iam.create_user(UserName="audit.nomfa", Tags=[{"Key": "Expiry", "Value": "2020-01-01"}])
    iam.create_login_profile(UserName="audit.nomfa", Password="Not-A-Real-Password-1!")
    try:
        code = main(["audit", "--endpoint-url", endpoint, "--region", "us-east-1", "--format", "json"])
        out = json.loads(capsys.readouterr().out)
        mine = sorted(f["kind"] for f in out["findings"] if f["user"] == "audit.nomfa")
        assert code == 1
        assert mine == ["console-without-mfa", "user-expired"]
        assert out["count"] == len(out["findings"])
    finally:
        iam.delete_login_profile(UserName="audit.nomfa")
        iam.untag_user(UserName="audit.nomfa", TagKeys=["Expiry"])
        iam.delete_user(UserName="audit.nomfa")
