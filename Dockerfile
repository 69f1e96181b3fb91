# The web, worker and beat images are the same: one Python image with WeasyPrint's system libraries and
# PostgreSQL's client tools (pg_dump and pg_restore, for `manage.py backup` and `restore`).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 portfolio
WORKDIR /app

COPY pyproject.toml README.md ./
COPY citiesalliance ./citiesalliance
COPY common ./common
COPY members ./members
COPY grants ./grants
COPY results ./results
RUN pip install --upgrade pip setuptools && pip install .

COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R portfolio:portfolio /app/var

USER portfolio
EXPOSE 8000
CMD ["gunicorn", "citiesalliance.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
