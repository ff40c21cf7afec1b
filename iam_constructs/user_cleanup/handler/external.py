"""Every call that leaves the process: IAM, CloudFormation and the response URL. Clients come from
``boto3.client`` and retry in botocore's standard mode: the function's environment sets
AWS_RETRY_MODE and AWS_MAX_ATTEMPTS (``_inline_function.inline_function``)."""

import time
import urllib.request



def call(api, name, **args):
    """api.name(**args), or None when IAM answers NoSuchEntity (the thing is not there)."""
    try:
        return getattr(api, name)(**args)
    except api.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise


def list_all(iam, what, field, user, **marker):
    """Every id list_<what> returns for the user, page after page."""
    page = getattr(iam, "list_" + what)(UserName=user, **marker)
    ids = [i if isinstance(i, str) else i[field] for v in page.values() if isinstance(v, list) for i in v]
    return ids + list_all(iam, what, field, user, Marker=page["Marker"]) if page.get("IsTruncated") else ids


def send(url, data):
    """PUTs the response, retrying a refused or failed attempt with backoff (five attempts)."""
    for n in range(5):
        try:
            return urllib.request.urlopen(urllib.request.Request(url, data, {"Content-Type": ""}, method="PUT"),
                                          timeout=10).close()
        except Exception:  # never log the URL: it is a credential
            time.sleep(2 ** n)
