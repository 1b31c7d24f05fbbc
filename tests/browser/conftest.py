"""Browser tier: Playwright driving Debian's chromium (nothing downloads a browser) against the
local stack with the built web frontend.

The browser is Debian's chromium-headless-shell when it is installed (`./dev setup` installs it): the
same Chromium build as /usr/bin/chromium (one Debian source package, one version), in the headless
shell Playwright itself uses for headless runs. A new browser context costs a third of the full
browser's CPU there (0.8 against 3.3 CPU-s for five empty contexts; the browser tier 414 against 526
CPU-s), and every test opens at least one. /usr/bin/chromium otherwise; CHROMIUM= chooses."""
import os
import shutil

import pytest

from tests.helpers.paths import ROOT
from tests.helpers.stack import ACCESS_TOKEN_TTL

HEADLESS_SHELL, FULL_BROWSER = "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"
CHROMIUM = os.environ.get("CHROMIUM") or (HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else FULL_BROWSER)
SHOTS = ROOT / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def web_stack():
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run ./dev setup (npm ci && npm run build in web/)")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}: ./dev setup installs it (apt-get install chromium chromium-headless-shell)")
    from devtools.local_stack import LocalStack

    # Short access tokens: every browser session outlives several of them, so silent renewal is
    # exercised by every flow (test_signin checks it explicitly).
    saved = os.environ.get("OIDC_ACCESS_TOKEN_TTL")
    os.environ["OIDC_ACCESS_TOKEN_TTL"] = str(ACCESS_TOKEN_TTL)
    try:
        stack = LocalStack().start()
    finally:
        if saved is None:
            os.environ.pop("OIDC_ACCESS_TOKEN_TTL", None)
        else:
            os.environ["OIDC_ACCESS_TOKEN_TTL"] = saved
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _no_context_left_open(request):
    """A context a test leaves open keeps its pages running (silent renewal every 20 s with the
    tier's 30 s tokens: the sign-in page, a token request, the app in a frame) for the rest of
    the session: closed after each test."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()


@pytest.fixture
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    return take
