"""Every call that leaves the process: IAM, CloudFormation and the CloudFormation response URL."""

import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(service):
    return boto3.client(service, config=Config(retries={"mode": "standard", "max_attempts": 6},
                                               connect_timeout=5, read_timeout=15))


def describe_resource(stack_id, logical_id):
    """CloudFormation's record of one resource of one stack (DescribeStackResource)."""
    return client("cloudformation").describe_stack_resource(
        StackName=stack_id, LogicalResourceId=logical_id)["StackResourceDetail"]


def password_policy(verb, **args):
    """IAM's ``<verb>_account_password_policy`` (get, update, delete); None when there is no policy."""
    try:
        return getattr(client("iam"), verb + "_account_password_policy")(**args)
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise


def send(url, body, attempts=5, pause=1):
    """PUTs the response, retrying a refused or failed attempt with backoff."""
    for n in range(attempts):
        try:
            req = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
            with urllib.request.urlopen(req, timeout=10):
                return True
        except Exception as e:
            print("response attempt failed:", type(e).__name__)  # not the URL: it is a credential
        time.sleep(pause * 2 ** n)
    return False
