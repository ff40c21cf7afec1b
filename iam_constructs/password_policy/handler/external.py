"""Every call that leaves the process: IAM and the CloudFormation response URL."""

import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def iam_client():
    return boto3.client("iam", config=Config(retries={"mode": "standard", "max_attempts": 6},
                                             connect_timeout=5, read_timeout=15))


def _absent_ok(call):
    try:
        return call()
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise


def get_policy(iam):
    return (_absent_ok(iam.get_account_password_policy) or {}).get("PasswordPolicy")


def put_policy(iam, policy):
    iam.update_account_password_policy(**policy)


def delete_policy(iam):
    _absent_ok(iam.delete_account_password_policy)


def send(url, body, attempts=5, pause=1.0):
    """PUTs the response, retrying a refused or failed attempt with backoff."""
    for n in range(attempts):
        try:
            req = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
            with urllib.request.urlopen(req, timeout=10):
                return True
        except Exception as e:
            print(f"response attempt {n + 1}: {type(e).__name__}")
        time.sleep(pause * 2 ** n)
    return False
