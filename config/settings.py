"""govplus settings: one file, driven by environment variables.

Every variable read here is listed in `.env.example` and `docs/configuration.md`; a test fails when one
is not. With DEBUG off, a missing secret stops start-up with a clear message instead of running with a
development key.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from govplus.core.modules import module_scopes

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GOVPLUS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("GOVPLUS_TESTING", "pytest" in sys.modules)


STARTUP_PROBLEMS: list[str] = []


def development_secret(name: str, length: int = 48, *, min_length: int = 32) -> str:
    """A secret kept in var/ for development; refuses to invent one for production, and with DEBUG off
    refuses a weak one (`secret_problem`)."""
    value = os.environ.get(name, "")
    path = VAR_DIR / f"dev-{name.lower()}.secret"
    if not DEBUG:
        if not value:
            STARTUP_PROBLEMS.append(f"环境变量 {name} 未设置，生产环境（DEBUG=off）必须配置。/ {name} is required.")
        elif problem := secret_problem(value, min_length=min_length):
            STARTUP_PROBLEMS.append(f"{name}: {problem}")
        elif path.exists() and path.read_text().strip() == value:
            STARTUP_PROBLEMS.append(
                f"{name} 是开发环境生成的密钥，生产环境请另行生成。/ {name} is the development secret from var/."
            )
        return value
    if value:
        return value
    import secrets

    if not path.exists():
        path.write_text(secrets.token_urlsafe(length))
        path.chmod(0o600)
    return path.read_text().strip()


def secret_problem(value: str, *, min_length: int) -> str:
    """Why a secret is too weak to guard production, or "" — at least `min_length` characters, 10
    different ones, 128 bits by the character statistics, and not a placeholder or Django's dev key."""
    import math
    from collections import Counter

    lowered = value.lower()
    if lowered.startswith("django-insecure") or any(
        word in lowered for word in ("change-me", "changeme", "replace-me", "example", "secret-key")
    ):
        return "是占位或开发用的值，请生成随机密钥 / a placeholder or development value; generate a random one"
    if len(value) < min_length:
        length = len(value)
        return f"太短（{length} 个字符，至少 {min_length}）/ too short ({length} characters, need {min_length})"
    counts = Counter(value)
    bits = -sum(n * math.log2(n / len(value)) for n in counts.values())
    if len(counts) < 10 or bits < 128:
        return f"随机性不足（约 {bits:.0f} 比特，至少 128）/ too little randomness (about {bits:.0f} bits, need 128)"
    return ""


SECRET_KEY = development_secret("SECRET_KEY", min_length=50)
GOVPLUS_DATA_KEY = development_secret("GOVPLUS_DATA_KEY", 32)
GOVPLUS_LOOKUP_KEY = development_secret("GOVPLUS_LOOKUP_KEY", 32)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "govplus.portal.views_errors.csrf_failure"
SITE_URL = os.environ.get("GOVPLUS_SITE_URL", "http://127.0.0.1:8000")
# The administrative division code (GB/T 2260) that starts every receipt number: six digits.
GOVPLUS_REGION_CODE = os.environ.get("GOVPLUS_REGION_CODE", "330521").strip()
if not re.fullmatch(r"[0-9]{6}", GOVPLUS_REGION_CODE):
    raise ImproperlyConfigured(
        f"GOVPLUS_REGION_CODE 应为 6 位行政区划代码（GB/T 2260），现为 {GOVPLUS_REGION_CODE!r}。/ "
        "GOVPLUS_REGION_CODE must be a six-digit administrative division code (GB/T 2260)."
    )
# The portal's name in page titles and the header.
GOVPLUS_SITE_NAME = os.environ.get("GOVPLUS_SITE_NAME", "德清县政务服务网")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "oauth2_provider",
    "huey.contrib.djhuey",
    "govplus.core",
    "govplus.identity",
    "govplus.catalog",
    "govplus.cases",
    "govplus.licences",
    "govplus.exchange",
    "govplus.appeals",
    "govplus.portal",
    # Modules installed beside the platform's own (each declares itself in its `module.py`).
    *env_list("GOVPLUS_EXTRA_APPS", ""),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "govplus.core.middleware.RequestContextMiddleware",
    "govplus.core.middleware.SecurityHeadersMiddleware",
    "govplus.core.middleware.ApiErrorShapeMiddleware",
    "govplus.core.middleware.InputGuardMiddleware",
    "govplus.core.middleware.ProjectNotFoundPageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govplus.portal.context.portal_context",
            ],
            # `localized` and `stage_name` in every template: catalogue content in the reader's language
            "builtins": ["govplus.core.templatetags.govplus_i18n"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'govplus.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing with "database is locked" half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-govplus.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements: with server-side binding psycopg prepares a statement at its Nth use on a
    # connection, and PostgreSQL stops planning the same few statements on every request (~1 ms each
    # on a small core). Turn off (DATABASE_PREPARE_THRESHOLD=off) behind a transaction-pooling pgbouncer.
    _prepare = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
    if _prepare not in {"", "off", "0", "none"}:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": int(_prepare)}
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["govplus.identity.backends.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Tests create hundreds of users; argon2 stays the production hasher (tested explicitly).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
GOVPLUS_LOCKOUT_THRESHOLD = int(os.environ.get("GOVPLUS_LOCKOUT_THRESHOLD", "5"))
GOVPLUS_LOCKOUT_MINUTES = int(os.environ.get("GOVPLUS_LOCKOUT_MINUTES", "15"))
GOVPLUS_LOGIN_ADDRESS_LIMIT = int(os.environ.get("GOVPLUS_LOGIN_ADDRESS_LIMIT", "30"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "src" / "govplus" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GOVPLUS_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
GOVPLUS_UPLOAD_MAX_BYTES = int(os.environ.get("GOVPLUS_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# A department's file of existing licences (CSV or .xlsx) for bulk import: 100,000 rows are ~20 MB.
GOVPLUS_LICENCE_IMPORT_MAX_BYTES = int(os.environ.get("GOVPLUS_LICENCE_IMPORT_MAX_BYTES", str(64 * 1024 * 1024)))
# The exchange's sources (exchange/sources.py): the largest table a data officer uploads for a resource,
# and the limits on reading a SQL or HTTP source (seconds to connect/answer, bytes of an HTTP answer, rows).
GOVPLUS_EXCHANGE_UPLOAD_MAX_BYTES = int(os.environ.get("GOVPLUS_EXCHANGE_UPLOAD_MAX_BYTES", str(64 * 1024 * 1024)))
# Days an uploaded table checked but never applied keeps its (encrypted) content; then it is deleted
# and the version marked 已过期 (exchange.tasks.sweep_unapplied_uploads, `govplus exchange_sweep`).
GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS = int(os.environ.get("GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS", "7"))
GOVPLUS_EXCHANGE_SOURCE_TIMEOUT = float(os.environ.get("GOVPLUS_EXCHANGE_SOURCE_TIMEOUT", "30"))
GOVPLUS_EXCHANGE_SOURCE_MAX_BYTES = int(os.environ.get("GOVPLUS_EXCHANGE_SOURCE_MAX_BYTES", str(64 * 1024 * 1024)))
GOVPLUS_EXCHANGE_SOURCE_MAX_ROWS = int(os.environ.get("GOVPLUS_EXCHANGE_SOURCE_MAX_ROWS", "1000000"))
# Which hosts a SQL or HTTP source may reach (exchange/source_hosts.py, the SSRF guard): host names
# (`*.gaj.gov.cn`), addresses or CIDR ranges, `public` (every public address) or `*` (everything). Loopback,
# private, link-local and metadata addresses are refused unless listed; development and the tests (whose
# sources are local databases and live servers on 127.0.0.1) also allow loopback.
GOVPLUS_EXCHANGE_SOURCE_HOSTS = env_list(
    "GOVPLUS_EXCHANGE_SOURCE_HOSTS", "public,localhost,127.0.0.0/8,::1" if DEBUG or TESTING else "public"
)
GOVPLUS_TOKEN_CACHE_SECONDS = float(os.environ.get("GOVPLUS_TOKEN_CACHE_SECONDS", "10"))
# This installation's node code in the exchange evidence and to its peers (its region code, e.g. 330521).
GOVPLUS_NODE_CODE = os.environ.get("GOVPLUS_NODE_CODE", "330521")
# How this node presents itself to the nodes it federates with (exchange/federation.py).
GOVPLUS_NODE_NAME = os.environ.get("GOVPLUS_NODE_NAME", "德清县")
GOVPLUS_NODE_NAME_EN = os.environ.get("GOVPLUS_NODE_NAME_EN", "Deqing County")
GOVPLUS_NODE_LEVEL = os.environ.get("GOVPLUS_NODE_LEVEL", "county")
GOVPLUS_NODE_URL = os.environ.get("GOVPLUS_NODE_URL", "http://127.0.0.1:8000")
# At most one new signed tree head of the exchange evidence log per this many seconds when one is asked
# for (exchange/tree_heads.py); Huey also signs one every five minutes when the log grew.
GOVPLUS_EXCHANGE_STH_INTERVAL = int(os.environ.get("GOVPLUS_EXCHANGE_STH_INTERVAL", "10"))
# Appeals (appeals/routing.py): the classifier's confidence below which an appeal waits for a dispatcher.
GOVPLUS_APPEALS_ROUTING_THRESHOLD = float(os.environ.get("GOVPLUS_APPEALS_ROUTING_THRESHOLD", "0.6"))
# A body that is not a file upload (JSON, a form) may carry one material of the largest size inline
# as base64 (4 bytes per 3) plus 1 MiB for the rest; bigger is a 413 naming `materials`. Multipart
# file parts do not count here: each is checked against GOVPLUS_UPLOAD_MAX_BYTES on its own.
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * -(-GOVPLUS_UPLOAD_MAX_BYTES // 3) + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS: behind the TLS-terminating proxy (which must set X-Forwarded-Proto and drop a client's own).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("GOVPLUS_BEHIND_TLS_PROXY", not DEBUG) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Content-Security-Policy of every page (core/middleware.py): scripts only from our own static files.
GOVPLUS_CONTENT_SECURITY_POLICY = os.environ.get(
    "GOVPLUS_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
)

REDIS_URL = os.environ.get("REDIS_URL", "")
# "shared" holds the counts every web process must agree on (sign-in throttle, progress-query limit,
# core/ratelimit.py): Redis when configured, else files under var/ that all processes of one machine
# share (the local-memory cache would give each gunicorn worker its own count).
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "shared": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"}
        if TESTING
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "shared")},
    }

HUEY = {
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "name": "govplus",
    "immediate": env_bool("HUEY_IMMEDIATE", TESTING),
    "results": False,
    "utc": True,
    # Processes by default: sealing PDFs is CPU work, and threads would share one core (the GIL).
    "consumer": {
        "workers": int(os.environ.get("HUEY_WORKERS", "2")),
        "worker_type": os.environ.get("HUEY_WORKER_TYPE", "process"),
    },
}
if REDIS_URL:
    HUEY["url"] = REDIS_URL
else:
    HUEY["filename"] = str(VAR_DIR / "huey.sqlite3")

# Domain events (core/events.py): delivery attempts per (event, handler) before it counts as failed,
# the first retry delay (doubled after each failure, at most 6 hours), how long a worker may hold a
# delivery before another may take it over, and how long delivered events are kept.
GOVPLUS_EVENTS_MAX_ATTEMPTS = int(os.environ.get("GOVPLUS_EVENTS_MAX_ATTEMPTS", "10"))
GOVPLUS_EVENTS_RETRY_SECONDS = int(os.environ.get("GOVPLUS_EVENTS_RETRY_SECONDS", "30"))
GOVPLUS_EVENTS_CLAIM_SECONDS = int(os.environ.get("GOVPLUS_EVENTS_CLAIM_SECONDS", "300"))
GOVPLUS_EVENTS_KEEP_DAYS = int(os.environ.get("GOVPLUS_EVENTS_KEEP_DAYS", "30"))
# Change subscriptions (exchange/webhooks.py): consecutive failed deliveries after which a subscription
# is paused and the consumer department's data officers are told.
GOVPLUS_WEBHOOK_PAUSE_AFTER = int(os.environ.get("GOVPLUS_WEBHOOK_PAUSE_AFTER", "8"))

# Adapters for systems outside the platform: dotted paths to a class with the adapter's Protocol.
GOVPLUS_SMS_ADAPTER = os.environ.get("GOVPLUS_SMS_ADAPTER", "govplus.core.notify.LogSmsGateway")
GOVPLUS_EMAIL_ADAPTER = os.environ.get("GOVPLUS_EMAIL_ADAPTER", "govplus.core.notify.DjangoEmailGateway")
# Seals licence PDFs (licences/signing.py::PdfSigner): PAdES with the platform CA, or a 国密 seal device.
GOVPLUS_LICENCE_PDF_SIGNER = os.environ.get("GOVPLUS_LICENCE_PDF_SIGNER", "govplus.licences.signing.PadesSigner")
# Development writes outgoing mail to files under var/mail/ (the local default of the email adapter).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend" if TESTING else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@govplus.localhost")


# OIDC provider (django-oauth-toolkit). The RS256 signing key is PEM text or a path to a PEM file.
def oidc_private_key() -> str:
    value = os.environ.get("OIDC_RSA_PRIVATE_KEY", "")
    if value and not value.startswith("-----BEGIN"):
        try:
            value = Path(value).read_text()
        except OSError as error:
            STARTUP_PROBLEMS.append(
                f"OIDC_RSA_PRIVATE_KEY: 无法读取密钥文件（{error.strerror}）/ cannot read the key file"
            )
            return ""
    if value:
        if not DEBUG:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            try:
                key = serialization.load_pem_private_key(value.encode(), password=None)
            except (ValueError, TypeError):
                STARTUP_PROBLEMS.append(
                    "OIDC_RSA_PRIVATE_KEY: 不是未加密的 PEM 私钥 / not an unencrypted PEM private key"
                )
            else:
                if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
                    STARTUP_PROBLEMS.append(
                        "OIDC_RSA_PRIVATE_KEY: 须为至少 2048 位的 RSA 密钥 / must be RSA, 2048 bits+"
                    )
        return value
    if not DEBUG:
        STARTUP_PROBLEMS.append(
            "环境变量 OIDC_RSA_PRIVATE_KEY 未设置。/ OIDC_RSA_PRIVATE_KEY (PEM or path) is required when DEBUG is off."
        )
        return ""
    path = VAR_DIR / "dev-oidc-rsa.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return path.read_text()


# Audit log (core/transparency.py, docs/adr/0007-merkle-audit-log.md). The leaf key keys every leaf
# hash (HMAC-SHA256) and must never be stored in the database; the Ed25519 key signs tree heads.
AUDIT_KEY_MIN_LENGTH = 32


def audit_leaf_key() -> str:
    """The key of the audit log's leaf hashes: from the environment only, checked like the other secrets
    with DEBUG off; in development derived from SECRET_KEY."""
    value = os.environ.get("GOVPLUS_AUDIT_KEY", "")
    if not DEBUG:
        if not value:
            STARTUP_PROBLEMS.append(
                "环境变量 GOVPLUS_AUDIT_KEY 未设置，生产环境（DEBUG=off）必须配置。/ GOVPLUS_AUDIT_KEY (the audit "
                "log's leaf key) is required."
            )
        elif problem := secret_problem(value, min_length=AUDIT_KEY_MIN_LENGTH):
            STARTUP_PROBLEMS.append(f"GOVPLUS_AUDIT_KEY: {problem}")
        return value
    if value:
        return value
    import hashlib
    import hmac

    return hmac.new(SECRET_KEY.encode(), b"govplus audit leaf key", hashlib.sha256).hexdigest()


def audit_signing_key() -> str:
    """Ed25519 private key (PKCS#8 PEM text, or a path to it) that signs the audit tree heads."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    value = os.environ.get("GOVPLUS_AUDIT_SIGNING_KEY", "")
    if value and not value.startswith("-----BEGIN"):
        try:
            value = Path(value).read_text()
        except OSError as error:
            STARTUP_PROBLEMS.append(
                f"GOVPLUS_AUDIT_SIGNING_KEY: 无法读取密钥文件（{error.strerror}）/ cannot read the key file"
            )
            return ""
    if value:
        try:
            key = serialization.load_pem_private_key(value.encode(), password=None)
        except (ValueError, TypeError):
            key = None
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            STARTUP_PROBLEMS.append(
                "GOVPLUS_AUDIT_SIGNING_KEY: 须为未加密的 Ed25519 PEM 私钥 / "
                "must be an unencrypted Ed25519 PEM private key"
            )
        return value
    if not DEBUG:
        STARTUP_PROBLEMS.append(
            "环境变量 GOVPLUS_AUDIT_SIGNING_KEY 未设置。/ GOVPLUS_AUDIT_SIGNING_KEY (Ed25519 PEM or path) is required "
            "when DEBUG is off."
        )
        return ""
    path = VAR_DIR / "dev-audit-ed25519.pem"
    if not path.exists():
        path.write_bytes(
            ed25519.Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
    return path.read_text()


GOVPLUS_AUDIT_KEY = audit_leaf_key()
GOVPLUS_AUDIT_SIGNING_KEY = audit_signing_key()
GOVPLUS_AUDIT_CHECKPOINT_DIR = Path(os.environ.get("GOVPLUS_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints"))
GOVPLUS_AUDIT_STH_EVERY = int(os.environ.get("GOVPLUS_AUDIT_STH_EVERY", "1000"))

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # referenced by exchange.ConsumerSystem
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": oidc_private_key(),
    "PKCE_REQUIRED": True,
    # Each module declares its scopes in its own `module.py` (govplus.core.modules.OAuthScope).
    "SCOPES": module_scopes(INSTALLED_APPS),
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "govplus.identity.oidc.GovplusOAuth2Validator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, no plain PKCE, no access token
    # in a query string (identity/oidc.py refuses plain PKCE before the consent page too).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

if STARTUP_PROBLEMS:
    # A clean message, not a traceback: the operator sees every problem at once and where to read up.
    raise SystemExit(
        "govplus 无法启动，请检查配置 / govplus cannot start, check the configuration (docs/configuration.md):\n"
        + "\n".join(f"  - {problem}" for problem in STARTUP_PROBLEMS)
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "spiff": {"level": "WARNING"}, "huey": {"level": "WARNING"}},
}

GOVPLUS_DEMO_ALLOWED = env_bool("GOVPLUS_DEMO_ALLOWED", DEBUG)
