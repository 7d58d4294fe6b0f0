"""CSRF on every write: each URL pattern of the site (read from the resolver, the API's
and the admin's included) refuses POST, PUT, PATCH and DELETE from a logged-in browser
session without the CSRF token, with 403 and nothing written, even for the user who has
the right. A pattern added without an entry here fails the test."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.views import APIView

from amendments.models import Amendment
from tests.security_world import all_rows
from tests.site_urls import site_names, site_patterns

pytestmark = pytest.mark.django_db

# Views exempt from Django's CSRF check. Session-authenticated views: none. The API's
# views are exempt at Django's level because DRF checks CSRF itself for session users
# (SessionAuthentication), and token-authenticated scripts need none (test below).
CSRF_EXEMPT: set[str] = set()

# name -> (who has the right, the URL); {draft} is the NGO's private draft amendment,
# {adopted} a decided one, {paper} a paper, {organisation} the NGO.
WRITES: dict[str, tuple[str, str]] = {
    "login": ("anonymous", "/accounts/login/"),
    "logout": ("ngo", "/accounts/logout/"),
    "password_change": ("ngo", "/accounts/password_change/"),
    "password_change_done": ("ngo", "/accounts/password_change/done/"),
    "password_reset": ("anonymous", "/accounts/password_reset/"),
    "password_reset_done": ("anonymous", "/accounts/password_reset/done/"),
    "password_reset_confirm": ("anonymous", "/accounts/reset/MQ/set-password/"),
    "password_reset_complete": ("anonymous", "/accounts/reset/done/"),
    "two_factor": ("ngo", "/accounts/two-factor/"),
    "two_factor_setup": ("ngo", "/accounts/two-factor/setup/"),
    "two_factor_qr": ("ngo", "/accounts/two-factor/qr.svg"),
    "two_factor_verify": ("ngo", "/accounts/two-factor/verify/"),
    "two_factor_backup_codes": ("ngo", "/accounts/two-factor/backup-codes/"),
    "two_factor_disable": ("ngo", "/accounts/two-factor/disable/"),
    "set_language": ("ngo", "/i18n/setlang/"),
    "dashboard": ("secretariat", "/"),
    "search": ("ngo", "/search/"),
    "follow": ("ngo", "/follow/"),
    "notification_list": ("secretariat", "/notifications/"),
    "notifications_read": ("secretariat", "/notifications/read/"),
    "edition_detail": ("secretariat", "/editions/draftxss/"),
    "edition_fork": ("secretariat", "/editions/draftxss/fork/"),
    "edition_export": ("secretariat", "/editions/draftxss/export.json"),
    "edition_feed": ("secretariat", "/editions/draftxss/feed.atom"),
    "edition_what_if": ("ngo", "/editions/draftxss/what-if/"),
    "edition_consolidate": ("secretariat", "/editions/draftxss/consolidate/"),
    "amendment_window": ("secretariat", "/editions/draftxss/window/"),
    "amendment_word_upload": ("ngo", "/editions/draftxss/word-amendments/"),
    "clause_detail": ("secretariat", "/editions/draftxss/para_1/"),
    "clause_edit": ("secretariat", "/editions/draftxss/para_1/edit/"),
    "compare": ("secretariat", "/compare/basexss/draftxss/"),
    "compare_map": ("secretariat", "/compare/basexss/draftxss/map/"),
    "compare_synoptic": ("secretariat", "/compare/basexss/draftxss/synoptic.docx"),
    "amendment_list": ("ngo", "/amendments/"),
    "amendment_new": ("ngo", "/amendments/new/?edition=draftxss&clause=para_3"),
    "amendment_preview": ("ngo", "/amendments/preview/"),
    "amendment_compilation": ("secretariat", "/amendments/compilation/draftxss.csv"),
    "amendment_detail": ("ngo", "/amendments/{draft}/"),
    "amendment_edit": ("ngo", "/amendments/{draft}/edit/"),
    "amendment_receipt": ("ngo", "/amendments/{draft}/receipt.json"),
    "amendment_action": ("ngo", "/amendments/{draft}/submit/"),
    "position_list": ("ngo", "/positions/"),
    "paper_detail": ("ngo", "/papers/{paper}/"),
    "organisation_list": ("secretariat", "/organisations/"),
    "organisation_accredit": ("secretariat", "/organisations/{organisation}/accredit/"),
    "organisation_invite": ("secretariat", "/organisations/{organisation}/invite/"),
    "invitation_accept": ("anonymous", "/invitations/not-a-token/"),
    "api-root": ("ngo", "/api/"),
    "api-schema": ("ngo", "/api/schema/"),
    "api-docs": ("ngo", "/api/docs/"),
    "api-compare": ("ngo", "/api/compare/basexss/draftxss/"),
    "api-consolidate": ("secretariat", "/api/editions/draftxss/consolidate/"),
    "api-instrument-list": ("secretariat", "/api/instruments/"),
    "api-instrument-detail": ("secretariat", "/api/instruments/instrumentxss/"),
    "api-edition-list": ("secretariat", "/api/editions/"),
    "api-edition-detail": ("secretariat", "/api/editions/draftxss/"),
    "api-clause-list": ("secretariat", "/api/clauses/"),
    "api-clause-detail": ("secretariat", "/api/clauses/{clause}/"),
    "api-correspondence-list": ("secretariat", "/api/correspondences/"),
    "api-correspondence-detail": ("secretariat", "/api/correspondences/{correspondence}/"),
    "api-paper-list": ("ngo", "/api/papers/"),
    "api-paper-detail": ("ngo", "/api/papers/{paper}/"),
    "api-position-list": ("ngo", "/api/positions/"),
    "api-position-detail": ("ngo", "/api/positions/{position}/"),
    "api-amendment-list": ("ngo", "/api/amendments/"),
    "api-amendment-detail": ("ngo", "/api/amendments/{draft}/"),
    "api-amendment-submit": ("ngo", "/api/amendments/{draft}/submit/"),
    "api-amendment-withdraw": ("ngo", "/api/amendments/{draft}/withdraw/"),
    "api-amendment-cosign": ("ngo", "/api/amendments/{adopted}/cosign/"),
    "api-amendment-support": ("delegate", "/api/amendments/{open}/support/"),
    "api-amendment-screen": ("secretariat", "/api/amendments/{open}/screen/"),
    "api-amendment-recommend": ("secretariat", "/api/amendments/{open}/recommend/"),
    "api-amendment-decide": ("secretariat", "/api/amendments/{open}/decide/"),
    "api-support-list": ("delegate", "/api/supports/"),
    "api-support-detail": ("delegate", "/api/supports/{support}/"),
}

# The admin's own patterns: every one of them, by the superuser.
ADMIN_KWARGS = {
    "app_label": "amendments",
    "object_id": "1",
    "pk": "1",
    "id": "1",
    "content_type_id": "1",
    "url": "x",
}

METHODS = ("post", "put", "patch", "delete")


def fill(url: str, world) -> str:
    from guidelines.models import Clause, ClauseCorrespondence
    from positions.models import Position

    open_amendment = Amendment.objects.get(
        edition=world.draft, status=Amendment.Status.SUBMITTED, clause__eid="para_3"
    )
    return url.format(
        draft=world.private_draft.pk,
        adopted=world.adopted.pk,
        open=open_amendment.pk,
        paper=world.paper_id,
        organisation=world.organisation.pk,
        clause=Clause.objects.filter(edition=world.draft).first().pk,  # type: ignore[union-attr]
        correspondence=ClauseCorrespondence.objects.first().pk,  # type: ignore[union-attr]
        position=Position.objects.first().pk,  # type: ignore[union-attr]
        support=world.adopted.supports.first().pk,
    )


def test_every_pattern_of_the_site_has_an_entry():
    assert site_names() == set(WRITES), "add the new URL to WRITES (and the matrix)"


def test_no_view_is_exempt_from_csrf_but_the_api_which_checks_it_itself():
    for pattern in site_patterns():
        if not getattr(pattern.callback, "csrf_exempt", False):
            continue
        view_class = getattr(pattern.callback, "cls", None)
        if pattern.name in CSRF_EXEMPT:
            continue
        assert view_class is not None and issubclass(view_class, APIView), pattern.name
        classes = view_class().get_authenticators()
        # Only the session is a cookie a browser sends by itself; DRF checks its CSRF.
        assert any(isinstance(a, SessionAuthentication) for a in classes), pattern.name
        assert all(
            not getattr(a, "enforce_csrf", None) or isinstance(a, SessionAuthentication)
            for a in classes
        )


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_without_the_csrf_token_is_refused(hostile_world, name):
    role, url = WRITES[name]
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(hostile_world.users[role])
    path = fill(url, hostile_world)
    before = all_rows()
    for method in METHODS:
        response = getattr(client, method)(path, {}, content_type="application/json")
        assert response.status_code == 403, f"{method.upper()} {path}"
        if name != "api-docs":  # an HTML page of DRF's: its 403 is the site's page
            assert b"CSRF" in response.content, f"{method.upper()} {path}: not for CSRF"
    assert all_rows() == before


def admin_paths() -> list[str]:
    paths = []
    for pattern in site_patterns():
        if not pattern.name.startswith("admin:"):
            continue
        arguments = {
            k: v for k, v in ADMIN_KWARGS.items() if re.search(rf"(<|:|\?P<){k}>", pattern.route)
        }
        try:
            paths.append(reverse(pattern.name, kwargs=arguments))
        except NoReverseMatch:  # positional groups (django-simple-history's)
            paths.append(reverse(pattern.name, args=["1"] * pattern.route.count("(")))
    return paths


def test_the_admin_refuses_writes_without_the_token(hostile_world, django_user_model):
    admin = django_user_model.objects.create_superuser("csrf-admin", password="x-pass-123")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    paths = admin_paths()
    assert len(paths) > 20 and "/admin/" in paths
    before = all_rows()
    for path in paths:
        response = client.post(path, {})
        assert response.status_code == 403, path
    assert all_rows() == before


def test_a_write_with_the_token_goes_through(hostile_world):
    """The refusals above are CSRF's: the same POST with the token is accepted."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(hostile_world.users["ngo"])
    client.get("/amendments/new/?edition=draftxss&clause=para_3")
    token = client.cookies["csrftoken"].value
    path = f"/amendments/{hostile_world.private_draft.pk}/submit/"
    response = client.post(
        path, {"version": hostile_world.private_draft.version, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Amendment.objects.get(pk=hostile_world.private_draft.pk).status == "submitted"


def test_token_authenticated_api_calls_need_no_csrf_token(hostile_world):
    """Scripts send "Authorization: Token …", which no browser sends by itself: CSRF does
    not apply to them, by design."""
    token = Token.objects.create(user=hostile_world.users["ngo"])
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(f"/api/amendments/{hostile_world.private_draft.pk}/submit/", {})
    assert response.status_code == 200, response.content
    assert Amendment.objects.get(pk=hostile_world.private_draft.pk).status == "submitted"
