"""Journeys in a real browser (Debian's chromium through Playwright), on the demo data.

Marked ``browser``: slow, so CI runs them once (in the PostgreSQL pass).
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from amendments.models import Amendment
from guidelines.management.commands.demo_users import TWO_FACTOR_USERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # demo_users refuses otherwise; it sets known passwords
    call_command("load_seed", stdout=StringIO())
    call_command("demo_users", stdout=StringIO())
    settings.DEBUG = False


def log_in(page, username: str) -> None:
    """The login form; then, for the secretariat, the code its demo authenticator shows."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"redraft-demo-{username}")
    page.get_by_role("button", name="Log in").click()
    if username in TWO_FACTOR_USERS:
        page.wait_for_url("**/accounts/two-factor/verify/**")
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("Code from your authenticator app").fill(f"{totp(device.bin_key):06d}")
        page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))


def test_ngo_member_drafts_with_a_live_preview_submits_and_withdraws(page, demo):
    log_in(page, "ngo")
    page.goto("/editions/og-draft-19igc-en/para_1-2/")
    page.get_by_role("link", name="Propose an amendment").click()
    # A person cannot type before htmx has wired the form; a test can.
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
    textarea = page.get_by_label("Proposed text")
    textarea.fill("right [...] to use AI tools in the name of artistic freedom")
    # The live preview (htmx) shows the inserted word without a page load.
    inserted = page.locator("#preview ins.diff-ins")
    inserted.wait_for()
    assert "tools" in inserted.inner_text()
    assert page.url.endswith("clause=para_1-2")
    page.get_by_label("Justification").fill("Demo: precise wording.")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(re.compile(r"/amendments/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Draft amendment")
    page.get_by_role("button", name="Submit").click()
    page.locator(".messages").get_by_text("Submitted as A-4").wait_for()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Amendment A-4")
    page.get_by_label("Reason").fill("Demo: withdrawn after consultation.")
    page.get_by_role("button", name="Withdraw the amendment").click()
    page.locator(".messages").get_by_text("The amendment is withdrawn.").wait_for()
    amendment = Amendment.objects.get(number="A-4")
    assert (amendment.status, amendment.proposer.acronym) == ("withdrawn", "DEMO-NGO")


def test_secretariat_screens_an_amendment(page, demo):
    log_in(page, "secretariat")
    page.goto("/amendments/?edition=og-draft-19igc-en")
    page.get_by_role("link", name="A-2", exact=True).click()
    page.get_by_label("Screening").select_option("1")
    page.get_by_role("button", name="Record the screening").click()
    page.locator(".messages").get_by_text("Screened: admissible.").wait_for()
    assert Amendment.objects.get(number="A-2").status == "admissible"


def test_delegate_supports_an_amendment(page, demo):
    log_in(page, "delegate")
    page.goto("/amendments/?edition=og-draft-19igc-en")
    page.get_by_role("link", name="A-3", exact=True).click()
    page.get_by_label("Stance").select_option("support")
    page.get_by_role("button", name="Record my delegation's stance").click()
    page.get_by_text("Demoland (fictional Party): supports").wait_for()
    support = Amendment.objects.get(number="A-3").supports.get()
    assert (support.organisation.acronym, support.stance) == ("DEMOLAND", "support")


def test_delegate_reads_the_comparison_filters_follows_links_and_projects(page, demo, settings):
    from pathlib import Path

    page.goto("/")
    page.get_by_role(
        "link", name=re.compile("^2017 Operational Guidelines .* Revision draft")
    ).click()
    page.wait_for_url("**/compare/og-2017-fr/og-draft-19igc-en/")
    assert page.get_by_text("different languages").is_visible()
    # A filter: positions that oppose; the URL keeps it.
    page.get_by_label("Stance").select_option("oppose")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**stance=oppose**")
    rows = page.locator("table.compare tbody tr")
    assert rows.count() >= 1
    # A row's permalink, then an amendment's page.
    first_row = rows.first
    anchor = first_row.get_attribute("id")
    first_row.locator("a.permalink").click()
    assert page.url.endswith(f"#{anchor}")
    page.goto("/compare/og-2017-fr/og-draft-19igc-en/?status=submitted")
    page.locator("table.compare").get_by_role("link", name="A-2", exact=True).click()
    page.wait_for_url(re.compile(r"/amendments/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Amendment A-2")
    # The reading mode for a projector: one row at a time, moved with the keyboard.
    page.goto("/compare/og-2017-fr/og-draft-19igc-en/?mode=projector")
    visible = page.locator(".slide:visible")
    assert visible.count() == 1
    first = visible.get_attribute("id")
    page.keyboard.press("ArrowRight")
    assert page.locator(".slide:visible").get_attribute("id") != first
    page.keyboard.press("ArrowLeft")
    assert page.locator(".slide:visible").get_attribute("id") == first
    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "compare-projector.png"))
    page.goto("/compare/og-2017-fr/og-draft-19igc-en/")
    page.screenshot(path=str(shots / "compare.png"), full_page=False)
    assert (shots / "compare.png").stat().st_size > 10_000


def test_a_secretariat_member_without_an_authenticator_sets_one_up_first(page, demo):
    """The set-up page in a browser: the QR code is drawn, the typed key gives the codes."""
    import base64

    from django_otp.oath import TOTP

    TOTPDevice.objects.filter(user__username="secretariat").delete()
    page.goto("/accounts/login/?next=/organisations/")
    page.get_by_label("Username").fill("secretariat")
    page.get_by_label("Password").fill("redraft-demo-secretariat")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/two-factor/setup/?next=%2Forganisations%2F")
    qr = page.get_by_role("img", name="QR code of the secret key")
    qr.wait_for()
    page.wait_for_function(
        "() => [...document.images].every((image) => image.complete && image.naturalWidth > 0)"
    )
    typed = page.locator("code.two-factor-secret").inner_text().replace(" ", "")
    key = base64.b32decode(typed + "=" * (-len(typed) % 8))
    page.get_by_label("Code from your authenticator app").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Confirm the authenticator").click()
    page.wait_for_url("**/organisations/")
    assert page.get_by_role("heading", level=1).inner_text() == "Organisations"
    assert TOTPDevice.objects.get(user__username="secretariat", confirmed=True).bin_key == key
