"""The pages: dashboard, edition, clause with its versions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guidelines import services
from guidelines.models import Clause
from guidelines.synthetic import synthetic_text

pytestmark = pytest.mark.django_db


def test_dashboard_lists_instruments_and_published_editions(client, edition_2017, make_edition):
    make_edition("1. Hidden.", slug="hidden-draft", published=False, instrument="og-digital")
    response = client.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "2017 Operational Guidelines (FR)" in content
    assert "Hidden Draft" not in content
    assert edition_2017.get_absolute_url() in content


def test_dashboard_shows_unpublished_editions_to_the_secretariat(
    client, secretariat_user, make_edition
):
    make_edition("1. Hidden.", slug="hidden-draft", published=False)
    client.force_login(secretariat_user)
    assert "Hidden Draft" in client.get("/").content.decode()


def test_dashboard_query_count_does_not_grow_with_editions(
    client, django_assert_num_queries, make_edition
):
    for n in range(5):
        make_edition("1. A.\n\n2. B.", slug=f"ed-{n}", instrument=f"inst-{n % 2}")
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200


def test_edition_page_shows_all_numbered_clauses_and_headings(client, edition_2017):
    response = client.get("/editions/og-2017-fr/")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('class="clause clause-paragraph"') == 27
    assert content.count('class="clause clause-subparagraph"') == 63
    assert content.count('class="clause clause-point"') == 5
    assert content.count('class="clause-heading"') == 8
    assert 'id="para_14-6__point_4"' in content
    assert 'href="/editions/og-2017-fr/para_14-6/"' in content
    assert '<a href="#sec_8">Rôle du Secrétariat de l&#x27;UNESCO</a>' in content
    assert "Approuvées par la Conférence des Parties lors de sa sixième session (2017)" in content
    assert 'lang="fr"' in content


def test_edition_page_query_count_is_pinned_and_independent_of_size(
    client, django_assert_num_queries, make_edition
):
    small = make_edition(synthetic_text(3), slug="small")
    large = make_edition(synthetic_text(300), slug="large")
    assert large.clauses.count() > 1000
    for edition in (small, large):
        # The edition (with its instrument), the count of its clauses, the orders of the
        # page, its clauses, its language versions.
        with django_assert_num_queries(5):
            assert client.get(edition.get_absolute_url()).status_code == 200
        with django_assert_num_queries(5):
            assert client.get(f"{edition.get_absolute_url()}?page=2").status_code == 200


def test_long_edition_is_read_a_page_at_a_time(client, make_edition, monkeypatch):
    from guidelines import selectors

    monkeypatch.setattr(selectors, "CLAUSES_PER_PAGE", 10)
    edition = make_edition(synthetic_text(6, subparagraphs=3, sections_every=3), slug="long")
    assert edition.clauses.count() == 26  # 2 sections, 6 paragraphs, 18 sub-paragraphs
    eids = list(edition.clauses.in_document_order().values_list("eid", flat=True))

    first = client.get("/editions/long/").content.decode()
    assert all(f'id="{eid}"' in first for eid in eids[:10])
    assert not any(f'id="{eid}"' in first for eid in eids[10:])
    assert "Page 1 of 3" in first and "26 clauses" in first
    assert 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first

    third = client.get("/editions/long/?page=3").content.decode()
    assert all(f'id="{eid}"' in third for eid in eids[20:])
    assert not any(f'id="{eid}"' in third for eid in eids[:20])
    assert 'href="?page=2" rel="prev"' in third and 'rel="next"' not in third
    # The table of contents lists the sections of the page it is on.
    assert f'href="#{eids[0]}"' in first and f'href="#{eids[0]}"' not in third


def test_edition_page_at_a_clause_shows_the_page_that_holds_it(client, make_edition, monkeypatch):
    from guidelines import selectors

    monkeypatch.setattr(selectors, "CLAUSES_PER_PAGE", 10)
    edition = make_edition(synthetic_text(6, subparagraphs=3, sections_every=3), slug="long")
    eids = list(edition.clauses.in_document_order().values_list("eid", flat=True))
    target = eids[23]

    content = client.get(f"/editions/long/?at={target}").content.decode()
    assert f'id="{target}"' in content and "Page 3 of 3" in content
    # The clause page's breadcrumb links there.
    clause_page = client.get(f"/editions/long/{target}/").content.decode()
    assert f'href="/editions/long/?at={target}#{target}"' in clause_page


@pytest.mark.parametrize(
    ("query", "shown"),
    [("?page=abc", 1), ("?page=-1", 3), ("?page=0", 3), ("?page=99", 3), ("?at=nope", 1)],
)
def test_edition_page_with_a_bad_page_shows_a_page_of_the_text(
    client, make_edition, monkeypatch, query, shown
):
    from guidelines import selectors

    monkeypatch.setattr(selectors, "CLAUSES_PER_PAGE", 10)
    make_edition(synthetic_text(6, subparagraphs=3, sections_every=3), slug="long")
    response = client.get(f"/editions/long/{query}")
    assert response.status_code == 200
    # As the amendment list reads it: not a number, the first page; out of range, the last.
    assert f"Page {shown} of 3" in response.content.decode()


def test_short_edition_has_no_page_navigation(client, edition_2017):
    content = client.get("/editions/og-2017-fr/").content.decode()
    assert "Pages of the text" not in content and 'id="sec_8"' in content


def test_private_edition_pages_are_404_to_outsiders(client, reader_user, make_edition):
    make_edition("1. Private.", slug="private", published=False)
    assert client.get("/editions/private/?page=2").status_code == 404
    client.force_login(reader_user)
    assert client.get("/editions/private/?at=para_1").status_code == 404


def test_unknown_edition_is_404(client, db):
    assert client.get("/editions/nope/").status_code == 404


def test_unpublished_edition_is_404_to_the_public_and_200_to_the_secretariat(
    client, secretariat_user, reader_user, make_edition
):
    make_edition("1. Private.", slug="private", published=False)
    assert client.get("/editions/private/").status_code == 404
    assert client.get("/editions/private/para_1/").status_code == 404
    client.force_login(reader_user)
    assert client.get("/editions/private/").status_code == 404
    client.force_login(secretariat_user)
    assert client.get("/editions/private/").status_code == 200


def test_clause_page_shows_text_parent_and_children(client, edition_2017):
    response = client.get("/editions/og-2017-fr/para_14-6/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "reconnaître et valoriser le travail des créateurs" in content
    assert 'href="/editions/og-2017-fr/para_14/"' in content
    assert 'href="/editions/og-2017-fr/para_14-6__point_5/"' in content
    assert "has not changed since it was imported" in content


def test_unknown_clause_is_404(client, edition_2017):
    assert client.get("/editions/og-2017-fr/para_99/").status_code == 404


@pytest.fixture
def edited_clause(make_edition, secretariat_user):
    draft = make_edition("1. Les Parties doivent soutenir les artistes.", slug="draft")
    clause = Clause.objects.get(edition=draft, eid="para_1")
    for version, text in enumerate(
        [
            "Les Parties doivent soutenir les artistes et les créateurs.",
            "Les Parties devraient soutenir les artistes et les créateurs.",
        ],
        start=1,
    ):
        services.clause_update(
            clause=clause,
            user=secretariat_user,
            expected_version=version,
            reason=f"Edit {version}",
            text=text,
        )
    return clause


def test_clause_page_diffs_the_latest_two_versions_by_default(client, edited_clause):
    content = client.get("/editions/draft/para_1/").content.decode()
    assert "Changes from version 2 to version 3" in content
    assert '<del class="diff-del"><span class="sr-only">[deleted: </span>doivent' in content
    assert '<ins class="diff-ins"><span class="sr-only">[inserted: </span>devraient' in content
    assert "Edit 2" in content and "Secretariat of the Convention" in content


def test_clause_page_diffs_any_two_versions(client, edited_clause):
    content = client.get("/editions/draft/para_1/?old=1&new=3").content.decode()
    assert "Changes from version 1 to version 3" in content
    assert "[inserted: </span> et les créateurs" in content


@pytest.mark.parametrize("query", ["old=9&new=1", "old=abc", "old=2&new=2"])
def test_clause_page_bad_version_choice_is_400(client, edited_clause, query):
    response = client.get(f"/editions/draft/para_1/?{query}")
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


def test_clause_text_is_escaped_everywhere(client, make_edition, secretariat_user):
    draft = make_edition("1. Safe text.", slug="xss")
    clause = Clause.objects.get(edition=draft, eid="para_1")
    services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=1,
        reason="<b>why</b>",
        text="<script>alert(1)</script> & co",
    )
    for url in ["/editions/xss/", "/editions/xss/para_1/"]:
        content = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in content
    assert "&lt;b&gt;why&lt;/b&gt;" in client.get("/editions/xss/para_1/").content.decode()


def test_pages_refuse_post(client, edition_2017):
    assert client.post("/editions/og-2017-fr/").status_code == 405


def test_login_page_and_logout(client, reader_user):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "reader", "password": "reader-pass-123"})
    assert response.status_code == 302
    assert "Log out" in client.get("/").content.decode()
    assert client.post(reverse("logout")).status_code == 302
    assert "Log in" in client.get("/").content.decode()


def test_admin_refuses_to_change_an_adopted_clause(client, django_user_model, edition_2017):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(admin)
    clause = Clause.objects.get(edition=edition_2017, eid="para_1")
    url = reverse("admin:guidelines_clause_change", args=[clause.pk])
    response = client.post(url, {"heading": "", "text": "Hacked", "note": ""})
    assert response.status_code == 403
    assert Clause.objects.get(pk=clause.pk).text.startswith("Les présentes directives")
    assert (
        client.get(reverse("admin:guidelines_clause_history", args=[clause.pk])).status_code == 200
    )


def test_admin_edit_of_a_draft_clause_goes_through_the_service(
    client, django_user_model, make_edition
):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123456789")
    draft = make_edition("1. Draft text.", slug="draft-admin")
    clause = Clause.objects.get(edition=draft, eid="para_1")
    client.force_login(admin)
    url = reverse("admin:guidelines_clause_change", args=[clause.pk])
    response = client.post(url, {"heading": "", "text": "Edited in admin.", "note": ""})
    assert response.status_code == 302
    clause.refresh_from_db()
    assert (clause.text, clause.version) == ("Edited in admin.", 2)
    assert clause.history.order_by("-history_id").first().history_change_reason == (
        "Edited in the admin"
    )


def test_clause_page_says_when_only_the_note_changed(client, make_edition, secretariat_user):
    draft = make_edition("1. Text.", slug="noted")
    clause = Clause.objects.get(edition=draft, eid="para_1")
    services.clause_update(
        clause=clause, user=secretariat_user, expected_version=1, reason="n", note="Known only…"
    )
    content = client.get("/editions/noted/para_1/").content.decode()
    assert "The wording did not change between these versions" in content
    assert '<option value="1" selected>' in content
