"""Settings for the benchmarks: the product's settings plus a bench-only URLconf.

Everything else (middleware, DEBUG, database, caches) is exactly `config.settings`, driven by the same
environment variables; only ROOT_URLCONF changes so the bare baseline view sits beside the product.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
