"""A second govplus node for the federation tests: 湖州市 (city 330500) with its own SQLite database and
its own keys, served on loopback in its own process.

    python -m govplus.exchange.tests.peer_node --port P --var DIR --peer URL

Migrates its database, seeds it as `make run-city` does (`govplus seed_city`, govplus/demo/city.py: its
公安局 publishes 户籍人口, conditional, and 派出所名录, unconditional), registers the peer node at URL (the
county) and serves until killed. It prints `READY <thumbprint>` before it listens, so the test knows
what to compare.
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--var", required=True)
    parser.add_argument("--peer", required=True)
    parser.add_argument("--gunicorn", action="store_true", help="serve with gunicorn (2 workers), as in production")
    args = parser.parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{args.var}/node.sqlite3",
            "GOVPLUS_VAR_DIR": args.var,
            "GOVPLUS_MEDIA_ROOT": f"{args.var}/media",
            "GOVPLUS_NODE_CODE": "330500",
            "GOVPLUS_NODE_NAME": "湖州市",
            "GOVPLUS_NODE_NAME_EN": "Huzhou City",
            "GOVPLUS_NODE_LEVEL": "city",
            "GOVPLUS_NODE_URL": f"http://127.0.0.1:{args.port}",
            "DEBUG": "on",
            "HUEY_IMMEDIATE": "on",
            "GOVPLUS_TESTING": "off",
            "REDIS_URL": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GOVPLUS_EXCHANGE_STH_INTERVAL": "0",  # a new signed tree head whenever one is asked for
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_city", peer=args.peer)
    from govplus.exchange.federation import node_document

    print("READY", node_document()["thumbprint"], flush=True)
    if args.gunicorn:  # the benchmark: production's server (TCP_NODELAY, keep-alive) instead of runserver's
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        os.execv(gunicorn, [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{args.port}", "--workers", "2"])
    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, use_threading=True, skip_checks=True)


if __name__ == "__main__":
    sys.exit(main())
