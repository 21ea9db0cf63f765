"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every setting can be overridden on the command line or with GUNICORN_CMD_ARGS. The application is
loaded once in the master before the workers are forked (`preload_app`), together with what the first
requests would otherwise load in every worker (the URL configuration with its modules, and jieba's
Chinese dictionary, ~65 MB): the workers share those pages copy-on-write, start answering at full
speed, and the first search does not pay 0.7 s to load the dictionary.
"""

import os

bind = os.environ.get("GOVPLUS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
preload_app = True
# Sync workers: put a buffering proxy (nginx) in front, as usual for them.
timeout = 30
graceful_timeout = 20
# GUNICORN_MAX_REQUESTS=N recycles a worker after about N requests (cheap: the master forks a copy).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))  # 0: never
max_requests_jitter = max_requests // 10
accesslog = None  # the proxy logs requests; the application logs without personal data


def when_ready(server):  # type: ignore[no-untyped-def]
    """In the master, before any worker is forked (with `preload_app`)."""
    from django.urls import get_resolver

    from govplus.catalog.search import search_warm_up

    get_resolver().url_patterns  # noqa: B018 - imports every view module and the API now
    search_warm_up()
