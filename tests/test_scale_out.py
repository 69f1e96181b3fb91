"""Past one machine: two web processes and two Celery workers against one database and one Redis.

Nothing a visitor does is tied to the process that served it: a file uploaded through one web process is
downloaded through the other (a folder both mount, or an S3 bucket: here moto's S3 server), a session
signed in on one works on the other, and donor reports queued through one are made by whichever worker is
free, each once. Every wait polls with a generous deadline; no duration is asserted.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pytest
import requests
from django.db import connection

from donors.models import DonorReport, ReportJobStatus
from grants.models import Attachment
from members.models import Role
from tests import worker
from tests.factories import (
    PDF,
    ApplicationFactory,
    ContributionFactory,
    EmailAddressFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    VerifiedUserFactory,
)
from tests.webserver import gunicorn_server
from tests.worker import ROOT, celery_worker, empty_broker, stop

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"  # UserFactory's
WAIT = 90  # seconds: generous, for a busy machine
QUARTERS = [("2024-01-01", "2024-03-31"), ("2024-04-01", "2024-06-30"), ("2024-07-01", "2024-09-30")]
REPLICA_SESSIONS = "portfolio-test-replica"


@dataclass
class Browser:
    """One visitor, going to whichever web process it is sent to, as behind a load balancer. The site runs
    as in production, behind a proxy that terminated TLS: cookies are marked secure, so they are kept here
    and sent by hand over the tests' plain HTTP."""

    cookies: dict[str, str] = field(default_factory=dict)

    def _headers(self, url: str) -> dict[str, str]:
        origin = re.match(r"http://([^/]+)", url).group(1)
        return {
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{origin}/",
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
        }

    def get(self, url: str) -> requests.Response:
        return self._send("GET", url)

    def post(self, url: str, data: dict, **kwargs) -> requests.Response:
        return self._send(
            "POST", url, data={"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}, **kwargs
        )

    def _send(self, method: str, url: str, headers: dict | None = None, **kwargs) -> requests.Response:
        """A request, and the redirects it answers with, to the same web process (requests itself would not
        send the secure cookies along)."""
        for _ in range(5):
            response = requests.request(
                method,
                url,
                headers={**self._headers(url), **(headers or {})},
                cookies=self.cookies,
                allow_redirects=False,
                timeout=60,
                **kwargs,
            )
            self.cookies.update(response.cookies.get_dict())
            if not response.is_redirect:
                return response
            url, method, kwargs = urljoin(url, response.headers["Location"]), "GET", {}
        raise AssertionError(f"{url} redirects too often")

    def sign_in(self, server_url: str, email: str) -> None:
        self.get(f"{server_url}/accounts/login/")
        signed_in = self.post(f"{server_url}/accounts/login/", {"login": email, "password": PASSWORD})
        assert signed_in.status_code == 200 and "Log out" in signed_in.text, signed_in.text[:2000]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def s3_server(log_dir):
    """moto's S3 server in a subprocess, with the bucket made: the environment that points the site at it."""
    import boto3

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = log_dir / "moto.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(endpoint, timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
        client.create_bucket(Bucket="portfolio-uploads")
        yield (
            client,
            {
                "STORAGE_BACKEND": "s3",
                "S3_BUCKET": "portfolio-uploads",
                "S3_ENDPOINT_URL": endpoint,
                "S3_REGION": "us-east-1",
                "S3_ACCESS_KEY_ID": "test",
                "S3_SECRET_ACCESS_KEY": "test",
            },
        )
    finally:
        stop(process)


def two_web_processes(stack: ExitStack, tmp_path, **environment: str):
    """Two gunicorn processes sharing what a load balancer's machines share: the database, Redis, the
    uploads and SECRET_KEY (sessions and their signatures)."""
    shared = {"SECRET_KEY": secrets.token_urlsafe(64), **environment}
    servers = []
    for name in ("web1", "web2"):
        (tmp_path / name).mkdir()
        servers.append(stack.enter_context(gunicorn_server(tmp_path / name, **shared)))
    return servers


@pytest.fixture(autouse=True)
def _passwords_the_web_processes_check(settings):
    """The tests' fast hasher is not one the web processes know: users sign in with production's."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def partners_draft():
    draft = ApplicationFactory(complete=True)
    EmailAddressFactory(user=draft.created_by)
    return draft


def treasurer_of_a_donor():
    donor = OrganisationFactory(short_name="SECO")
    ContributionFactory(donor=donor, start_date=dt.date(2018, 1, 1), end_date=dt.date(2026, 12, 31))
    treasurer = VerifiedUserFactory(email="treasurer@seco.example.org")
    OrganisationRoleFactory(user=treasurer, organisation=donor, role=Role.DONOR)
    return donor, treasurer


def upload_attachment(browser: Browser, server_url: str, draft) -> Attachment:
    answer = browser.post(
        f"{server_url}/portal/applications/{draft.pk}/files/",
        {},
        files={"file": ("plan.pdf", PDF, "application/pdf")},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200, answer.text[:2000]
    return Attachment.objects.get(application=draft)


def wait_until_made(reports: list[DonorReport]) -> list[DonorReport]:
    deadline = time.monotonic() + WAIT
    for report in reports:
        report.refresh_from_db()
        while not report.is_finished:
            if time.monotonic() > deadline:
                pytest.fail(f"the workers did not finish the reports in {WAIT} s ({report}: {report.status})")
            time.sleep(0.5)
            report.refresh_from_db()
    return reports


def replica_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(  # this test's database only, not another xdist worker's
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
            [REPLICA_SESSIONS],
        )
        return cursor.fetchone()[0]


def test_two_web_processes_and_two_workers_share_uploads_sessions_and_reports(tmp_path, monkeypatch, settings):
    media = tmp_path / "shared-media"  # the folder both machines mount
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    monkeypatch.setenv("EMAIL_URL", "memorymail://")
    empty_broker()
    draft = partners_draft()
    donor, treasurer = treasurer_of_a_donor()
    # The replica is the test database itself, reached on connections of their own that are told apart.
    replica = f"{worker.test_database_url()}?application_name={REPLICA_SESSIONS}"

    with ExitStack() as stack:
        web1, web2 = two_web_processes(stack, tmp_path, DATABASE_REPLICA_URLS=replica)
        # Each report's first attempt pauses, so that both workers are busy while the reports wait.
        for name in ("worker-a", "worker-b"):
            stack.enter_context(celery_worker(name=name, slow_first_report=2))

        partner = Browser()
        partner.sign_in(web1.url, draft.created_by.email)
        on_web2 = partner.get(f"{web2.url}/portal/applications/{draft.pk}/")
        attachment = upload_attachment(partner, web1.url, draft)
        download = partner.get(f"{web2.url}/portal/files/{attachment.pk}/")

        public = Browser().get(f"{web2.url}/projects/")

        donors_browser = Browser()
        donors_browser.sign_in(web1.url, treasurer.email)
        for start, end in QUARTERS:
            queued = donors_browser.post(
                f"{web1.url}/donors/{donor.pk}/reports/", {"period_start": start, "period_end": end}
            )
            assert queued.status_code == 200 and "is requested" in queued.text, queued.text[:2000]
        reports = wait_until_made(list(DonorReport.objects.filter(donor=donor).order_by("period_start")))
        pdfs = [donors_browser.get(f"{web2.url}/donors/{donor.pk}/reports/{report.pk}/pdf/") for report in reports]
        dashboard = donors_browser.get(f"{web2.url}/donors/{donor.pk}/")
        read_from_replica = replica_sessions()
        logs = web1.output() + web2.output()

    assert on_web2.status_code == 200 and "Log out" in on_web2.text and draft.title in on_web2.text
    assert download.status_code == 200 and download.content == PDF
    assert (media / attachment.file.name).read_bytes() == PDF
    assert public.status_code == 200
    assert dashboard.status_code == 200 and donor.name in dashboard.text
    # The public and donor pages opened connections to the replica; the rest went to the primary.
    assert read_from_replica >= 1, logs
    assert [report.status for report in reports] == [ReportJobStatus.READY] * len(QUARTERS)
    assert all(response.status_code == 200 and response.content.startswith(b"%PDF") for response in pdfs)
    # Shared between the workers, each report made once.
    workers = [report.worker.split("@")[0].rsplit("-", 1)[0] for report in reports]  # worker-a-<pid>@host
    assert set(workers) == {"worker-a", "worker-b"}, workers
    assert [report.attempts for report in reports] == [1] * len(QUARTERS)


def test_with_uploads_in_an_s3_bucket_a_file_and_a_report_made_on_one_machine_are_served_by_another(
    tmp_path, monkeypatch, settings
):
    media = tmp_path / "no-media"  # must stay empty: the files are in the bucket
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    monkeypatch.setenv("EMAIL_URL", "memorymail://")
    empty_broker()
    draft = partners_draft()
    donor, treasurer = treasurer_of_a_donor()

    with ExitStack() as stack:
        bucket, s3_settings = stack.enter_context(s3_server(tmp_path))
        for name, value in s3_settings.items():
            monkeypatch.setenv(name, value)  # the worker's too: it inherits the environment
        web1, web2 = two_web_processes(stack, tmp_path)
        stack.enter_context(celery_worker(name="worker-a"))

        partner = Browser()
        partner.sign_in(web1.url, draft.created_by.email)
        attachment = upload_attachment(partner, web1.url, draft)
        download = partner.get(f"{web2.url}/portal/files/{attachment.pk}/")

        donors_browser = Browser()
        donors_browser.sign_in(web2.url, treasurer.email)
        start, end = QUARTERS[0]
        donors_browser.post(f"{web2.url}/donors/{donor.pk}/reports/", {"period_start": start, "period_end": end})
        (report,) = wait_until_made(list(DonorReport.objects.filter(donor=donor)))
        pdf = donors_browser.get(f"{web1.url}/donors/{donor.pk}/reports/{report.pk}/pdf/")
        stored = sorted(item["Key"] for item in bucket.list_objects_v2(Bucket="portfolio-uploads")["Contents"])

    assert download.status_code == 200 and download.content == PDF
    assert report.status == ReportJobStatus.READY
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert stored == sorted([attachment.file.name, report.file.name])
    assert not media.exists()
