"""The what-if preview (everyone who reads amendments) and the consolidation page
(the secretariat)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from amendments import services
from amendments.models import Amendment
from guidelines.models import Edition

pytestmark = pytest.mark.django_db
Status = Amendment.Status
WHAT_IF = "/editions/og-draft-19igc-en/what-if/"


@pytest.fixture
def seeded():
    call_command("load_seed", stdout=StringIO())
    return Edition.objects.get(slug="og-draft-19igc-en")


def test_what_if_of_the_seed_shows_a_real_word_diff_and_records_nothing(client, seeded):
    history = Amendment.history.count()
    page = client.get(WHAT_IF).content.decode()
    assert "nothing is decided or recorded" in page
    assert '<ins class="diff-ins"><span class="sr-only">[inserted: </span>the use of protected' in (
        page
    )
    assert "1.2 A" in page and "(inserted by A-1)" in page
    assert '<del class="diff-del"><span class="sr-only">[deleted: </span>right [...] to use AI' in (
        page
    )
    assert Amendment.history.count() == history
    assert set(Amendment.objects.values_list("status", flat=True)) == {"submitted"}


def test_what_if_of_a_selection(client, seeded):
    a3 = Amendment.objects.get(number="A-3")
    page = client.get(WHAT_IF, {"amendment": a3.pk}).content.decode()
    assert "inserted by A-1" not in page
    assert "right [...] to use AI in the name of artistic freedom" in page


def test_what_if_exports_like_an_edition(client, seeded):
    response = client.get(WHAT_IF, {"format": "json"})
    assert (
        response["Content-Disposition"] == 'attachment; filename="og-draft-19igc-en-what-if.json"'
    )
    data = json.loads(response.content)
    eids = [c["eid"] for c in data["clauses"]]
    assert eids[0] == "para_1-2A" and "para_1-2" not in eids and "para_2-2-3" not in eids
    markdown = client.get(WHAT_IF, {"format": "md"}).content.decode()
    assert "the use of protected works" in markdown


@pytest.mark.parametrize(
    "query", [{"amendment": "999999"}, {"format": "pdf"}, {"organisation": "x"}]
)
def test_what_if_bad_input_is_400(client, seeded, query):
    assert client.get(WHAT_IF, query).status_code == 400


def test_what_if_of_an_unpublished_edition_is_404(client, make_edition):
    make_edition("1. Private.", slug="private", published=False)
    assert client.get("/editions/private/what-if/").status_code == 404


@pytest.fixture
def adopted_seed(seeded, secretariat_user):
    for number in ("A-1", "A-2"):
        amendment = Amendment.objects.get(number=number)
        amendment = services.amendment_screen(
            amendment=amendment, user=secretariat_user, admissible=True, reason=""
        )
        services.amendment_decide(
            amendment=amendment, user=secretariat_user, outcome="adopted", reason="19.IGC"
        )
    return seeded


def test_secretariat_consolidates_from_the_page(client, adopted_seed, secretariat_user):
    client.force_login(secretariat_user)
    url = "/editions/og-draft-19igc-en/consolidate/"
    page = client.get(url).content.decode()
    assert "Create the consolidated edition" in page and "(inserted by A-1)" in page
    ids = list(Amendment.objects.filter(status="adopted").values_list("pk", flat=True))
    response = client.post(
        url,
        {"amendment": ids, "slug": "og-consolidated", "label": "Consolidated", "create": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/compare/og-draft-19igc-en/og-consolidated/"
    fork = Edition.objects.get(slug="og-consolidated")
    assert list(fork.clauses.order_by("order").values_list("eid", flat=True))[:2] == [
        "para_1-2A",
        "para_2",
    ]


@pytest.mark.parametrize("user", ["ngo_user", "delegate_user", "reader_user"])
def test_consolidate_page_is_403_to_others(client, adopted_seed, request, user):
    client.force_login(request.getfixturevalue(user))
    url = "/editions/og-draft-19igc-en/consolidate/"
    assert client.get(url).status_code == 403
    data = {"slug": "x", "label": "x", "create": "1"}
    assert client.post(url, data).status_code == 403
    assert not Edition.objects.filter(slug="x").exists()


def test_consolidate_bad_slug_is_400_and_writes_nothing(client, adopted_seed, secretariat_user):
    client.force_login(secretariat_user)
    url = "/editions/og-draft-19igc-en/consolidate/"
    response = client.post(url, {"slug": "og-2017-fr", "label": "x", "create": "1"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Edition.objects.count() == 2
