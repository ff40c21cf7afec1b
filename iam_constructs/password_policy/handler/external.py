"""Every call that leaves the process: IAM, CloudFormation and the CloudFormation response URL."""

import time
import urllib.request

import boto3
from botocore.exceptions import ClientError


def client(service):
    """A client retrying in botocore's standard mode: the function's environment sets AWS_RETRY_MODE
    and AWS_MAX_ATTEMPTS (``_inline_function.retry_environment``)."""
    return boto3.client(service)


def password_policy(verb, **args):
    """IAM's ``<verb>_account_password_policy`` (get, update, delete); None when there is no policy."""
    try:
        return getattr(client("iam"), verb + "_account_password_policy")(**args)
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise


def send(url, body):
    """PUTs the response, retrying a refused or failed attempt with backoff (five attempts)."""
    for n in range(5):
        try:
            return urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": ""}, method="PUT"),
                                          timeout=10).close() or True
        except Exception:  # never log the URL: it is a credential
            time.sleep(2 ** n)
