"""Custom-resource handler for the account password policy.

Four parts (``diff``: pure logic, ``external``: every AWS and HTTP call, ``response``: the answer's
body, ``index``: dispatch), joined into one inline ``ZipFile`` by ``bundle.py`` so the template deploys
with no asset bucket.
"""
