"""Settings, read from the environment only (see `.env.example`).

With nothing set the site runs for development: SQLite in `var/`, Celery tasks in-process,
mail to the console. `DEBUG=0` is production: it refuses to start without a real
`SECRET_KEY` and turns on every `check --deploy` protection.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from common import spreadsheets
from common.money import legal_tender_currencies

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-development-key-never-used-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

REPORTING_CURRENCY = env.str("REPORTING_CURRENCY", default="USD").upper()
if REPORTING_CURRENCY not in legal_tender_currencies():
    raise ImproperlyConfigured(f"REPORTING_CURRENCY {REPORTING_CURRENCY!r} is not an ISO 4217 code.")
# The currencies the public pages offer besides the reporting currency (which is always offered, first).
PUBLIC_CURRENCIES = [
    REPORTING_CURRENCY,
    *(
        code
        for code in dict.fromkeys(
            c.strip().upper() for c in env.list("PUBLIC_CURRENCIES", default=["EUR", "CHF", "GBP", "SEK"])
        )
        if code and code != REPORTING_CURRENCY
    ),
]
if unknown := [code for code in PUBLIC_CURRENCIES if code not in legal_tender_currencies()]:
    raise ImproperlyConfigured(f"PUBLIC_CURRENCIES {', '.join(unknown)} are not ISO 4217 codes.")

INSTALLED_APPS = [
    # First: the columns of each translated text (title_en, title_fr: the apps' translation.py), then the site,
    # whose start-up sets rules on every app's models (those columns too) and on form fields before the admin
    # loads forms.
    "modeltranslation",
    "citiesalliance.apps.SiteConfig",
    "citiesalliance.apps.PortfolioAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "members",
    "grants",
    "results",
    "donors",
    "opendata",
]


def _installed(distribution: str) -> bool:
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


# The development tools (`manage.py bench`, `generate_portfolio`, `load_demo`) only where they are installed, by
# `make install`: their folder may sit beside the code in a checkout, but a production install (`pip install .`)
# never carries them.
if _installed("citiesalliance-devtools"):
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    # First, so that the whole request runs in room of its own on the frame stack (common/stack_room.py).
    "common.stack_room.StackRoom",
    "django.middleware.security.SecurityMiddleware",
    "common.security.ContentSecurityPolicy",
    "common.security.PermissionsPolicy",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.middleware.RefuseMalformedRequests",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "citiesalliance.db_router.ReadsFromReplica",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.middleware.UserLanguage",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.StaffNeedTwoFactor",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "citiesalliance.urls"
WSGI_APPLICATION = "citiesalliance.wsgi.application"

# Django's renderer, with drop-down lists written in Python (common/form_renderer.py).
FORM_RENDERER = "common.form_renderer.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "members.context_processors.roles",
            ],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# The public list's index carries extra columns for PostgreSQL's index-only scans; SQLite, the development
# database, builds it without them, which Django warns of at every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if "sqlite" in DATABASES["default"]["ENGINE"] else []
# Read replicas (PostgreSQL streaming replicas of DATABASE_URL), comma-separated: the public and donor pages
# read from them, everything else and every write uses the primary (citiesalliance.db_router). In tests a
# replica is the primary's test database (MIRROR), as Django's test runner does for replicas.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica{_number}"] = {**environ.Env.db_url_config(_url), "TEST": {"MIRROR": "default"}}
    DATABASE_REPLICAS.append(f"replica{_number}")
for _database in DATABASES.values():
    if _database["ENGINE"].endswith("sqlite3"):
        # The embedded setup writes from more than one thread or process (a background job, gunicorn's
        # workers). Each transaction takes the write lock when it begins, waiting for another's to end, rather
        # than failing at once with "database is locked" when it first writes after reading.
        _database.setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
        _database["OPTIONS"].setdefault("timeout", 30)
    if _database["ENGINE"].endswith("postgresql"):
        _database.setdefault("CONN_MAX_AGE", 60)
        # A connection that died with a restart of PostgreSQL is replaced at the next request, not reused.
        _database["CONN_HEALTH_CHECKS"] = True
        # A server that does not answer fails a request in seconds, not when the client gives up.
        _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
        # PostgreSQL's JIT compiles every aggregate over the ledger afresh, about 0.45 s each at 50,000 projects,
        # and the queries here are short: it costs more than it saves. Off for this site's connections only.
        _database["OPTIONS"].setdefault("options", "-c jit=off")
if any(DATABASES[alias]["ENGINE"] != DATABASES["default"]["ENGINE"] for alias in DATABASE_REPLICAS):
    raise ImproperlyConfigured("DATABASE_REPLICA_URLS must name replicas of DATABASE_URL's database engine.")
DATABASE_ROUTERS = ["citiesalliance.db_router.ReplicaRouter"]
# Seconds a browser that wrote something (any POST) reads from the primary: it sees its own change although
# a replica lags behind by that much at most.
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
# Sends a person who acts for no organisation yet to register or join one, everyone else home.
LOGIN_REDIRECT_URL = "members:onboarding"
LOGOUT_REDIRECT_URL = "home"

# Accounts (django-allauth): the email address is the only login, and it must be verified.
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Confirming in the browser that signed up logs in straight away (allauth checks the session).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cities Alliance] "
# Sign-in attempts slow an attacker down without letting a stranger lock anyone out: failed logins count per
# IP address and per account *from that address* (members.adapter), with short windows and no lockout.
# Rates are "<count>/<period><s|m|h|d>/<ip|key|user>"; the cache holds the counts (while Redis is down, each web
# process's memory: common.cache).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,60/h/ip,5/5m/key",
    "signup": "20/m/ip,100/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}

# Proxies in front of the site that append to X-Forwarded-For (0: clients connect directly); rate limits and
# throttles count per the client address they give.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# Two-factor authentication (django-allauth's mfa): an authenticator app (TOTP) with recovery codes, offered
# to everyone. Staff must set it up before any page of the admin (members.middleware); off by default only in
# development (DEBUG), so that the demo's logins work without an authenticator app.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Cities Alliance portfolio"
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)
# API tokens stop working this many days after they were made (a new one is made by the account's owner).
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
if API_TOKEN_TTL_DAYS <= 0:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be a number of days above 0.")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Texts staff write (calls, questions, criteria, the framework, project summaries) in each language, side by side
# in the admin (django-modeltranslation, the apps' translation.py); a page shows the active language's text, else
# the English, else the French, so no text is ever blank because one language is missing.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "fr")
# Dates written one way in every page, e-mail and PDF, in the active language; typed dates are ISO only.
FORMAT_MODULE_PATH = ["citiesalliance.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
BACKUP_DIR = env.path("BACKUP_DIR", default=str(VAR_DIR / "backups"))
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1_000_000)
IATI_UPLOAD_MAX_BYTES = env.int("IATI_UPLOAD_MAX_BYTES", default=20 * 1_000_000)
# Form fields and JSON bodies (the API reads these through request.body): Django's default of 2.5 MB.
# Files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, not to memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A request body larger than the largest file any form takes, with its other fields, is refused (413)
# before it is read (common.middleware).
REQUEST_MAX_BYTES = max(UPLOAD_MAX_BYTES, IATI_UPLOAD_MAX_BYTES) + DATA_UPLOAD_MAX_MEMORY_SIZE
if min(UPLOAD_MAX_BYTES, IATI_UPLOAD_MAX_BYTES) <= 0:
    raise ImproperlyConfigured("UPLOAD_MAX_BYTES and IATI_UPLOAD_MAX_BYTES must be numbers of bytes above 0.")
# Uploaded files (attachments, evidence, signed agreements, evaluations, donor reports) go through Django's
# storage API only, so that web processes on several machines share them: a folder they all mount
# (filesystem, MEDIA_ROOT) or an S3-compatible bucket (s3). The bucket stays private: every download streams
# through a view that checks who may read the file, never through a bucket URL.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
_S3_VARIABLES = ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_PREFIX")
if STORAGE_BACKEND == "filesystem":
    _stray = [name for name in _S3_VARIABLES if env.str(name, default="")]
    if _stray and not DEBUG:
        raise ImproperlyConfigured(
            f"{', '.join(_stray)} set but STORAGE_BACKEND is filesystem: set STORAGE_BACKEND=s3 to keep uploads "
            "in the bucket, or unset them."
        )
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    _s3 = {name: env.str(name, default="") for name in _S3_VARIABLES}
    if not _s3["S3_BUCKET"]:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET, the bucket that keeps uploaded files.")
    if bool(_s3["S3_ACCESS_KEY_ID"]) != bool(_s3["S3_SECRET_ACCESS_KEY"]):
        raise ImproperlyConfigured(
            "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (the machine's own credentials)."
        )
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3["S3_BUCKET"],
            "endpoint_url": _s3["S3_ENDPOINT_URL"] or None,
            "region_name": _s3["S3_REGION"] or None,
            "access_key": _s3["S3_ACCESS_KEY_ID"] or None,
            "secret_key": _s3["S3_SECRET_ACCESS_KEY"] or None,
            "location": _s3["S3_PREFIX"],
            # Private objects, no public domain; a URL, were one ever made, is signed and short-lived.
            "default_acl": "private",
            "custom_domain": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # As on a disk: a second file of the same name gets a new name instead of replacing the first.
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND {STORAGE_BACKEND!r} is neither filesystem nor s3.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portfolio@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sessions are kept in the database (Django's default), so any web process reads any visitor's session.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # Throttles and sign-in rate limits count there; while Redis is down, in each process's memory (common.cache).
    CACHES = {
        "default": {
            "BACKEND": "common.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Without a broker, long jobs (donor reports) run in a background thread of the web process, so the request
# that queued one answers at once (common.background); with a broker, workers make them.
LONG_JOBS_IN_THREAD = not REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "remind-progress-reports": {"task": "results.tasks.remind_reports_due", "schedule": crontab(hour=6, minute=0)},
    "flush-outbox": {"task": "citiesalliance.tasks.flush_outbox", "schedule": 60},
    "requeue-stuck-donor-reports": {"task": "donors.tasks.requeue_stuck_reports", "schedule": 600},
    "quarterly-donor-reports": {
        "task": "donors.tasks.make_quarterly_reports",
        "schedule": crontab(hour=2, minute=0, day_of_month=1, month_of_year="1,4,7,10"),
    },
}
# Who publishes the IATI files: the organisation identifier from the IATI registry, name and type.
IATI_ORGANISATION_IDENTIFIER = env.str("IATI_ORGANISATION_IDENTIFIER", default="XI-IATI-CITIES-ALLIANCE")
IATI_ORGANISATION_NAME = env.str("IATI_ORGANISATION_NAME", default="Cities Alliance")
IATI_ORGANISATION_TYPE = env.str("IATI_ORGANISATION_TYPE", default="40")
# The fund's own bank account, debited by the payment runs' pain.001 files: its IBAN, BIC and account name.
# Demo values in development only; in production a run's XML file is refused until they are set.
FUND_IBAN = env.str("FUND_IBAN", default="CH5604835012345678009" if DEBUG else "").replace(" ", "").upper()
FUND_BIC = env.str("FUND_BIC", default="CRESCHZZ80A" if DEBUG else "").replace(" ", "").upper()
FUND_NAME = env.str("FUND_NAME", default="Cities Alliance Trust Fund" if DEBUG else "")
if FUND_IBAN or FUND_BIC:
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(FUND_IBAN)
        BIC(FUND_BIC)
    except SchwiftyException as error:
        raise ImproperlyConfigured(f"FUND_IBAN and FUND_BIC must be a valid IBAN and BIC: {error}") from error
# Seconds a worker may spend on one donor report before it is stopped (and the job marked failed).
DONOR_REPORT_TIME_LIMIT = env.int("DONOR_REPORT_TIME_LIMIT", default=300)
# Seconds between the signs of life a worker gives while it makes a donor report: a report whose worker gave
# none for four of them is taken over by another worker, as its worker died (donors.services).
DONOR_REPORT_HEARTBEAT = env.int("DONOR_REPORT_HEARTBEAT", default=15)
if DONOR_REPORT_HEARTBEAT <= 0:
    raise ImproperlyConfigured("DONOR_REPORT_HEARTBEAT must be a number of seconds above 0.")
DONOR_REPORT_STALE_AFTER = 4 * DONOR_REPORT_HEARTBEAT
# A task taken by a worker that then died (tasks are acknowledged late) goes back to the queue after this
# many seconds, for another worker: minutes, not Celery's default hour, and longer than any task runs or
# waits for a retry, or a task still running would be delivered again (the report's claim keeps a second
# worker off it, but the delivery is wasted). Each worker looks for such tasks every 10 s. Publishing fails
# in 2 s when Redis is down, so the job goes to the outbox (common.outbox) instead of holding the request.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
}
# Refused in production only: the tests' workers use seconds, to see a killed worker's task taken over.
_LONGEST_RUN_OR_WAIT = max(DONOR_REPORT_TIME_LIMIT, CELERY_TASK_TIME_LIMIT, DONOR_REPORT_STALE_AFTER)
if not DEBUG and CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] < _LONGEST_RUN_OR_WAIT + 120:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must exceed the longest task time limit by 2 minutes.")

# The API (/api/v1/): anyone reads what is public, writes need a session or a token; lists page by
# cursor so that no request counts a whole table. Throttle rates are "<requests>/<s|min|hour|day>".
API_THROTTLE_RATES = {
    "anon": env.str("API_THROTTLE_ANON", default="60/min"),
    "user": env.str("API_THROTTLE_USER", default="600/min"),
    # Making an API token, per IP address.
    "token": env.str("API_THROTTLE_TOKEN", default="10/hour"),
}
for _scope, _rate in API_THROTTLE_RATES.items():
    _count, _, _period = _rate.partition("/")
    if not (_count.isdigit() and _period[:1] in {"s", "m", "h", "d"}):
        raise ImproperlyConfigured(f"API_THROTTLE_{_scope.upper()} {_rate!r} is not a rate such as 60/min.")
REST_FRAMEWORK = {
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "common.api.OrderingFilter",
    ],
    # Token first, so that a request without credentials is told how to authenticate (401).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "members.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["common.api.AnonThrottle", "common.api.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    # Amounts leave as decimal strings ("4820000.00"), never as floats.
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cities Alliance portfolio API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Open data of the partnership's grant portfolio: members, windows, facilities, themes, calls, "
        "projects, donor contributions, transactions and results. Anyone may read what is public; "
        "authenticate with a session or with `Authorization: Token <key>` to see more. Partners draft, "
        "save and submit their organisations' applications and progress reports; secretariat staff also "
        "change reference data, calls and records, allocate contributions to projects, record receipts, "
        "payments and expenditure, and reverse them. Lists are paged by cursor (follow `next`); amounts "
        "are decimal strings beside their ISO 4217 currency. "
        'Errors are `{"error": {"code": ..., "message": ..., "fields": {field: [messages]}}}`.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "grants.models.ProjectStatus",
        "ContributionStatusEnum": "grants.models.ContributionStatus",
        "TransactionKindEnum": "grants.models.TransactionKind",
        "PartnerRoleEnum": "grants.models.PartnerRole",
        "OrganisationKindEnum": "members.models.OrganisationKind",
        "MembershipKindEnum": "members.models.MembershipKind",
        "ApplicationStatusEnum": "grants.models.ApplicationStatus",
        "ReportStatusEnum": "results.models.ReportStatus",
        "TrancheStatusEnum": "grants.models.TrancheStatus",
        "AgreementStatusEnum": "grants.models.AgreementStatus",
        "ReleaseConditionEnum": "grants.models.ReleaseCondition",
        "ReportKindEnum": "results.models.ReportKind",
        "AmendmentKindEnum": "grants.models.AmendmentKind",
        "AmendmentStatusEnum": "grants.models.AmendmentStatus",
        "SignatorySideEnum": "grants.models.SignatorySide",
        "CallKindEnum": "grants.models.CallKind",
        "CallStageEnum": "grants.models.CallStage",
        "CallDocumentKindEnum": "grants.models.CallDocumentKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.document_error_responses",
        "common.api.require_digits_in_decimals",
    ],
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_FORMATS = [spreadsheets.CSV, spreadsheets.XLSX]  # exports escape formulas
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# A spreadsheet import adds rows and an export reads them: without these, staff status alone would do both.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every page loads scripts, styles, images and fonts from this site only, and writes no inline script or
# style (they live in static/); the API's Redoc page sets its own policy (common.api_views).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
# Inline attributes of third-party admin templates, allowed on the admin's pages only, by hash: the export
# page's "select all" toggle and three style attributes (tests/test_security_headers.py finds them all).
CSP_ADMIN_INLINE_ATTRIBUTES = {
    "script-src-attr": ["onSelectToggleChange(event)"],
    "style-src-attr": ["padding: 0;", "font-weight: bold;", "border-top: 0"],
}
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint and its font tools log a line per page and per glyph table at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}
