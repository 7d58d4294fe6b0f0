"""The 404 and 403 pages: the site's own, in the reader's language."""

from __future__ import annotations

from django.test import Client


def test_404_is_the_sites_page_in_french(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/editions/nope/")
    assert page.status_code == 404
    body = page.content.decode()
    assert 'lang="fr"' in body
    assert "Introuvable" in body
    assert "Retour aux éditions" in body


def test_404_in_english(client, db):
    page = client.get("/editions/nope/")
    assert page.status_code == 404
    assert "it is not visible to you" in page.content.decode()


def test_403_is_the_sites_page(client, edition_2017, reader_user):
    client.force_login(reader_user)
    # Forking is the secretariat's: a logged-in reader is refused with the site's page.
    page = client.get(f"/editions/{edition_2017.slug}/fork/")
    assert page.status_code == 403
    assert "Not allowed" in page.content.decode()
    assert "ask the secretariat" in page.content.decode()
