import pytest

from iam_constructs import silence_node_banner

silence_node_banner()  # tests start jsii: no Node end-of-life banner in their output


@pytest.fixture
def aws_env(monkeypatch):
    """Credentials and a region for moto (never a real account's): the one place tests set them."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def moto_aws(aws_env):
    """moto's in-process AWS for the test: every boto3 client made meanwhile talks to it."""
    from moto import mock_aws
    with mock_aws():
        yield
