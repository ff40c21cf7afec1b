"""Custom-resource handler that clears what a departing IAM user holds before CloudFormation deletes it.

Three parts (``plan``: pure logic, ``external``: every AWS and HTTP call, ``index``: dispatch) and the
password-policy handler's ``response`` (the answer's body), joined into one inline ``ZipFile`` by
``bundle.py`` so the template deploys with no asset bucket.
"""
