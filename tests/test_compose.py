"""docker-compose.yml runs web and worker as many times as `docker compose up --scale` asks: no scaled service
is tied to one container (a fixed name, a single host port, a folder of one container's own)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCALED = ("web", "worker")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_scaled_services_have_no_fixed_name_or_published_port():
    services = compose()["services"]

    for name in SCALED:
        assert "container_name" not in services[name], name
        assert "ports" not in services[name], f"{name} publishes a port: a second container could not bind it"


def test_one_proxy_publishes_the_site_and_reaches_every_web_container_by_the_services_name():
    services = compose()["services"]
    published = [name for name, service in services.items() if service.get("ports")]
    config = (ROOT / "docker" / "nginx.conf").read_text()

    assert published == ["proxy"]
    assert "./docker/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]
    # Looked up again every few seconds, so web containers added by --scale get requests.
    assert "resolver 127.0.0.11 valid=10s" in config
    assert "set $web web:8000;" in config and "proxy_pass http://$web;" in config
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"


def test_scaled_services_share_the_uploads_the_database_and_redis():
    services = compose()["services"]

    for name in SCALED:
        service = services[name]
        assert "media:/app/var/media" in service["volumes"], name
        assert service["environment"]["MEDIA_ROOT"] == "/app/var/media"
        assert service["environment"]["STORAGE_BACKEND"] == "${STORAGE_BACKEND:-filesystem}"
        assert service["environment"]["S3_BUCKET"] == "${S3_BUCKET:-}"
        assert service["environment"]["DATABASE_URL"].endswith("@postgres:5432/citiesalliance")
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert "media" in compose()["volumes"]


def test_migrations_run_once_before_any_web_or_worker_starts():
    services = compose()["services"]

    assert "migrate" not in services["web"]["command"]
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    for name in (*SCALED, "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name


def test_every_variable_the_stack_passes_is_listed_in_the_env_example():
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    for name in (*SCALED, "beat"):
        passed = set(compose()["services"][name]["environment"])
        assert passed <= listed, passed - listed
