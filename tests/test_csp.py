"""The Content-Security-Policy: on every response, strict, and every page obeys it (no
inline script, style or handler), in the HTML and in a real browser."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.security_world import (
    PAGES,
    inline_code,
    page_url,
    parse_page,
)

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


def test_the_policy_is_strict():
    # Nothing unsafe may slip into the settings: no 'unsafe-inline', no eval, no host.
    configured = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert {name: " ".join(values) for name, values in configured.items()} == POLICY


@pytest.mark.parametrize(("role", "url", "_markers"), PAGES, ids=[f"{r}-{u}" for r, u, _m in PAGES])
def test_every_page_carries_the_policy_and_has_no_inline_code(
    client, hostile_world, role, url, _markers
):
    if role != "anonymous":
        client.force_login(hostile_world.users[role])
    path = page_url(url, hostile_world)
    response = client.get(path)
    assert response.status_code == 200
    expected = POLICY
    if path == "/api/docs/":
        # Redoc writes <style> elements, data: icons and a blob: worker at run time; its
        # scripts stay 'self' only (config/api_urls.py).
        expected = {
            **POLICY,
            "style-src": "'self' 'unsafe-inline'",
            "img-src": "'self' data:",
            "worker-src": "'self' blob:",
        }
    assert directives(response["Content-Security-Policy"]) == expected
    assert inline_code(parse_page(response.content.decode())) == [], path


@pytest.mark.parametrize(
    "url",
    [
        "/editions/draftxss/export.md",
        "/editions/draftxss/export.json",
        "/editions/draftxss/feed.atom",
        "/api/editions/",
        "/api/schema/",
        "/no-such-page/",
        "/amendments/compilation/draftxss.csv",
    ],
)
def test_files_errors_and_api_carry_the_policy_too(client, hostile_world, url):
    response = client.get(url)
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_error_pages_have_no_inline_code(client, hostile_world, ngo_user):
    missing = client.get("/editions/no-such-edition/")
    assert missing.status_code == 404
    assert inline_code(parse_page(missing.content.decode())) == []
    client.force_login(ngo_user)
    refused = client.get(reverse("edition_fork", args=["draftxss"]))
    assert refused.status_code == 403
    assert inline_code(parse_page(refused.content.decode())) == []


def test_the_api_docs_page_loads_redoc_from_our_static_files(client, db):
    response = client.get("/api/docs/")
    page = parse_page(response.content.decode())
    assert inline_code(page) == []
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in html
    assert "fonts.googleapis.com" not in html


def test_htmx_is_told_not_to_inject_its_style_or_eval(client, hostile_world):
    client.force_login(hostile_world.users["ngo"])
    html = client.get("/amendments/new/?edition=draftxss&clause=para_1").content.decode()
    assert "/static/vendor/htmx-" in html
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html


def test_the_parser_finds_inline_code():
    """The checker itself: each kind of inline code is found (else the tests above prove
    nothing)."""
    samples = [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color:red">x</p>',
        '<button onclick="x()">x</button>',
        '<a href="javascript:alert(1)">x</a>',
        '<img src="data:image/png;base64,AA">',
    ]
    for sample in samples:
        assert inline_code(parse_page(sample)), sample
    assert inline_code(parse_page('<script src="/static/x.js"></script><a href="/x">x</a>')) == []


# --- in a browser ---------------------------------------------------------------------

BROWSER_PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/editions/draftxss/"),
    ("anonymous", "/editions/draftxss/para_2/?old=1&new=2"),
    ("anonymous", "/compare/basexss/draftxss/"),
    ("anonymous", "/compare/basexss/draftxss/?mode=projector"),
    ("anonymous", "/amendments/{adopted}/"),
    ("anonymous", "/papers/{paper}/"),
    ("anonymous", "/search/?q=alert"),
    ("anonymous", "/api/docs/"),
    ("ngo", "/amendments/new/?edition=draftxss&clause=para_1"),
    ("secretariat", "/compare/basexss/draftxss/map/"),
    ("secretariat", "/editions/draftxss/consolidate/"),
]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def record_dialogs(page) -> list[str]:
    """The messages of the dialogs (alert, confirm) the page opens, each dismissed."""
    messages: list[str] = []

    def dismiss(dialog) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return messages


def browser_login(page, live_server, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_violates_the_policy_in_a_browser(page, live_server, hostile_world):
    page.add_init_script(RECORD_VIOLATIONS)
    dialogs = record_dialogs(page)  # an alert() that ran
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    for role, url in BROWSER_PAGES:
        page.context.clear_cookies()
        if role != "anonymous":
            browser_login(page, live_server, hostile_world.users[role])
        page.goto(page_url(url, hostile_world))
        page.wait_for_load_state("networkidle")
        if url == "/api/docs/":
            page.wait_for_selector("h1:has-text('Redraft API')")
        violations = page.evaluate("window.__cspViolations")
        errors = [c for c in console if "Content Security Policy" in c]
        if url == "/api/docs/":
            # Redoc's logo from its CDN is blocked, as every host but ours is.
            violations = [v for v in violations if "https://cdn.redoc.ly/" not in v]
            errors = [c for c in errors if "https://cdn.redoc.ly/" not in c]
        assert violations == [], f"{url}: {violations}"
        assert errors == [], f"{url}: {errors}"
        console.clear()
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_live_preview_works_under_the_policy(page, live_server, hostile_world):
    dialogs = record_dialogs(page)
    page.add_init_script(RECORD_VIOLATIONS)
    browser_login(page, live_server, hostile_world.users["ngo"])
    page.goto("/amendments/new/?edition=draftxss&clause=para_3")
    page.fill("#id_proposed_text", 'Third <script>alert("typed")</script> words.')
    page.locator("#preview ins").first.wait_for()
    assert "<script>" in page.locator("#preview").inner_text()
    assert page.evaluate("window.__cspViolations") == []
    assert dialogs == []


def test_the_api_docs_allowances_stay_on_that_page(client, db):
    """csp_update changes the policy of /api/docs/ alone: the pages served after it, in
    the same process, keep the strict policy (no shared policy object was changed)."""
    assert "'unsafe-inline'" in client.get("/api/docs/")["Content-Security-Policy"]
    for path in ("/", "/api/schema/", "/accounts/login/", "/api/docs/", "/"):
        header = client.get(path)["Content-Security-Policy"]
        if path != "/api/docs/":
            assert directives(header) == POLICY, path
