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


def development_secret(name: str, length: int = 48) -> str:
    """A secret kept in var/ for development; refuses to invent one for production."""
    value = os.environ.get(name)
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(
            f"环境变量 {name} 未设置；生产环境（DEBUG=off）必须配置。/ "
            f"The environment variable {name} is required when DEBUG is off. See docs/configuration.md."
        )
    import secrets

    path = VAR_DIR / f"dev-{name.lower()}.secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(length))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = development_secret("SECRET_KEY")
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
    "govplus.portal",
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
GOVPLUS_TOKEN_CACHE_SECONDS = float(os.environ.get("GOVPLUS_TOKEN_CACHE_SECONDS", "10"))
DATA_UPLOAD_MAX_MEMORY_SIZE = GOVPLUS_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

HUEY = {
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "name": "govplus",
    "immediate": env_bool("HUEY_IMMEDIATE", TESTING),
    "results": False,
    "utc": True,
    "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY["url"] = REDIS_URL
else:
    HUEY["filename"] = str(VAR_DIR / "huey.sqlite3")

# Adapters for systems outside the platform: dotted paths to a class with the adapter's Protocol.
GOVPLUS_SMS_ADAPTER = os.environ.get("GOVPLUS_SMS_ADAPTER", "govplus.core.notify.LogSmsGateway")
GOVPLUS_EMAIL_ADAPTER = os.environ.get("GOVPLUS_EMAIL_ADAPTER", "govplus.core.notify.DjangoEmailGateway")
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
    if value.startswith("-----BEGIN"):
        return value
    if value:
        return Path(value).read_text()
    if not DEBUG:
        raise ImproperlyConfigured(
            "环境变量 OIDC_RSA_PRIVATE_KEY 未设置。/ OIDC_RSA_PRIVATE_KEY (PEM or path) is required when DEBUG is off."
        )
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


OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": oidc_private_key(),
    "PKCE_REQUIRED": True,
    "SCOPES": {
        "openid": "登录身份 / OpenID Connect sign-in",
        "profile": "姓名与角色 / name and role",
        "applications": "读写我的办件 / read and write my applications",
        "tasks": "办理我的待办 / work on my tasks",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "govplus.identity.oidc.GovplusOAuth2Validator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "spiff": {"level": "WARNING"}, "huey": {"level": "WARNING"}},
}

GOVPLUS_DEMO_ALLOWED = env_bool("GOVPLUS_DEMO_ALLOWED", DEBUG)
