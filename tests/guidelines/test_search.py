"""Search at /search/?q=: folding, the search text kept by the services, visibility,
highlighting, grouping, the page, and on PostgreSQL the full-text index."""

from __future__ import annotations

import datetime
import importlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from amendments import services as amendment_services
from amendments.models import Amendment, AmendmentWindow
from guidelines import searching
from guidelines import selectors as guideline_selectors
from guidelines import services as guideline_services
from guidelines.importing import parse
from guidelines.models import Clause, Edition
from guidelines.searching import (
    highlight,
    normalise_for_search,
    normalise_with_map,
    query_words,
    search,
    search_document,
)
from positions import services as position_services
from positions.models import Organisation, Position, PositionPaper
from tests.conftest import member

# --- folding (pure) ------------------------------------------------------------------------

# French letters with their accents, and what searching must read them as.
ACCENTED = {
    "à": "a",
    "â": "a",
    "ä": "a",
    "ç": "c",
    "é": "e",
    "è": "e",
    "ê": "e",
    "ë": "e",
    "î": "i",
    "ï": "i",
    "ô": "o",
    "ö": "o",
    "ù": "u",
    "û": "u",
    "ü": "u",
    "ÿ": "y",
    "œ": "oe",
    "æ": "ae",
}
french_text = st.text(
    alphabet=st.sampled_from(
        [*"abcdefghijklmnopqrstuvwxyz", *ACCENTED, " ", "'", "’", "-", ",", "\u00a0", "\n"]
    ),
    max_size=60,
)


@given(st.text(max_size=80))
def test_folding_is_idempotent(text):
    once = normalise_for_search(text)
    assert normalise_for_search(once) == once


@given(st.text(max_size=80))
def test_folding_leaves_no_mark_capital_or_double_space(text):
    folded = normalise_for_search(text)
    assert not any(unicodedata.category(c) in ("Mn", "Me") for c in folded)
    assert folded == folded.casefold()
    assert "  " not in folded
    assert folded == folded.strip()


@given(st.text(max_size=80))
def test_the_map_points_into_the_original_in_order(text):
    folded, origin = normalise_with_map(text)
    assert len(origin) == len(folded)
    assert origin == sorted(origin)
    assert all(0 <= i < len(text) for i in origin)


@given(french_text)
def test_accents_and_capitals_do_not_count(text):
    plain = "".join(ACCENTED.get(c, c) for c in text)
    folded = normalise_for_search(text)
    assert normalise_for_search(text.upper()) == folded
    assert normalise_for_search(plain) == folded
    assert normalise_for_search(unicodedata.normalize("NFD", text)) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("L’Œuvre", "l'oeuvre"),
        ("ÉCONOMIE", "economie"),
        ("Straße", "strasse"),
        ("e\u0301te\u0301", "ete"),  # decomposed accents
        ("ﬁn\u00a0 de\tl’\u00adœuvre", "fin de l'oeuvre"),  # ligature, no-break space, soft hyphen
        ("«\u202fdiversité\u202f»", '" diversite "'),
        ("  Æsthetic  ", "aesthetic"),
    ],
)
def test_folding_examples(text, folded):
    assert normalise_for_search(text) == folded


def test_the_search_document_keeps_the_words_only():
    assert search_document("Article 14.6 :", "l’Œuvre (unesco.org)") == (
        "article 14 6 l oeuvre unesco org"
    )


def test_query_words_drop_short_words_and_repeats():
    assert query_words("l’Œuvre, L'OEUVRE et a") == ["oeuvre", "et"]
    assert query_words("a b") == []


@given(french_text, st.sampled_from(["oeuvre", "economie", "ete", "a", "diversite"]))
def test_highlighting_cuts_nothing_and_marks_only_hits(text, word):
    pieces = highlight(text, [word], width=10_000)
    assert "".join(piece for piece, _hit in pieces) == text
    for piece, is_hit in pieces:
        if is_hit:
            assert normalise_for_search(piece).startswith(word)


def test_highlighting_maps_folded_hits_back_to_the_original():
    text = "La mise en Œuvre, les œuvres et la manœuvre ; e\u0301conomie."
    assert highlight(text, ["oeuvre", "economie"]) == (
        ("La mise en ", False),
        ("Œuvre", True),
        (", les ", False),
        ("œuvres", True),
        (" et la manœuvre ; ", False),
        ("e\u0301conomie", True),
        (".", False),
    )


def test_a_long_text_is_cut_around_its_first_hit():
    text = "word " * 200 + "the œuvre here " + "more " * 200
    pieces = highlight(text, ["oeuvre"])
    shown = "".join(piece for piece, _hit in pieces)
    assert pieces[0] == ("…", False) and pieces[-1] == ("…", False)
    assert ("œuvre", True) in pieces
    assert len(shown) <= searching.SNIPPET_CHARS + 2
    assert shown.index("œuvre") <= searching.SNIPPET_LEAD + 2


# --- the search text, kept in step by every writing service ----------------------------------


def out_of_step() -> list[str]:
    """Rows whose search text is not what their words fold to."""
    stale = [
        f"clause {c.pk}"
        for c in Clause.objects.all()
        if c.search_text != search_document(c.heading, c.text)
    ]
    stale += [
        f"amendment {a.pk}"
        for a in Amendment.objects.all()
        if a.search_text != search_document(a.proposed_text, a.justification)
    ]
    stale += [
        f"position {p.pk}"
        for p in Position.objects.select_related("paper")
        if p.search_text != search_document(p.summary, p.excerpt)
    ]
    return stale


@dataclass
class World:
    """What the writing services need: a published draft with an open window, an NGO and
    its member, a paper."""

    draft: Edition
    ngo: Organisation
    ngo_user: Any
    paper: PositionPaper


DRAFT_TEXT = "## Principles\n\n1. Parties support skills.\n\n2. Parties report every year.\n"


@pytest.fixture
def world(make_edition, ngo, ngo_user) -> World:
    draft = make_edition(DRAFT_TEXT, slug="writing-draft")
    now = timezone.now()
    AmendmentWindow.objects.create(
        edition=draft,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=1),
    )
    paper = position_services.paper_import(
        text="We ask for every Œuvre to count. Économie matters.",
        organisations=[ngo],
        title="A paper",
        language="en",
    ).paper
    return World(draft, ngo, ngo_user, paper)


def _clause(edition: Edition, eid: str) -> Clause:
    return Clause.objects.get(edition=edition, eid=eid)


def write_edition_import(w: World) -> list[Any]:
    edition = guideline_services.edition_import(
        parsed=parse("## Économie\n\n1. La mise en Œuvre."),
        instrument_slug="test-instrument",
        slug="imported",
        label="Imported",
        language="fr",
        reason="test",
    ).edition
    return [_clause(edition, "sec_1"), _clause(edition, "para_1")]


def write_reimport(w: World) -> list[Any]:
    guideline_services.edition_import(
        parsed=parse(DRAFT_TEXT.replace("skills", "every Œuvre") + "\n3. Économie."),
        instrument_slug="test-instrument",
        slug=w.draft.slug,
        label="ignored",
        language="en",
        reason="new text",
    )
    return [_clause(w.draft, "para_1"), _clause(w.draft, "para_3")]


def write_clause_update(w: World) -> list[Any]:
    clause = _clause(w.draft, "para_1")
    return [
        guideline_services.clause_update(
            clause=clause,
            user=None,
            expected_version=clause.version,
            reason="test",
            text="Parties cherish every Œuvre.",
            heading="Économie",
        )
    ]


def write_clause_insert(w: World) -> list[Any]:
    return [
        guideline_services.clause_insert(
            edition=w.draft,
            user=None,
            eid="para_3",
            number="3",
            kind=Clause.Kind.PARAGRAPH,
            parent_eid="sec_1",
            text="Every Œuvre counts.",
            heading="Économie",
            reason="test",
        )
    ]


def write_edition_fork(w: World) -> list[Any]:
    clause = _clause(w.draft, "para_1")
    guideline_services.clause_update(
        clause=clause, user=None, expected_version=1, reason="t", text="Every Œuvre."
    )
    fork = guideline_services.edition_fork(base=w.draft, user=None, slug="fork", label="Fork")
    assert fork.clauses.count() == 3
    return [_clause(fork, "para_1")]


def write_amendment_create(w: World) -> list[Any]:
    return [
        amendment_services.amendment_create(
            user=w.ngo_user,
            edition=w.draft,
            clause=_clause(w.draft, "para_1"),
            operation=Amendment.Operation.REPLACE,
            proposed_text="Parties cherish every Œuvre.",
            justification="Économie of words.",
        )
    ]


def write_amendment_update(w: World) -> list[Any]:
    (draft,) = write_amendment_create(w)
    return [
        amendment_services.amendment_update(
            amendment=draft,
            user=w.ngo_user,
            expected_version=draft.version,
            proposed_text="Parties protect every œuvre.",
            justification="Culture économique.",
        )
    ]


def write_amendment_record(w: World) -> list[Any]:
    return [
        amendment_services.amendment_record(
            proposer=w.ngo,
            edition=w.draft,
            clause=_clause(w.draft, "para_2"),
            operation=Amendment.Operation.DELETE,
            proposed_text="",
            justification="Économie: every Œuvre.",
            reason="Seed",
        )
    ]


def write_amendments_from_word(w: World) -> list[Any]:
    fork = guideline_services.edition_fork(base=w.draft, user=None, slug="marked", label="M")
    clause = _clause(fork, "para_1")
    guideline_services.clause_update(
        clause=clause, user=None, expected_version=1, reason="t", text="Every Œuvre."
    )
    data = guideline_selectors.edition_tracked_docx(base=w.draft, edition=fork)
    return amendment_services.amendments_from_word(
        edition=w.draft, data=data, filename="marked.docx", user=w.ngo_user
    ).amendments


def write_position_create(w: World) -> list[Any]:
    return [
        position_services.position_create(
            paper=w.paper,
            stance=Position.Stance.SUPPORT,
            summary="Économie first.",
            excerpt="every Œuvre to count",
            links=[(_clause(w.draft, "para_1"), "It is about skills.")],
        )
    ]


WRITERS: dict[str, Callable[[World], list[Any]]] = {
    "edition_import": write_edition_import,
    "edition_import again (re-import)": write_reimport,
    "clause_update": write_clause_update,
    "clause_insert": write_clause_insert,
    "edition_fork": write_edition_fork,
    "amendment_create": write_amendment_create,
    "amendment_update": write_amendment_update,
    "amendment_record": write_amendment_record,
    "amendments_from_word": write_amendments_from_word,
    "position_create": write_position_create,
}


@pytest.mark.parametrize("write", WRITERS.values(), ids=WRITERS.keys())
def test_every_writing_service_keeps_the_search_text_in_step(world, write):
    assert out_of_step() == []
    written = write(world)
    assert written
    for row in written:
        row.refresh_from_db()
        # The service wrote the new words: an accented one, found folded.
        assert re.search(r"\b(oeuvre|economie)\b", row.search_text), row
    assert out_of_step() == []


def test_the_data_migrations_fill_the_search_text_of_existing_rows(world):
    write_amendment_create(world)
    write_position_create(world)
    Clause.objects.update(search_text="")
    Amendment.objects.update(search_text="")
    Position.objects.update(search_text="")
    assert len(out_of_step()) == Clause.objects.count() + 2
    for module in (
        "guidelines.migrations.0004_search_text",
        "amendments.migrations.0003_search_text",
        "positions.migrations.0004_search_text",
    ):
        importlib.import_module(module).fill_search_text(django_apps, None)
    assert out_of_step() == []


# --- searching -----------------------------------------------------------------------------

FRENCH = """## Principes

1. La mise en œuvre de la Convention.

2. L'Économie numérique et les oeuvres des artistes.

3. Le texte <script>alert(1)</script> reste du texte.
"""
ENGLISH = """## Principles

1. Parties support the development of digital skills.

2. Parties report every four years.
"""
PRIVATE = "1. Une œuvre secrète du brouillon.\n"
PAPER = (
    "We support the Œuvre clause.\n"
    "We regret secret drafts of every œuvre.\n"
    "In general, oeuvres deserve protection.\n"
)


@dataclass
class Corpus:
    french: Edition
    english: Edition
    private: Edition
    ngo_draft: Amendment
    submitted: Amendment


@pytest.fixture
def corpus(make_edition, ngo, ngo_user, other_ngo, other_ngo_user) -> Corpus:
    french = make_edition(FRENCH, slug="og-2017-fr", language="fr", status=Edition.Status.ADOPTED)
    english = make_edition(ENGLISH, slug="og-draft-en", language="en")
    private = make_edition(PRIVATE, slug="secret-draft", language="fr", published=False)
    now = timezone.now()
    AmendmentWindow.objects.create(
        edition=english,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=1),
    )
    ngo_draft = amendment_services.amendment_create(
        user=ngo_user,
        edition=english,
        clause=_clause(english, "para_1"),
        operation=Amendment.Operation.REPLACE,
        proposed_text="Parties protect every œuvre of the mind.",
        justification="Our draft.",
    )
    filed = amendment_services.amendment_create(
        user=other_ngo_user,
        edition=english,
        clause=_clause(english, "para_2"),
        operation=Amendment.Operation.REPLACE,
        proposed_text="Parties report <script>alert(2)</script> every year.",
        justification="Économie of effort: one Œuvre a year.",
    )
    submitted = amendment_services.amendment_submit(
        amendment=filed, user=other_ngo_user, expected_version=filed.version
    )
    paper = position_services.paper_import(
        text=PAPER, organisations=[ngo], title="Our paper", language="en"
    ).paper
    for summary, excerpt, links in [
        ("On the œuvre clause.", "We support the Œuvre clause.", [(french, "para_1")]),
        ("On the secret draft.", "We regret secret drafts of every œuvre.", [(private, "para_1")]),
        ("In general.", "In general, oeuvres deserve protection.", []),
    ]:
        position_services.position_create(
            paper=paper,
            stance=Position.Stance.SUPPORT,
            summary=summary,
            excerpt=excerpt,
            links=[(_clause(edition, eid), "Concerns it.") for edition, eid in links],
        )
    return Corpus(french, english, private, ngo_draft, submitted)


def found(results: searching.SearchResults) -> set[str]:
    """Every hit's URL (clause, amendment or position), in any group."""
    return {
        hit.url
        for group in results.groups
        for _kind, _heading, hits in group.sections
        for hit in hits.hits
    }


def clause_url(edition: Edition, eid: str) -> str:
    return f"/editions/{edition.slug}/{eid}/"


@pytest.mark.parametrize(
    ("query", "eids", "not_eids"),
    [
        ("oeuvre", {"para_1", "para_2"}, {"para_3"}),  # "œuvre", and "oeuvres"
        ("œuvre", {"para_1", "para_2"}, {"para_3"}),
        ("economie", {"para_2"}, {"para_1"}),  # "Économie"
        ("ÉCONOMIE", {"para_2"}, {"para_1"}),
        ("Œuvres", {"para_2"}, {"para_1"}),  # "oeuvres", not "œuvre"
        ("OEUVRE numerique", {"para_2"}, {"para_1"}),  # every word must match
        ("numérique oeuvre", {"para_2"}, {"para_1"}),
        ("principes", {"sec_1"}, {"para_1"}),  # the heading
    ],
)
def test_accents_and_case_do_not_matter(corpus, query, eids, not_eids):
    urls = found(search(query=query, user=None))
    assert {clause_url(corpus.french, eid) for eid in eids} <= urls
    assert not {clause_url(corpus.french, eid) for eid in not_eids} & urls


def test_a_word_matches_the_beginning_of_words_only(corpus):
    # "uvre" is inside "œuvre", but begins no word.
    assert search(query="uvre", user=None).groups == []
    assert clause_url(corpus.french, "para_3") in found(search(query="alert", user=None))


def test_a_query_without_a_long_enough_word_searches_nothing(corpus, django_assert_num_queries):
    with django_assert_num_queries(0):
        results = search(query="  a ' l ", user=None)
    assert (results.words, results.groups) == ([], [])


def test_a_query_too_long_is_refused(corpus):
    with pytest.raises(ValidationError) as error:
        search(query="x" * (searching.MAX_QUERY_LENGTH + 1), user=None)
    assert error.value.code == searching.QUERY_TOO_LONG


def test_a_private_edition_is_searched_by_the_secretariat_only(
    corpus, ngo_user, reader_user, secretariat_user
):
    secret = clause_url(corpus.private, "para_1")
    for user in (None, reader_user, ngo_user):
        urls = found(search(query="secrete", user=user))
        assert secret not in urls
        groups = search(query="oeuvre", user=user).groups
        assert all(group.slug != corpus.private.slug for group in groups)
    assert secret in found(search(query="secrete", user=secretariat_user))


def test_a_draft_amendment_is_found_by_its_proposers_members_only(
    corpus, ngo_user, django_user_model, ngo, other_ngo_user, secretariat_user
):
    draft = corpus.ngo_draft.get_absolute_url()
    submitted = corpus.submitted.get_absolute_url()
    colleague = member(django_user_model, "ngo-colleague", ngo)
    for user in (ngo_user, colleague):
        urls = found(search(query="oeuvre", user=user))
        assert {draft, submitted} <= urls
    for user in (None, other_ngo_user, secretariat_user):
        urls = found(search(query="oeuvre", user=user))
        assert draft not in urls
        assert submitted in urls


def test_positions_follow_the_visibility_of_their_links(corpus, secretariat_user):
    def positions(user):
        results = search(query="oeuvre", user=user)
        return {
            (group.slug, hit.snippets[1].pieces[0][0] if hit.snippets else "")
            for group in results.groups
            for hit in group.positions.hits
        }

    public = positions(None)
    assert public == {("og-2017-fr", "We support the "), ("", "In general, ")}
    assert positions(secretariat_user) == public | {
        ("secret-draft", "We regret secret drafts of every ")
    }


def test_results_are_grouped_by_edition(corpus, ngo_user):
    results = search(query="oeuvre", user=ngo_user)
    # The editions in their order (instrument, date, slug), the general positions last.
    assert [(g.slug, [k for k, _h, _l in g.sections]) for g in results.groups] == [
        ("og-2017-fr", ["clauses", "positions"]),
        ("og-draft-en", ["amendments"]),
        ("", ["positions"]),
    ]
    english = next(g for g in results.groups if g.slug == "og-draft-en")
    assert english.amendments.total == 2
    assert [h.title for h in english.amendments.hits] == ["A-1", "Draft amendment"]
    french = next(g for g in results.groups if g.slug == "og-2017-fr")
    assert [h.title for h in french.clauses.hits] == ["1", "2"]  # document order
    assert french.language == "fr"
    assert all(s.lang == "fr" for h in french.clauses.hits for s in h.snippets)
    assert results.groups[-1].label == "General positions"
    assert results.total == 2 + 2 + 1 + 1


def test_each_group_is_capped_and_counts_the_rest(corpus, make_edition):
    many = make_edition(
        "\n\n".join(f"{n}. Une œuvre numéro {n}." for n in range(1, 8)), slug="many", language="fr"
    )
    results = search(query="oeuvre", user=None, per_group=3)
    group = next(g for g in results.groups if g.slug == many.slug)
    assert [h.title for h in group.clauses.hits] == ["1", "2", "3"]
    assert (group.clauses.total, group.clauses.more) == (7, 4)


# --- the page --------------------------------------------------------------------------------


def test_the_page_highlights_hits_in_escaped_text(client, corpus):
    response = client.get("/search/", {"q": "alert"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in body
    assert "&lt;script&gt;<mark>alert</mark>(2)&lt;/script&gt;" in body


def test_the_page_shows_groups_links_and_languages(client, corpus):
    response = client.get("/search/", {"q": "Oeuvre"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Oeuvre"' in body
    assert '<a href="/editions/og-2017-fr/">Og 2017 Fr</a>' in body
    assert f'href="{clause_url(corpus.french, "para_1")}"' in body
    assert f'href="{corpus.submitted.get_absolute_url()}"' in body
    assert f'href="{corpus.ngo_draft.get_absolute_url()}"' not in body
    assert 'href="/papers/' in body
    assert '<span lang="fr">La mise en <mark>œuvre</mark> de la Convention.</span>' in body
    assert "<mark>Œuvre</mark>" in body  # the submitted amendment's justification


def test_the_page_without_a_query_prompts(client, corpus):
    for query in ({}, {"q": ""}, {"q": "a"}):
        response = client.get("/search/", query)
        assert response.status_code == 200
        assert b"<mark>" not in response.content
        assert b'role="status"' in response.content


def test_the_page_refuses_a_query_too_long(client, corpus):
    response = client.get("/search/", {"q": "oeuvre " * 40})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    assert b"<mark>" not in response.content


def test_every_page_has_the_search_box(client, corpus):
    body = client.get("/").content.decode()
    assert 'role="search"' in body
    assert 'action="/search/"' in body
    assert 'for="site-search-query"' in body


@pytest.mark.parametrize("who", ["anonymous", "ngo", "secretariat"])
def test_the_page_runs_a_bounded_number_of_queries(
    client, corpus, make_edition, who, ngo_user, secretariat_user, django_assert_max_num_queries
):
    user = {"anonymous": None, "ngo": ngo_user, "secretariat": secretariat_user}[who]
    if user is not None:
        client.force_login(user)
    make_edition("\n\n".join(f"{n}. Une œuvre {n}." for n in range(1, 60)), slug="big")
    # Session and user (2 when logged in), the organisation, editions, clauses,
    # amendments, linked and general positions; the header's unread notifications; the
    # secretariat's second-factor device (django-otp checks it on every request).
    with django_assert_max_num_queries(10 if who == "secretariat" else 9):
        response = client.get("/search/", {"q": "oeuvre"})
    assert response.status_code == 200
    assert response.content.count(b"<mark>") > 20


# --- the database's own search ---------------------------------------------------------------


def test_each_database_searches_its_own_way(corpus):
    with CaptureQueriesContext(connection) as captured:
        search(query="oeuvre", user=None)
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    if connection.vendor == "postgresql":
        # Clauses, amendments, linked and general positions.
        assert sql.count("\"search_vector\" @@ to_tsquery('simple'::regconfig,") == 4
        assert "'''oeuvre'':*'" in sql
        assert "LIKE" not in sql
    else:
        assert "LIKE" in sql and "search_vector" not in sql


@pytest.mark.parametrize(
    ("model", "index"),
    [
        (Clause, "clause_search_fts"),
        (Amendment, "amendment_search_fts"),
        (Position, "position_search_fts"),
    ],
)
def test_postgresql_searches_through_the_gin_index(corpus, model, index):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's full-text index: the other databases search by LIKE")
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = 'search_vector'",
            [table],
        )
        (generated,) = cursor.fetchone()
        assert generated == "to_tsvector('simple'::regconfig, search_text)"
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
        (definition,) = cursor.fetchone()
        assert f"ON public.{table} USING gin (search_vector)" in definition
        # The database writes the vector: the folded words Django saved, each a lexeme.
        cursor.execute(f"SELECT search_text, search_vector::text FROM {table} LIMIT 1")
        text, vector = cursor.fetchone()
        assert text and all(f"'{word}'" in vector for word in text.split())
        # The tables are tiny: forbid the scans that read every row (sequentially or
        # along another index) to see whether the GIN index fits the condition.
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
    condition = searching.matches(["oeuvre", "economie"], vendor="postgresql")
    plan = model.objects.filter(condition).order_by().values("pk").explain()
    assert f"Bitmap Index Scan on {index}" in plan
