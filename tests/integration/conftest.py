"""The LocalStack tier. `make test` starts LocalStack (scripts/localstack.py) and sets
LOCALSTACK_ENDPOINT and IAM_CONSTRUCTS_REQUIRE_LOCALSTACK=1; there a missing LocalStack fails
the run. Run by hand without it, these tests skip and say why."""

import os

import boto3
import pytest

REQUIRED = os.environ.get("IAM_CONSTRUCTS_REQUIRE_LOCALSTACK") == "1"


@pytest.fixture(scope="session")
def endpoint():
    url = os.environ.get("LOCALSTACK_ENDPOINT")
    if not url:
        message = ("LOCALSTACK_ENDPOINT is not set: run `make test`, or "
                   "`python3 scripts/localstack.py run -- .venv/bin/python -m pytest tests/integration`")
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def aws(endpoint):
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")

    def client(service):
        return session.client(service, endpoint_url=endpoint)

    return client


from tests.handler.conftest import response_server  # noqa: E402,F401  (the local ResponseURL server)
