# The web, worker and beat images are the same: one Python image with WeasyPrint's system libraries and
# PostgreSQL's client tools (pg_dump and pg_restore, for `manage.py backup` and `restore`).
# Python 3.13 (3.13.13 or newer), not 3.11 or 3.12: their interpreter allocates and frees a block of memory (an
# mmap and a munmap) on every call that crosses one of its 16 KB stack chunks, and a page rendered at that depth
# crosses it thousands of times (the admin's project list: 3,300 times, about a third of its time). 3.13.13 keeps
# one chunk instead (CPython gh-142183); see "Benchmark" in the README.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries, a font and gettext, from the same list `make run` installs; curl for the health check;
# postgresql-client for backups.
COPY scripts/system-packages /tmp/system-packages
RUN apt-get update -qq \
    && /tmp/system-packages run \
    && apt-get install -y -qq --no-install-recommends curl postgresql-client \
    && rm -rf /var/lib/apt/lists/* /tmp/system-packages

RUN useradd --create-home --uid 1000 portfolio
WORKDIR /app

COPY pyproject.toml README.md ./
# The packages pyproject.toml installs (its setuptools `include`), before the rest for a cached install layer.
COPY citiesalliance ./citiesalliance
COPY common ./common
COPY members ./members
COPY grants ./grants
COPY results ./results
COPY donors ./donors
COPY opendata ./opendata
RUN pip install --upgrade pip setuptools && pip install .

# Everything else but .dockerignore's list, which keeps out the development tools (`devtools/`).
COPY . .
# With production settings, so the manifest the running site looks files up in is written; the translations
# compiled (locale/*.po to .mo, with msgfmt from gettext). The key signs nothing: it only lets the settings load
# without DEBUG.
RUN DEBUG=0 ALLOWED_HOSTS=localhost \
        SECRET_KEY=collectstatic-only-build-time-key-that-never-signs-anything-0123456789 \
        sh -c 'python manage.py collectstatic --noinput && python manage.py compilemessages --verbosity 0' \
    && mkdir -p /app/var/media && chown -R portfolio:portfolio /app/var

USER portfolio
EXPOSE 8000
CMD ["gunicorn", "citiesalliance.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
