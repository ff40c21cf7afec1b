"""Every call that leaves the process: IAM, CloudFormation and the response URL."""

import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(service):
    return boto3.client(service, config=Config(retries={"mode": "standard", "max_attempts": 10}))


def call(api, name, missing="NoSuchEntity", **args):
    """api.name(**args), or None when the error code is ``missing`` (the thing is not there)."""
    try:
        return getattr(api, name)(**args)
    except ClientError as e:
        if e.response["Error"]["Code"] != missing:
            raise


def list_all(iam, what, field, user):
    """Every id list_<what> returns for the user, page after page."""
    out, marker = [], {}
    while True:
        page = getattr(iam, "list_" + what)(UserName=user, **marker)
        out += [i if isinstance(i, str) else i[field] for k, v in page.items() if isinstance(v, list) for i in v]
        if not page.get("IsTruncated"):
            return out
        marker = {"Marker": page["Marker"]}


def send(url, data):
    """PUTs the response, retrying a refused or failed attempt with backoff (five attempts)."""
    for n in range(5):
        try:
            request = urllib.request.Request(url, data, method="PUT", headers={"Content-Type": ""})
            return urllib.request.urlopen(request, timeout=10).close()
        except Exception as e:
            print(f"response attempt {n + 1}: {type(e).__name__}")
            time.sleep(2 ** n)
