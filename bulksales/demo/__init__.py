"""Demo data: the small documented demo and the large benchmark set, built by `manage.py seed_demo`.

Not product code: installed only where a demo is wanted (DEBUG, the tests, or DEMO_ENABLED), and above
every app, so it may import all of them; no app imports it.
"""
