"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import require_tool
from tests.e2e.snapshots import loaded

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Every wait (an action, a navigation, an `expect`) is sized for a loaded 2-core machine: a test that passes
# in a second when idle may need tens of seconds there, and waiting costs nothing when the page is ready.
TIMEOUT = 60_000  # ms
expect.set_options(timeout=TIMEOUT)

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e is an `e2e` test (this hook sees the whole session's items)."""
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def pytest_runtest_setup(item):
    # Runs before the session's browser is launched, so a missing Chromium skips (or fails in CI)
    # instead of erroring in the `browser` fixture.
    if item.get_closest_marker("e2e"):
        require_tool("chromium")


# Chromium logs a refused script, style or handler as a console error naming the policy; the page's own
# `securitypolicyviolation` event is logged the same way, so that nothing the policy blocks goes unseen.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => console.error(
  `Content Security Policy violation: ${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
  + ` at ${event.sourceFile}:${event.lineNumber}`));
"""


@pytest.fixture(autouse=True)
def csp_violations(request, monkeypatch) -> list[str]:
    """What the Content-Security-Policy refused in any page of any browser context this test opens;
    a test with any fails (`pytest_runtest_call`)."""
    violations: list[str] = []
    browser = request.getfixturevalue("browser")
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on(
            "console",
            lambda message: (
                violations.append(f"{message.location.get('url')}: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    request.node.csp_violations = violations
    return violations


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    violations = getattr(item, "csp_violations", [])
    if violations:
        pytest.fail("The Content-Security-Policy refused:\n" + "\n".join(dict.fromkeys(violations)), pytrace=False)
    return result


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def base_url(pytestconfig) -> str | None:
    # pytest-playwright's own `base_url` is a session fixture defined as an instance method, which
    # pytest 9 deprecates with a warning that our `filterwarnings = error` turns into a setup error.
    # Same behaviour, as a plain function.
    return pytestconfig.getoption("--base-url", None) or pytestconfig.getini("base_url") or None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP}


@pytest.fixture
def new_context(browser, browser_context_args) -> Iterator[Callable]:
    """Browser contexts (and so pytest-playwright's `context` and `page`) with the generous timeout above;
    keyword arguments override the session's (a phone's viewport, say). Each is closed after the test."""
    contexts = []

    def create(**kwargs):
        context = browser.new_context(**{**browser_context_args, **kwargs})
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        return context

    yield create
    for context in contexts:
        context.close()


def serious_violations(page) -> list[str]:
    """What axe-core finds serious or critical on the page, one line each (rule, help, where)."""
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']}: {', '.join(str(node['target']) for node in violation['nodes'])}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def draft_form_ready(page) -> None:
    """Wait until the draft form's script listens, so that what the test types next is saved as one types."""
    expect(page.locator("form[data-draft-ready]")).to_be_attached()


@pytest.fixture
def shot() -> Callable:
    """`shot(page, "home-desktop")` saves a full-page screenshot under test-artifacts/screenshots/
    (`full_page=False`: the viewport only, for a page as long as the API's reference)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def demo(transactional_db):
    """The demo portfolio and its three demo logins, committed so the live server thread sees them (loaded by a
    worker's first test, then restored: tests/e2e/snapshots.py)."""
    from devtools.demo.logins import create_demo_logins
    from devtools.demo.portfolio import load_demo_portfolio
    from members.models import Organisation

    def load():
        load_demo_portfolio()
        create_demo_logins(
            host=Organisation.objects.get(short_name="UNOPS"),
            donor=Organisation.objects.get(short_name="SECO"),
            partner=Organisation.objects.get(short_name="Jinja"),
        )

    loaded("demo", load)


@pytest.fixture
def log_in(live_server) -> Callable:
    """Log in through the site's own login page, as a user would."""
    from devtools.demo.logins import DEMO_PASSWORD

    def submit(page, email: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return submit
