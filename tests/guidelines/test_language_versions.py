"""Linked language versions: one text in two languages, linked clause by clause.

The editions are made here (no translation is invented in the seed): a French text and
an "English" one whose words only say which clause they are.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from guidelines import selectors, services
from guidelines.models import ClauseCorrespondence, Edition

FRENCH = """# Orientations

---

## I. Principes

1. Les Parties reconnaissent la diversité des expressions culturelles.

- 1.1 Première sous-disposition.
- 1.2 Deuxième sous-disposition.

2. Les Parties encouragent la coopération.
"""

ENGLISH = """# Guidelines

---

## I. Principles

1. Test wording of paragraph one.

- 1.1 Test wording of 1.1.
- 1.2 Test wording of 1.2.

2. Test wording of paragraph two.
"""

OTHER_NUMBERING = """# Guidelines

---

10. Test wording of a paragraph numbered otherwise.

11. Another one.
"""


@pytest.fixture
def french(make_edition) -> Edition:
    return make_edition(FRENCH, slug="texte-fr", language="fr")


@pytest.fixture
def english(make_edition) -> Edition:
    return make_edition(ENGLISH, slug="text-en", language="en")


def linked(french: Edition, english: Edition) -> dict[str, str]:
    pairs = ClauseCorrespondence.objects.filter(edition_a=french, edition_b=english)
    return dict(pairs.values_list("source__eid", "target__eid"))


def test_linking_records_the_version_and_pairs_clauses_by_eid(french, english, secretariat_user):
    result = services.edition_link_language(user=secretariat_user, edition=english, original=french)
    english.refresh_from_db()
    assert english.language_version_of == french
    assert result.same_numbering
    eids = set(french.clauses.values_list("eid", flat=True))
    assert result.linked_by_eid == len(eids) == 5
    assert linked(french, english) == {eid: eid for eid in eids}
    kinds = set(ClauseCorrespondence.objects.values_list("kind", flat=True))
    assert kinds == {ClauseCorrespondence.Kind.TRANSLATION}


def test_relinking_replaces_automatic_links_and_keeps_hand_made_ones(
    french, english, secretariat_user
):
    services.edition_link_language(user=secretariat_user, edition=english, original=french)
    # By hand: 1.1 of the French is 1.2 of the English (say the English moved it).
    services.correspondence_set(
        user=secretariat_user, a=french, b=english, source_eid="para_1-1",
        target_eid="para_1-2", kind=ClauseCorrespondence.Kind.TRANSLATION,
    )  # fmt: skip
    result = services.edition_link_language(user=secretariat_user, edition=english, original=french)
    pairs = linked(french, english)
    assert pairs["para_1-1"] == "para_1-2"
    assert "para_1-2" not in pairs  # its English partner is taken by the hand-made link
    assert result.linked_by_eid == 3  # sec_I, para_1, para_2
    assert ClauseCorrespondence.objects.filter(method="manual").count() == 1


def test_different_numbering_links_no_clause(make_edition, french, secretariat_user):
    other = make_edition(OTHER_NUMBERING, slug="other-en", language="en")
    result = services.edition_link_language(user=secretariat_user, edition=other, original=french)
    assert not result.same_numbering
    assert result.linked_by_eid == 0
    other.refresh_from_db()
    assert other.language_version_of == french
    assert not ClauseCorrespondence.objects.exists()


@pytest.mark.parametrize(
    "case, message",
    [
        ("same-language", "same language"),
        ("other-instrument", "different instruments"),
        ("chain", "itself a language version"),
        ("itself", "two different editions"),
    ],
)
def test_refusals_write_nothing(make_edition, french, english, secretariat_user, case, message):
    original, edition = french, english
    if case == "same-language":
        edition = make_edition(FRENCH, slug="autre-fr", language="fr")
    elif case == "other-instrument":
        edition = make_edition(ENGLISH, slug="elsewhere-en", language="en", instrument="other")
    elif case == "chain":
        services.edition_link_language(user=secretariat_user, edition=english, original=french)
        original = english
        edition = make_edition(ENGLISH, slug="texte-es", language="fr")
    elif case == "itself":
        edition = french
    before = ClauseCorrespondence.objects.count()
    with pytest.raises(ValidationError) as error:
        services.edition_link_language(user=secretariat_user, edition=edition, original=original)
    assert message in " ".join(error.value.messages)
    assert ClauseCorrespondence.objects.count() == before
    edition.refresh_from_db()
    if case != "itself":
        assert edition.language_version_of is None


@pytest.mark.parametrize("who", ["ngo_user", "reader_user", "delegate_user"])
def test_only_the_secretariat_links(request, french, english, who):
    with pytest.raises(PermissionDenied):
        services.edition_link_language(
            user=request.getfixturevalue(who), edition=english, original=french
        )
    english.refresh_from_db()
    assert english.language_version_of is None


def test_clause_page_offers_the_same_clause_in_the_other_language(
    client, french, english, secretariat_user
):
    services.edition_link_language(user=secretariat_user, edition=english, original=french)
    page = client.get(reverse("clause_detail", args=[french.slug, "para_1-2"]))
    assert page.status_code == 200
    target = reverse("clause_detail", args=[english.slug, "para_1-2"])
    assert f'href="{target}" hreflang="en"' in page.content.decode()
    # And back, from the English clause to the French one.
    back = client.get(reverse("clause_detail", args=[english.slug, "para_1-2"]))
    assert reverse("clause_detail", args=[french.slug, "para_1-2"]) in back.content.decode()
    edition_page = client.get(reverse("edition_detail", args=[french.slug])).content.decode()
    assert english.get_absolute_url() in edition_page


def test_a_version_the_user_cannot_read_is_not_offered(client, french, english, secretariat_user):
    services.edition_link_language(user=secretariat_user, edition=english, original=french)
    Edition.objects.filter(pk=english.pk).update(published=False)
    page = client.get(reverse("clause_detail", args=[french.slug, "para_1-2"]))
    assert english.slug not in page.content.decode()
    client.force_login(secretariat_user)
    page = client.get(reverse("clause_detail", args=[french.slug, "para_1-2"]))
    assert reverse("clause_detail", args=[english.slug, "para_1-2"]) in page.content.decode()


def test_comparison_rows_link_to_the_other_language(
    client, make_edition, french, english, secretariat_user
):
    draft = make_edition(FRENCH.replace("coopération", "coopération culturelle"), slug="projet-fr",
                         language="fr")  # fmt: skip
    url = reverse("compare", args=[french.slug, draft.slug])
    before = client.get(url).content.decode()
    assert "hreflang" not in before
    # Linking the English version to the draft changes the (cached) table at once.
    services.edition_link_language(user=secretariat_user, edition=english, original=draft)
    after = client.get(url).content.decode()
    assert reverse("clause_detail", args=[english.slug, "para_2"]) in after
    assert 'hreflang="en"' in after


def test_selector_queries_do_not_grow(django_assert_num_queries, french, english, secretariat_user):
    services.edition_link_language(user=secretariat_user, edition=english, original=french)
    ids = list(french.clauses.values_list("pk", flat=True))
    with django_assert_num_queries(2):
        found = selectors.clauses_in_other_languages(
            edition=french, clause_ids=ids, user=AnonymousUser()
        )
    assert len(found) == len(ids)
    assert {o.language for entries in found.values() for o in entries} == {"en"}


def test_command(french, english, capsys):
    call_command("link_language_version", english.slug, "--of", french.slug)
    assert "5 clauses linked" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No edition 'nope'"):
        call_command("link_language_version", "nope", "--of", french.slug)
    with pytest.raises(CommandError, match="itself a language version"):
        call_command("link_language_version", french.slug, "--of", english.slug)
