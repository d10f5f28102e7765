"""gunicorn settings of tests/test_full_stack.py: production's WSGI app, sending its tasks under the
test's broker key prefix (see tests/fullstack_celery.py)."""


def post_worker_init(worker) -> None:
    import tests.fullstack_celery  # noqa: F401 (configures the app the views enqueue through)
