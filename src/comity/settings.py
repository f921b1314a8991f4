"""Django settings for Comity.

Everything an operator changes comes from the environment (see docs/operations.md):
DATABASE_URL, COMITY_SECRET_KEY, COMITY_DATA_DIR, COMITY_DEBUG, COMITY_ALLOWED_HOSTS,
COMITY_MAX_UPLOAD_BYTES, COMITY_SESSION_IDLE_SECONDS.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
# Data at rest: whatever this process writes (database and its WAL, documents, evidence, keys) is readable by
# its own account only (files 0600, folders 0700), whatever umask it was started with (docs/operations.md).
os.umask(0o077)
DATA_DIR = Path(os.environ.get("COMITY_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _secret_key() -> str:
    """Secret key from the environment, else one generated once and kept in the data folder."""
    if os.environ.get("COMITY_SECRET_KEY"):
        return os.environ["COMITY_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("COMITY_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("COMITY_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # django-ninja as an app: /api/docs renders its template with the Swagger UI it ships in its own
    # static files (served by whitenoise), so the API documentation works offline and loads nothing from a CDN.
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "comity.accounts",
    "comity.audit",
    "comity.cases",
    "comity.web",
    "comity.api",
    "comity.oversight",
    "comity.builder",
    "comity.assessments",
    "comity.evidence",
    "comity.courier",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: the client's address and scheme, from X-Forwarded-* only when a trusted proxy sent them.
    "comity.web.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, so they see every response Django makes (static files keep their long-lived caching):
    # the Content-Security-Policy header, and Cache-Control: no-store on anything that may carry personal data.
    "comity.web.middleware.ContentSecurityPolicyMiddleware",
    "comity.web.middleware.NoStoreMiddleware",
    "comity.web.middleware.RejectNulMiddleware",  # PostgreSQL cannot hold U+0000: refused with the parameter's name
    "comity.api.idempotency.IdempotencyMiddleware",  # /api/ writes with Idempotency-Key: a retry is answered once
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "comity.accounts.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "comity.urls"
WSGI_APPLICATION = "comity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "comity.web.context.law_data_version",
            ],
            # {{ code|label:"outcome" }} and {{ code|state }} everywhere, without {% load %}.
            "builtins": ["comity.web.templatetags.vocab"],
        },
    }
]

_default_sqlite = f"sqlite:///{DATA_DIR / 'comity.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # A database cache, so login throttling holds across several server processes.
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "comity_cache"}
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Common words, dates, repeats and keyboard runs ("Summer2026!!", "abcdefghijkl"): zxcvbn-style estimate.
    {"NAME": "comity.accounts.passwords.GuessablePasswordValidator", "OPTIONS": {"min_bits": 36}},
]

# Sessions end after 30 minutes without activity: each request pushes the expiry forward.
SESSION_COOKIE_AGE = int(os.environ.get("COMITY_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security headers, cookies, TLS and proxies (docs/operations.md, "Running behind a proxy, TLS") -----------
def _trusted_proxies(value: str) -> list[str]:
    """COMITY_TRUSTED_PROXIES: addresses or networks (10.0.0.2, 10.1.0.0/16, ::1) of the reverse proxies whose
    X-Forwarded-For and X-Forwarded-Proto are believed (comity.web.middleware.TrustedProxyMiddleware)."""
    import ipaddress

    from django.core.exceptions import ImproperlyConfigured

    networks = []
    for part in (p.strip() for p in value.split(",")):
        if part:
            try:
                networks.append(str(ipaddress.ip_network(part, strict=False)))
            except ValueError:
                raise ImproperlyConfigured(f"COMITY_TRUSTED_PROXIES: {part!r} is not an IP address or network "
                                           "(give addresses or networks separated by commas, e.g. "
                                           "10.0.0.2,10.1.0.0/16)") from None
    return networks


COMITY_TRUSTED_PROXIES = _trusted_proxies(os.environ.get("COMITY_TRUSTED_PROXIES", ""))
COMITY_HTTPS = os.environ.get("COMITY_HTTPS", "0") == "1"
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = LANGUAGE_COOKIE_HTTPONLY = True  # no script reads a cookie
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if COMITY_TRUSTED_PROXIES:
    # Believed only from the proxies above: the middleware drops the header from anyone else.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if COMITY_HTTPS:
    if not COMITY_TRUSTED_PROXIES and not os.environ.get("COMITY_TLS_CERT"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "COMITY_HTTPS=1 needs to know where TLS ends: set COMITY_TRUSTED_PROXIES to the reverse proxy that "
            "terminates TLS, or COMITY_TLS_CERT and COMITY_TLS_KEY for `comity serve` to speak HTTPS itself")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's health check over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("COMITY_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("COMITY_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"

# Content-Security-Policy (django-csp): scripts and styles from this site only, no inline script, no eval, no
# other host. The templates' own inline styles are allowed by their hashes, computed from the templates by
# comity.web.middleware.ContentSecurityPolicyMiddleware; data: images are allowed for the TOTP QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# django-allauth: username + password, then TOTP. No self sign-up: accounts are issued by administrators.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# Failed sign-ins are throttled by comity.web.login_throttle (per account and client address, plus a cap per
# account whose wait doubles), not by allauth's per-IP counter, which behind a proxy locks everyone out at once.
# The adapter is comity.accounts.adapter.ComityAccountAdapter with that throttle mixed in.
ACCOUNT_ADAPTER = "comity.web.login_throttle.ThrottledAccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": None,
    "login": "30/m/ip",  # sign-in attempts of any outcome per client address (the real one behind a trusted proxy)
}
COMITY_LOGIN_THROTTLE = {
    "per_address": 5, "window": 900,  # failures per (account, client address) in 15 minutes
    "per_account": 30, "account_window": 3600,  # failures per account from all addresses in an hour ...
    "backoff": 60, "max_backoff": 3600,  # ... then a wait of 1 minute, doubled by each further failure, up to 1 hour
}
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Comity"
MFA_RECOVERY_CODE_COUNT = 10
MFA_ADAPTER = "comity.accounts.mfa_adapter.ComityMFAAdapter"  # TOTP secrets encrypted (COMITY_MFA_KEY)

EMAIL_BACKEND = os.environ.get("COMITY_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("COMITY_FROM_EMAIL", "comity@localhost")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in development and tests
MEDIA_ROOT = Path(os.environ.get("COMITY_MEDIA_ROOT", DATA_DIR / "media")).resolve()
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
COMITY_MAX_UPLOAD_BYTES = int(os.environ.get("COMITY_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

COMITY_MAX_EVIDENCE_BYTES = int(os.environ.get("COMITY_MAX_EVIDENCE_BYTES", "0"))  # 0: COMITY_MAX_UPLOAD_BYTES
COMITY_TSA_URL = os.environ.get("COMITY_TSA_URL", "")  # external RFC 3161 authority; empty: the local one
COMITY_TSA_CERTS = os.environ.get("COMITY_TSA_CERTS", "")

# How long an oversight user's stated purpose opens a case they are not a member of.
COMITY_OVERSIGHT_GRANT_SECONDS = 1800

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COMITY_LOG_LEVEL", "WARNING")},
}


# Exchange between instances (comity.exchange, comity.courier): delivery retries with exponential back-off up to
# a ceiling, then a visible failure; tasks on django-tasks' database backend (`comity exchange worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "exchange"]}}
COMITY_EXCHANGE_RETRY_SECONDS = float(os.environ.get("COMITY_EXCHANGE_RETRY_SECONDS", "10"))
COMITY_EXCHANGE_RETRY_CEILING_SECONDS = float(os.environ.get("COMITY_EXCHANGE_RETRY_CEILING_SECONDS", "3600"))
COMITY_EXCHANGE_MAX_ATTEMPTS = int(os.environ.get("COMITY_EXCHANGE_MAX_ATTEMPTS", "12"))
# A received message nobody opened within this many hours gets NON_RETRIEVAL evidence, sent back to its sender.
COMITY_EXCHANGE_RETRIEVAL_HOURS = float(os.environ.get("COMITY_EXCHANGE_RETRIEVAL_HOURS", "48"))
# Attachment chunks of a message that never arrived are removed after this many days.
COMITY_EXCHANGE_STAGING_DAYS = float(os.environ.get("COMITY_EXCHANGE_STAGING_DAYS", "7"))
COMITY_EXCHANGE_TIMEOUT_SECONDS = float(os.environ.get("COMITY_EXCHANGE_TIMEOUT_SECONDS", "30"))
