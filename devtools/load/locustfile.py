"""The load test's users: anonymous visitors, partners, donors and the secretariat's staff, with writes.

Run by `devtools/load/run.py` (`make load`), which seeds the database, writes the ids these users read
(`prepare.py`) to the JSON file named by LOAD_CONFIG and starts gunicorn with production's settings.

The users speak to gunicorn as the TLS-ending proxy of production would pass them on: every request says
`X-Forwarded-Proto: https` (the site redirects plain HTTP and sets its cookies `Secure`, so the client keeps
those cookies over loopback too), and `X-Forwarded-For` gives each simulated user an address of its own
(the server trusts one proxy, TRUSTED_PROXY_COUNT=1), so the per-address sign-in limits and API throttles
count per user, as they would in production, instead of all users sharing 127.0.0.1.

Signing in is Django's: the login form's CSRF token, then (staff) the authenticator app's code, computed
from the secret `prepare.py` set up. Each user signs in once, when it starts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from html.parser import HTMLParser

from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"]).read()) if os.environ.get("LOAD_CONFIG") else {}  # noqa: SIM115
PASSWORD = CONFIG.get("password", "")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Addresses handed out to users in turn; the run's number keeps two runs' rate-limit counts apart.
_addresses = itertools.count(1)
_run = int(os.environ.get("LOAD_RUN", "0")) % 200
# Staff accounts in turn; an authenticator code is accepted once per account, so a code already used waits.
_staff = itertools.cycle(CONFIG.get("staff", [])[:2])
_used_codes: set[tuple[str, int]] = set()
WAIT = (float(os.environ.get("LOAD_WAIT_MIN", "1")), float(os.environ.get("LOAD_WAIT_MAX", "3")))
EACH_TASK_FIRST = bool(os.environ.get("LOAD_EACH_TASK_FIRST"))


def totp(secret: str, counter: int) -> str:
    """The six digits an authenticator app shows for the time step `counter` (RFC 6238, SHA-1)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class Form(HTMLParser):
    """The fields a browser would post from the form whose fields include `wanted`."""

    def __init__(self, wanted: str):
        super().__init__()
        self.wanted, self.forms, self.current, self.textarea, self.select = wanted, [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = {"action": attrs.get("action", ""), "fields": []}
            self.forms.append(self.current)
        elif self.current is None or ("name" not in attrs and tag != "option"):
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if (kind in ("checkbox", "radio") and "checked" not in attrs) or kind in ("file", "submit", "button"):
                return
            self.current["fields"].append([attrs["name"], attrs.get("value") or ""])
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
            self.current["fields"].append(self.textarea)
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.current["fields"].append([self.select, attrs.get("value", "")])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.current = None

    def fields(self, html: str) -> list[list[str]]:
        self.feed(html)
        return next((form["fields"] for form in self.forms if any(n == self.wanted for n, _ in form["fields"])), [])


class SiteUser(HttpUser):
    abstract = True
    wait_time = between(*WAIT)

    def on_start(self):
        number = next(_addresses)
        self.client.headers.update(
            {
                # As production's proxy (nginx speaks HTTP/1.0 to gunicorn): a connection per request. Kept
                # open, a gthread worker closes it after its keep-alive (2 s), racing the user's next request.
                "Connection": "close",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": f"10.{_run}.{number // 250}.{number % 250 + 1}",
                "Origin": "https://" + self.host.split("://", 1)[1].rstrip("/"),
            }
        )

    def each_task_once(self) -> None:
        """With LOAD_EACH_TASK_FIRST, make every request of this kind of user once, so that a short run has them
        all."""
        if EACH_TASK_FIRST:
            for each in dict.fromkeys(self.tasks):
                each(self)

    def keep_cookies(self) -> None:
        """Send the site's `Secure` cookies over the loopback too: this client stands behind the proxy that ends
        TLS (requests would otherwise keep them for https:// only)."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, url: str, name: str, **kwargs):
        self.keep_cookies()
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} from {url}")
            return response

    def csrf_of(self, url: str, name: str) -> str:
        response = self.get(url, name)
        found = CSRF.search(response.text or "")
        return found.group(1) if found else ""

    def post(self, url: str, name: str, data, *, expect=(302,), referer: str | None = None, answer: str = ""):
        headers = {"Referer": self.origin + (referer or url)}
        self.keep_cookies()
        with self.client.post(
            url, data=data, name=name, headers=headers, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code not in expect or answer not in (response.text or ""):
                response.failure(f"{response.status_code} from POST {url}: {(response.text or '')[:200]}")
            return response

    @property
    def origin(self) -> str:
        return self.client.headers["Origin"]

    def sign_in(self, email: str, secret: str | None = None) -> None:
        token = self.csrf_of("/accounts/login/", "sign in: form")
        response = self.post(
            "/accounts/login/",
            "sign in: password",
            {"csrfmiddlewaretoken": token, "login": email, "password": PASSWORD},
        )
        if secret and "/2fa/authenticate" in response.headers.get("Location", ""):
            self.enter_code(email, secret)
        self.keep_cookies()
        self.client.get("/portal/organisation/start/", name="sign in: landing", allow_redirects=True)

    def enter_code(self, email: str, secret: str) -> None:
        """The authenticator app's code, typed as a person does. A code is good for its 30 s step only, and a
        request can wait in gunicorn's queue past the end of the step: refused then, it is counted apart ("sign in:
        code expired while queued") and the next code is typed, as a person would. A code refused within its
        own step is an error."""
        for _attempt in range(3):
            token = self.csrf_of("/accounts/2fa/authenticate/", "sign in: code form")
            while True:  # a fresh code, with at least 15 s of its step left, that no other user of the account took
                now = time.time()
                counter = int(now) // 30
                if now % 30 <= 15 and (email, counter) not in _used_codes:
                    break
                time.sleep(30 - now % 30 + 0.2)
            _used_codes.add((email, counter))
            self.keep_cookies()
            with self.client.post(
                "/accounts/2fa/authenticate/",
                data={"csrfmiddlewaretoken": token, "code": totp(secret, counter)},
                headers={"Referer": self.origin + "/accounts/2fa/authenticate/"},
                name="sign in: code",
                catch_response=True,
                allow_redirects=False,
            ) as response:
                if response.status_code == 302:
                    return
                if response.status_code == 200 and int(time.time()) // 30 != counter:
                    response.request_meta["name"] = "sign in: code expired while queued"
                    response.success()
                    continue
                response.failure(f"{response.status_code}: the code of its own time step was refused")
                return


class Anonymous(SiteUser):
    """A visitor of the public site and the open data: no sign-in, no writes."""

    weight = 6

    def on_start(self):
        super().on_start()
        self.each_task_once()

    @task(2)
    def home(self):
        self.get("/", "anonymous: home")

    @task(2)
    def project_list(self):
        pages = max(1, CONFIG.get("public_projects", 25) // 25)
        self.get(f"/projects/?page={random.randint(1, pages)}", "anonymous: project list, a page")

    @task(4)
    def project(self):
        self.get(f"/projects/{random.choice(CONFIG['projects'])}/", "anonymous: project page")

    @task(1)
    def results(self):
        self.get("/results/", "anonymous: results")

    @task(1)
    def calls(self):
        self.get("/calls/", "anonymous: calls")

    @task(2)
    def api_projects(self):
        self.get("/api/v1/projects/", "api: projects")

    @task(2)
    def api_projects_filtered(self):
        query = f"country={random.choice(CONFIG['countries'])}&window={random.choice(CONFIG['windows'])}"
        self.get(f"/api/v1/projects/?{query}", "api: projects, filtered")

    @task(1)
    def api_transactions(self):
        self.get("/api/v1/transactions/", "api: transactions")

    @task(1)
    def iati_activity(self):
        self.get(f"/iati/activities/{random.choice(CONFIG['projects'])}.xml", "iati: one activity")


class Partner(SiteUser):
    """A partner organisation's user: its portal home and reports, saving a draft report as it types (a write)."""

    weight = 2

    def on_start(self):
        super().on_start()
        self.sign_in(CONFIG["partner"]["email"])
        self.report = f"/portal/reports/{CONFIG['partner']['report']}/"
        self.each_task_once()

    @task(2)
    def save_draft(self):
        page = self.get(self.report, "partner: report page")
        fields = Form("narrative").fields(page.text or "")
        data = [(name, value) for name, value in fields if name != "narrative"]
        data.append(("narrative", f"Progress noted at {time.strftime('%H:%M:%S')}: works continue on schedule."))
        self.post(
            self.report + "draft/",
            "partner: save report draft (write)",
            data,
            expect=(200,),
            referer=self.report,
            answer='"saved": true',
        )

    @task(3)
    def portal(self):
        self.get("/portal/", "partner: portal home")

    @task(1)
    def reports(self):
        self.get("/portal/reports/", "partner: reports")


class Donor(SiteUser):
    """A donor's user: the dashboard of the donor funding the most projects, its project list and a CSV."""

    weight = 2

    def on_start(self):
        super().on_start()
        self.sign_in(CONFIG["donor"]["email"])
        self.base = f"/donors/{CONFIG['donor']['organisation']}/"
        self.each_task_once()

    @task(2)
    def dashboard(self):
        self.get(self.base, "donor: dashboard")

    @task(3)
    def project_list(self):
        self.get(self.base + "projects/", "donor: project list")

    @task(1)
    def project_list_filtered(self):
        window = random.choice(CONFIG["windows"])
        self.get(self.base + f"projects/?window={window}&page=2", "donor: project list, filtered")

    @task(1)
    def csv(self):
        self.get(self.base + "contributions.csv", "donor: contributions CSV")


class Staff(SiteUser):
    """The secretariat: the admin's work queue and lists, and recording a proposed city (a cheap write)."""

    weight = 1

    def on_start(self):
        super().on_start()
        account = next(_staff)
        self.sign_in(account["email"], account["totp_secret"])
        self.each_task_once()

    @task(1)
    def add_city(self):
        token = self.csrf_of("/admin/grants/city/add/", "staff: add city form")
        name = f"Load {random.getrandbits(40):x}"
        data = {"csrfmiddlewaretoken": token, "name": name, "country": "UG", "confirmed": "on", "_save": "Save"}
        self.post("/admin/grants/city/add/", "staff: add city (write)", data)

    @task(3)
    def work_queue(self):
        self.get("/admin/", "staff: work queue")

    @task(2)
    def projects(self):
        self.get("/admin/grants/project/?q=water", "staff: admin projects, searched")

    @task(1)
    def transactions(self):
        self.get("/admin/grants/transaction/?kind__exact=3", "staff: admin transactions, filtered")

    @task(1)
    def applications(self):
        self.get("/admin/grants/application/", "staff: admin applications")
