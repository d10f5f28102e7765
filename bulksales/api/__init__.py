"""The REST API at /api/v1/: personal API tokens, read endpoints that start from the access policy, and
writes through the same services as the pages."""
