"""Papers stored verbatim; positions quote them verbatim; who may record them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from positions import services
from positions.models import Organisation, Position, PositionLink, PositionPaper
from tests.positions.conftest import PAPER_TEXT

pytestmark = pytest.mark.django_db


def codes(exc: pytest.ExceptionInfo[ValidationError]) -> list[str | None]:
    return [e.code for e in exc.value.error_list]


# --- paper_import -------------------------------------------------------------------


def test_paper_import_stores_the_text_verbatim_with_only_line_endings_normalised(ngo):
    raw = "Title\r\n\r\n  Indented   line,  *kept*  as   is.\rLast\u00a0line "
    result = services.paper_import(
        text=raw.encode(),
        organisations=[ngo],
        title="  A   title ",
        language="en",
        date=datetime.date(2025, 2, 11),
        meeting_reference="18.IGC item 7",
        source_file="paper.txt",
    )
    paper = result.paper
    assert result.created
    assert paper.text == "Title\n\n  Indented   line,  *kept*  as   is.\nLast\u00a0line "
    assert paper.title == "A title"
    assert (paper.date, paper.meeting_reference, paper.source_file) == (
        datetime.date(2025, 2, 11),
        "18.IGC item 7",
        "paper.txt",
    )
    assert list(paper.organisations.all()) == [ngo]
    assert paper.get_absolute_url() == f"/papers/{paper.pk}/"


def test_paper_import_strips_a_utf8_bom_only(ngo):
    paper = services.paper_import(
        text="\ufeffText.".encode(), organisations=[ngo], title="T", language="en"
    ).paper
    assert paper.text == "Text."


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"", services.PAPER_EMPTY, "empty"),
        (b" \n\n\t", services.PAPER_EMPTY, "empty"),
        ("   \n", services.PAPER_EMPTY, "empty"),
        (b"text\x00\x01\x02", services.PAPER_NOT_TEXT, "binary"),
        ("text\x00", services.PAPER_NOT_TEXT, "binary"),
        ("caf\u00e9".encode("latin-1"), services.PAPER_NOT_TEXT, "not valid UTF-8"),
    ],
)
def test_paper_import_refuses_what_is_not_a_text_and_writes_nothing(ngo, data, code, words):
    with pytest.raises(ValidationError) as exc:
        services.paper_import(text=data, organisations=[ngo], title="T", language="en")
    assert codes(exc) == [code]
    assert words in " ".join(exc.value.messages)
    assert PositionPaper.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"title": "  "}, services.PAPER_TITLE_REQUIRED),
        ({"title": "x" * 501}, services.FIELD_TOO_LONG),
        ({"language": "de"}, services.PAPER_LANGUAGE_INVALID),
        ({"organisations": []}, services.PAPER_ORGANISATION_REQUIRED),
    ],
)
def test_paper_import_refuses_bad_metadata(ngo, kwargs, code):
    arguments = {"text": "Text.", "organisations": [ngo], "title": "T", "language": "en"}
    with pytest.raises(ValidationError) as exc:
        services.paper_import(**(arguments | kwargs))
    assert codes(exc) == [code]
    assert PositionPaper.objects.count() == 0


def test_paper_import_is_idempotent_for_the_same_title_organisations_and_text(ngo, other_ngo):
    first = services.paper_import(
        text="Text.\n", organisations=[ngo, other_ngo], title="T", language="en"
    )
    again = services.paper_import(
        text=b"Text.\r\n", organisations=[other_ngo, ngo], title="T", language="en"
    )
    assert first.created and not again.created
    assert again.paper.pk == first.paper.pk
    assert PositionPaper.objects.count() == 1


def test_paper_import_refuses_another_text_under_the_same_title(paper, ngo):
    with pytest.raises(ValidationError) as exc:
        services.paper_import(
            text="Another text.", organisations=[ngo], title=paper.title, language="en"
        )
    assert codes(exc) == [services.PAPER_TEXT_DIFFERS]
    paper.refresh_from_db()
    assert paper.text == PAPER_TEXT
    assert PositionPaper.objects.count() == 1


def test_the_same_title_by_other_organisations_is_another_paper(paper, other_ngo):
    other = services.paper_import(
        text=PAPER_TEXT, organisations=[other_ngo], title=paper.title, language="en"
    )
    assert other.created
    assert PositionPaper.objects.count() == 2


def test_paper_import_by_users(ngo, other_ngo, ngo_user, other_ngo_user, secretariat_user):
    services.paper_import(
        text="Mine.", organisations=[ngo], title="Mine", language="en", user=ngo_user
    )
    services.paper_import(
        text="Any.", organisations=[ngo], title="Any", language="en", user=secretariat_user
    )
    with pytest.raises(PermissionDenied):
        services.paper_import(
            text="Theirs.", organisations=[ngo], title="Theirs", language="en", user=other_ngo_user
        )
    assert set(PositionPaper.objects.values_list("title", flat=True)) == {"Mine", "Any"}


# --- position_create ----------------------------------------------------------------


def test_position_create_accepts_a_verbatim_quote_and_records_its_range(paper, draft, ngo):
    clause = draft.clauses.get(eid="para_1")
    position = services.position_create(
        paper=paper,
        stance="oppose",
        summary="  Clause 1\nshould be deleted. ",
        excerpt="Clause 2 is fine.",
        links=[(clause, " The paper names clause 1.\n ")],
    )
    assert position.excerpt == "Clause 2 is fine."
    assert PAPER_TEXT[position.excerpt_start : position.excerpt_end] == "Clause 2 is fine."
    assert (position.organisation, position.stance, position.created_by) == (ngo, "oppose", None)
    assert position.summary == "Clause 1 should be deleted."
    link = position.links.get()
    assert (link.clause, link.rationale) == (clause, "The paper names clause 1.")
    assert position.get_absolute_url() == f"/papers/{paper.pk}/#position-{position.pk}"


@pytest.mark.parametrize(
    "excerpt",
    [
        "clause 2 is fine.",  # case differs
        "Clause 2  is fine.",  # spacing differs
        "Clause 2 is fine!",  # punctuation differs
        "We ask that clause 1 be deleted. Clause 2 is fine. We ask",  # line break differs
        "Not in the paper at all.",
    ],
)
def test_position_create_refuses_a_quote_that_is_not_verbatim_and_writes_nothing(
    paper, draft, excerpt
):
    with pytest.raises(ValidationError) as exc:
        services.position_create(
            paper=paper,
            stance="oppose",
            summary="S",
            excerpt=excerpt,
            links=[(draft.clauses.get(eid="para_1"), "R")],
        )
    assert codes(exc) == [services.EXCERPT_NOT_IN_PAPER]
    assert Position.objects.count() == 0
    assert PositionLink.objects.count() == 0


def test_an_empty_quote_is_refused(paper):
    with pytest.raises(ValidationError) as exc:
        services.position_create(paper=paper, stance="oppose", summary="S", excerpt=" \n")
    assert codes(exc) == [services.EXCERPT_EMPTY]


def test_a_repeated_quote_takes_the_first_occurrence_unless_told_otherwise(paper):
    quote = "We ask that clause 1 be deleted"
    first = PAPER_TEXT.index(quote)
    second = PAPER_TEXT.index(quote, first + 1)
    by_default = services.position_create(paper=paper, stance="oppose", summary="S", excerpt=quote)
    by_occurrence = services.position_create(
        paper=paper, stance="oppose", summary="S", excerpt=quote, occurrence=2
    )
    by_start = services.position_create(
        paper=paper, stance="oppose", summary="S", excerpt=quote, start=second
    )
    assert [by_default.excerpt_start, by_occurrence.excerpt_start, by_start.excerpt_start] == [
        first,
        second,
        second,
    ]
    for occurrence, start in ((3, None), (1, second + 1)):
        with pytest.raises(ValidationError) as exc:
            services.position_create(
                paper=paper,
                stance="oppose",
                summary="S",
                excerpt=quote,
                occurrence=occurrence,
                start=start,
            )
        assert codes(exc) == [services.EXCERPT_NOT_IN_PAPER]
    assert Position.objects.count() == 3


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"stance": "maybe"}, services.STANCE_INVALID),
        ({"summary": " \n "}, services.SUMMARY_REQUIRED),
        ({"summary": "x" * 301}, services.FIELD_TOO_LONG),
        ({"rationale": "  "}, services.RATIONALE_REQUIRED),
        ({"twice": True}, services.LINK_EXISTS),
    ],
)
def test_position_create_refuses_bad_input_and_writes_nothing(paper, draft, kwargs, code):
    clause = draft.clauses.get(eid="para_1")
    links = [(clause, kwargs.get("rationale", "R"))] * (2 if kwargs.get("twice") else 1)
    with pytest.raises(ValidationError) as exc:
        services.position_create(
            paper=paper,
            stance=kwargs.get("stance", "oppose"),
            summary=kwargs.get("summary", "S"),
            excerpt="Clause 2 is fine.",
            links=links,
        )
    assert codes(exc) == [code]
    assert Position.objects.count() == 0
    assert PositionLink.objects.count() == 0


def test_a_position_without_links_is_general(paper):
    position = services.position_create(
        paper=paper, stance="concern", summary="S", excerpt="Capacity-building matters."
    )
    assert not position.links.exists()


def test_the_database_refuses_an_empty_or_negative_range(paper, ngo):
    for start, end in ((5, 5), (6, 5)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Position.objects.create(
                paper=paper,
                organisation=ngo,
                stance="oppose",
                summary="S",
                excerpt_start=start,
                excerpt_end=end,
            )


def test_the_organisation_of_a_joint_paper(make_paper, ngo, other_ngo, party, ngo_user):
    joint = make_paper(ngo, other_ngo, title="Joint")
    with pytest.raises(ValidationError) as exc:
        services.position_create(paper=joint, stance="support", summary="S", excerpt="Clause")
    assert codes(exc) == [services.ORGANISATION_REQUIRED]
    with pytest.raises(ValidationError) as exc:
        services.position_create(
            paper=joint, stance="support", summary="S", excerpt="Clause", organisation=party
        )
    assert codes(exc) == [services.ORGANISATION_NOT_AUTHOR]
    given = services.position_create(
        paper=joint, stance="support", summary="S", excerpt="Clause", organisation=other_ngo
    )
    # A member records for their own organisation.
    own = services.position_create(
        paper=joint, stance="support", summary="S", excerpt="Clause", user=ngo_user
    )
    assert (given.organisation, own.organisation) == (other_ngo, ngo)
    assert own.created_by == ngo_user


def test_who_may_record_a_position(
    paper, draft, ngo, ngo_user, other_ngo_user, secretariat_user, reader_user, delegate_user
):
    def create(user):
        return services.position_create(
            paper=paper,
            stance="support",
            summary="S",
            excerpt="Clause 2 is fine.",
            links=[(draft.clauses.get(eid="para_2"), "R")],
            user=user,
        )

    assert create(ngo_user).organisation == ngo
    assert create(secretariat_user).organisation == ngo
    for outsider in (other_ngo_user, reader_user, delegate_user):
        with pytest.raises(PermissionDenied):
            create(outsider)
    assert Position.objects.count() == 2


def test_members_of_an_organisation_that_is_not_accredited_may_not_record(paper, ngo, ngo_user):
    Organisation.objects.filter(pk=ngo.pk).update(accredited=False)
    ngo_user = type(ngo_user).objects.get(pk=ngo_user.pk)  # drop the cached organisation
    with pytest.raises(PermissionDenied):
        services.position_create(
            paper=paper, stance="support", summary="S", excerpt="Clause", user=ngo_user
        )


def test_a_delegate_records_for_their_party_without_accreditation(make_paper, party, delegate_user):
    assert not party.accredited
    paper = make_paper(party, text="Our view.", title="Party paper")
    position = services.position_create(
        paper=paper, stance="support", summary="S", excerpt="Our view.", user=delegate_user
    )
    assert position.organisation == party


def test_a_link_to_a_private_edition_is_refused_to_a_member(paper, make_edition, ngo_user):
    private = make_edition("1. Private.", slug="private", published=False)
    with pytest.raises(PermissionDenied):
        services.position_create(
            paper=paper,
            stance="support",
            summary="S",
            excerpt="Clause",
            links=[(private.clauses.get(), "R")],
            user=ngo_user,
        )
    assert Position.objects.count() == 0


# --- position_link ------------------------------------------------------------------


def test_position_link_adds_a_clause_once(paper, draft, ngo_user, other_ngo_user):
    position = services.position_create(
        paper=paper, stance="oppose", summary="S", excerpt="Clause 2 is fine."
    )
    clause = draft.clauses.get(eid="para_2")
    link = services.position_link(
        position=position, clause=clause, rationale="Names clause 2.", user=ngo_user
    )
    assert (link.clause, link.rationale) == (clause, "Names clause 2.")
    with pytest.raises(ValidationError) as exc:
        services.position_link(position=position, clause=clause, rationale="Again.")
    assert codes(exc) == [services.LINK_EXISTS]
    with pytest.raises(PermissionDenied):
        services.position_link(
            position=position,
            clause=draft.clauses.get(eid="para_1"),
            rationale="R",
            user=other_ngo_user,
        )
    assert position.links.count() == 1
