"""Custom-resource handler for the account password policy.

Three parts (``diff``: pure logic, ``external``: every AWS and HTTP call, ``index``: dispatch), bundled
into one inline ``ZipFile`` by ``bundle.py`` so the template deploys with no asset bucket.
"""
