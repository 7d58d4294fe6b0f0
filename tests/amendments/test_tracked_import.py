"""A marked-up Word file read as amendments: the pure reader (``read_marked_up``), the
round trip (adopted amendments → consolidation → tracked changes → the same amendments
again), the service ``amendments_from_word``, the ``import_tracked_changes`` command and
the upload page."""

from __future__ import annotations

import copy
import datetime
import io
import itertools
import re
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from amendments import services
from amendments.models import Amendment, AmendmentWindow, AuditRecord
from amendments.tracked_changes import (
    AFTER,
    BEFORE,
    DELETE,
    INSERT,
    REPLACE,
    ProposedChange,
    read_marked_up,
)
from guidelines import selectors
from guidelines import services as clause_services
from guidelines.exporting import EditionData, to_docx
from guidelines.importing import ImportFailure, parse
from guidelines.models import Clause, Edition
from positions.models import Organisation
from tests.conftest import member

pytestmark = pytest.mark.django_db

# --- marking up a Word export as a delegation would -----------------------------------------


class Markup:
    """A Word export of an edition, changed with Track Changes on.

    Paragraphs are found by the number typed before their tab ("1.", "2.1") or, for a
    heading, by their text. Pieces are ``("=", text)`` kept, ``("+", text)`` inserted,
    ``("-", text)`` deleted; tabs become ``w:tab`` and deleted text ``w:delText``.
    """

    def __init__(self, data: bytes) -> None:
        self.document = Document(io.BytesIO(data))
        self.ids = itertools.count(900)
        self.found = {p.text.split("\t")[0]: p for p in self.document.paragraphs}

    def paragraph(self, label: str) -> Paragraph:
        return self.found[label]

    def text(self, label: str) -> str:
        return self.paragraph(label).text

    def _change(self, tag: str) -> Any:
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(next(self.ids)))
        element.set(qn("w:author"), "Delegation")
        element.set(qn("w:date"), "2025-05-05T10:00:00Z")
        return element

    @staticmethod
    def _run(text: str, *, deleted: bool) -> Any:
        run = OxmlElement("w:r")
        for index, piece in enumerate(text.split("\t")):
            if index:
                run.append(OxmlElement("w:tab"))
            if piece:
                element = OxmlElement("w:delText" if deleted else "w:t")
                element.text = piece
                element.set(qn("xml:space"), "preserve")
                run.append(element)
        return run

    def rewrite(self, paragraph: Paragraph, pieces: list[tuple[str, str]]) -> list[Run]:
        """The paragraph's runs replaced by ``pieces``; the runs not deleted."""
        p = paragraph._p
        for child in list(p):
            if child.tag != qn("w:pPr"):
                p.remove(child)
        runs = []
        for op, text in pieces:
            if not text:
                continue
            run = self._run(text, deleted=op == "-")
            if op == "=":
                p.append(run)
            else:
                change = self._change("w:ins" if op == "+" else "w:del")
                change.append(run)
                p.append(change)
            if op != "-":
                runs.append(Run(run, paragraph))
        return runs

    def mark(self, paragraph: Paragraph, op: str) -> None:
        """The paragraph mark inserted (``+``) or deleted (``-``)."""
        properties = paragraph._p.get_or_add_pPr()
        run_properties = OxmlElement("w:rPr")
        run_properties.append(self._change("w:ins" if op == "+" else "w:del"))
        properties.append(run_properties)

    def replace(self, label: str, old: str, new: str) -> list[Run]:
        before, found, after = self.text(label).partition(old)
        assert found, (label, old)
        return self.rewrite(
            self.paragraph(label), [("=", before), ("-", old), ("+", new), ("=", after)]
        )

    def delete(self, *labels: str) -> None:
        for label in labels:
            paragraph = self.paragraph(label)
            self.rewrite(paragraph, [("-", paragraph.text)])
            self.mark(paragraph, "-")

    def insert(self, label: str, text: str, *, before: bool = False) -> list[Run]:
        """A new paragraph (in the style of ``label``'s) after or before it."""
        anchor = self.paragraph(label)
        element = OxmlElement("w:p")
        element.append(copy.deepcopy(anchor._p.pPr))
        if before:
            anchor._p.addprevious(element)
        else:
            anchor._p.addnext(element)
        paragraph = Paragraph(element, anchor._parent)
        runs = self.rewrite(paragraph, [("+", text)])
        self.mark(paragraph, "+")
        return runs

    def comment(self, runs: list[Run] | Run, text: str) -> None:
        self.document.add_comment(runs, text=text, author="Delegation", initials="D")

    def comment_on(self, label: str, text: str) -> None:
        self.comment(self.paragraph(label).runs, text)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


TEXT = """## Principles

1. Parties recognise the diversity of cultural expressions.

1.1. Artists are free to create.

1.2. Parties support the development of digital skills and report on it every four years.

1.3. Parties cooperate.

## Measures

2. Parties take measures.

2.1. Including artificial intelligence.

2.2. Including data.

3. Parties share information.
"""


def exported(text: str = TEXT, language: str = "en") -> bytes:
    """The plain Word export of a text, as the edition page offers it."""
    return to_docx(
        EditionData(
            instrument="test-instrument",
            slug="test",
            label="Test draft",
            language=language,
            status="draft",
            completeness="complete",
            title="Test draft",
            subtitle="",
            clauses=parse(text).clauses,
        )
    )


def summary(changes: list[ProposedChange]) -> list[tuple[str, str, str, str]]:
    return [(c.operation, c.eid, c.insert_position, c.text) for c in changes]


# --- the pure reader -------------------------------------------------------------------------


def test_replaced_words_inside_a_clause_are_one_replacement():
    markup = Markup(exported())
    markup.replace("1.", "recognise", "cherish")
    result = read_marked_up(markup.save())
    assert summary(result.changes) == [
        (REPLACE, "para_1", "", "Parties cherish the diversity of cultural expressions.")
    ]
    change = result.changes[0]
    assert change.base_text == "Parties recognise the diversity of cultural expressions."
    assert change.number == "1"
    assert change.comments == ()
    assert result.warnings == []


def test_a_deleted_clause_and_a_deleted_parent_with_its_children():
    markup = Markup(exported())
    markup.delete("3.")
    markup.delete("2.", "2.1", "2.2")
    result = read_marked_up(markup.save())
    # 2 goes with what it contains: one amendment, not three.
    assert summary(result.changes) == [(DELETE, "para_2", "", ""), (DELETE, "para_3", "", "")]
    assert [c.base_text for c in result.changes] == [
        "Parties take measures.",
        "Parties share information.",
    ]


def test_a_new_paragraph_after_a_clause_is_an_insertion_after_it():
    markup = Markup(exported())
    markup.insert("1.1", "1.1 bis\tArtists are free to share.")
    markup.insert("3.", "4.\tParties meet every year.")
    result = read_marked_up(markup.save())
    assert summary(result.changes) == [
        (INSERT, "para_1-1", AFTER, "Artists are free to share."),
        (INSERT, "para_3", AFTER, "Parties meet every year."),
    ]
    assert [c.base_text for c in result.changes] == [
        "Artists are free to create.",
        "Parties share information.",
    ]
    assert result.changes[1].new_number == "4"


def test_numbered_insertions_go_before_a_and_after_bis():
    markup = Markup(exported())
    markup.insert("1.2", "1.2 A\tParties consult artists.", before=True)
    markup.insert("1.2", "1.2 bis\tParties publish reports.")
    result = read_marked_up(markup.save())
    assert summary(result.changes) == [
        (INSERT, "para_1-2", BEFORE, "Parties consult artists."),
        (INSERT, "para_1-2", AFTER, "Parties publish reports."),
    ]
    assert [c.new_number.replace("\u00a0", " ") for c in result.changes] == ["1.2 A", "1.2 bis"]


def test_bis_after_a_clause_with_children_goes_after_the_clause_it_names():
    """A "2 bis" typed after 2.2 follows 2 and what 2 contains: it is inserted after 2."""
    markup = Markup(exported())
    markup.insert("2.2", "2 bis\tParties evaluate the measures.")
    result = read_marked_up(markup.save())
    assert summary(result.changes) == [(INSERT, "para_2", AFTER, "Parties evaluate the measures.")]


def test_a_split_clause_is_a_replacement_and_an_insertion():
    markup = Markup(exported())
    first = markup.paragraph("1.2")
    markup.rewrite(
        first,
        [
            ("=", "1.2\tParties support the development of digital skills"),
            ("-", " and report on it every four years."),
            ("+", "."),
        ],
    )
    markup.mark(first, "+")
    # Word splits a paragraph by inserting a paragraph mark: the second half keeps the
    # original mark.
    second = OxmlElement("w:p")
    second.append(copy.deepcopy(first._p.pPr))
    second.pPr.remove(second.pPr.find(qn("w:rPr")))
    first._p.addnext(second)
    markup.rewrite(
        Paragraph(second, first._parent),
        [("+", "1.2 bis\tParties report on it every four years.")],
    )
    result = read_marked_up(markup.save())
    assert summary(result.changes) == [
        (REPLACE, "para_1-2", "", "Parties support the development of digital skills."),
        (INSERT, "para_1-2", AFTER, "Parties report on it every four years."),
    ]


def test_two_merged_clauses_are_a_replacement_and_a_deletion():
    markup = Markup(exported())
    first = markup.paragraph("2.1")
    markup.rewrite(
        first, [("=", "2.1\tIncluding artificial intelligence"), ("-", "."), ("+", " and")]
    )
    markup.mark(first, "-")
    markup.rewrite(markup.paragraph("2.2"), [("-", "2.2\tIncluding"), ("=", " data.")])
    result = read_marked_up(markup.save())
    assert summary(result.changes) == [
        (REPLACE, "para_2-1", "", "Including artificial intelligence and data."),
        (DELETE, "para_2-2", "", ""),
    ]


def test_a_comment_on_a_changed_clause_is_its_justification():
    markup = Markup(exported())
    runs = markup.replace("1.", "recognise", "cherish")
    markup.comment(runs[0], "Cherish is warmer.")
    inserted = markup.insert("3.", "4.\tParties meet every year.")
    markup.comment(inserted, "A yearly meeting keeps the work going.")
    result = read_marked_up(markup.save())
    assert [(c.eid, c.comments) for c in result.changes] == [
        ("para_1", ("Cherish is warmer.",)),
        ("para_3", ("A yearly meeting keeps the work going.",)),
    ]
    assert result.warnings == []


def test_a_comment_on_an_unchanged_clause_is_a_warning_not_an_amendment():
    markup = Markup(exported())
    markup.replace("1.", "recognise", "cherish")
    markup.comment_on("1.3", "We like this one.")
    result = read_marked_up(markup.save())
    assert summary(result.changes) == [
        (REPLACE, "para_1", "", "Parties cherish the diversity of cultural expressions.")
    ]
    assert result.changes[0].comments == ()
    assert len(result.warnings) == 1
    assert "We like this one." in result.warnings[0]
    assert "not on a changed clause" in result.warnings[0]


def test_a_changed_heading_is_a_warning_not_an_amendment():
    markup = Markup(exported())
    markup.replace("Measures", "Measures", "Policies and measures")
    result = read_marked_up(markup.save())
    assert result.changes == []
    assert len(result.warnings) == 1
    assert "'Measures'" in result.warnings[0]
    assert "'Policies and measures'" in result.warnings[0]
    assert "headings are not amended" in result.warnings[0]


def test_a_file_without_tracked_changes_is_refused():
    with pytest.raises(ImportFailure, match="no tracked changes"):
        read_marked_up(exported())
    with pytest.raises(ImportFailure, match="not a Word document"):
        read_marked_up(b"just text")


# --- database fixtures -----------------------------------------------------------------------


def open_window(edition: Edition) -> AmendmentWindow:
    now = timezone.now()
    return AmendmentWindow.objects.create(
        edition=edition,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=1),
    )


def export_of(edition: Edition) -> bytes:
    """The edition's plain Word export, as the upload page invites to download."""
    return to_docx(selectors.edition_export_data(edition=edition))


def adopt(edition, user, secretariat_user, *, eid, operation, text="", position=None):
    """File, submit, screen and adopt an amendment through the services."""
    amendment = services.amendment_create(
        user=user,
        edition=edition,
        clause=Clause.objects.get(edition=edition, eid=eid),
        operation=operation,
        proposed_text=text,
        justification="Because.",
        insert_position=position,
    )
    amendment = services.amendment_submit(
        amendment=amendment, user=user, expected_version=amendment.version
    )
    return decide(amendment, secretariat_user)


def decide(amendment: Amendment, secretariat_user) -> Amendment:
    amendment = services.amendment_screen(
        amendment=amendment, user=secretariat_user, admissible=True, reason=""
    )
    return services.amendment_decide(
        amendment=amendment, user=secretariat_user, outcome="adopted", reason="19.IGC"
    )


def what(amendments) -> set[tuple[str, str, str, str]]:
    return {(a.operation, a.clause.eid, a.insert_position, a.proposed_text) for a in amendments}


def marked_up(edition: Edition) -> bytes:
    """The edition's export with a replacement (commented) in 1 and 3 deleted."""
    markup = Markup(export_of(edition))
    runs = markup.replace("1.", "recognise", "cherish")
    markup.comment(runs[0], "Cherish says more.")
    markup.delete("3.")
    return markup.save()


EXPECTED = {
    ("replace", "para_1", "", "Parties cherish the diversité of cultural expressions."),
    ("delete", "para_3", "", ""),
}


# --- the round trip --------------------------------------------------------------------------


def test_round_trip_of_the_seed(secretariat_user, django_user_model):
    """The seed's adopted amendments, consolidated and exported as tracked changes, read
    back as the same amendments by another organisation."""
    call_command("load_seed", stdout=StringIO())
    base = Edition.objects.get(slug="og-draft-19igc-en")
    adopted = [decide(a, secretariat_user) for a in Amendment.objects.order_by("sequence")]
    assert [(a.number, a.operation, a.insert_position, a.clause.eid) for a in adopted] == [
        ("A-1", "insert", "before", "para_1-2"),
        ("A-2", "delete", "", "para_1-2"),
        ("A-3", "delete", "", "para_2-2-3"),
    ]
    fork, _plan = services.edition_consolidate(
        base=base, user=secretariat_user, slug="og-consolidated", label="Consolidated"
    )
    data = selectors.edition_tracked_docx(base=base, edition=fork)
    party = Organisation.objects.create(name="Testland", kind=Organisation.Kind.PARTY)
    delegate = member(django_user_model, "delegate", party)
    open_window(base)
    result = services.amendments_from_word(
        edition=base, data=data, filename="consolidated.docx", user=delegate
    )
    assert what(result.amendments) == what(adopted)
    assert len(result.amendments) == 3
    assert {(a.proposer, a.status, a.number) for a in result.amendments} == {(party, "draft", "")}
    assert result.warnings == []


def test_round_trip_of_a_made_edition(
    edition, window, ngo_user, other_ngo_user, delegate_user, secretariat_user
):
    adopted = [
        adopt(
            edition,
            ngo_user,
            secretariat_user,
            eid="para_1",
            operation="replace",
            text="Parties cherish the diversity of cultural expressions.",
        ),
        # After 2, and so after 2.1, which 2 contains.
        adopt(
            edition,
            delegate_user,
            secretariat_user,
            eid="para_2",
            operation="insert",
            text="Parties cooperate on digital skills.",
            position="after",
        ),
        adopt(edition, ngo_user, secretariat_user, eid="para_3", operation="delete"),
    ]
    fork, _plan = services.edition_consolidate(
        base=edition, user=secretariat_user, slug="consolidated", label="Consolidated"
    )
    data = selectors.edition_tracked_docx(base=edition, edition=fork)
    result = services.amendments_from_word(
        edition=edition, data=data, filename="consolidated.docx", user=other_ngo_user
    )
    assert what(result.amendments) == what(adopted)
    assert len(result.amendments) == 3
    assert {a.proposer.name for a in result.amendments} == {"Other Federation"}
    # Adopted and consolidated on their own, the new drafts give the same text again.
    again_adopted = [
        decide(
            services.amendment_submit(
                amendment=amendment, user=other_ngo_user, expected_version=amendment.version
            ),
            secretariat_user,
        )
        for amendment in result.amendments
    ]
    again, _plan = services.edition_consolidate(
        base=edition,
        user=secretariat_user,
        slug="again",
        label="Again",
        amendments=again_adopted,
    )
    rows = ["eid", "number", "text"]
    assert list(again.clauses.in_document_order().values_list(*rows)) == list(
        fork.clauses.in_document_order().values_list(*rows)
    )


# --- the service -----------------------------------------------------------------------------


def test_a_member_files_the_changes_as_drafts_of_their_organisation(edition, window, ngo_user):
    result = services.amendments_from_word(
        edition=edition, data=marked_up(edition), filename="markup.docx", user=ngo_user
    )
    assert what(result.amendments) == EXPECTED
    for amendment in result.amendments:
        amendment.refresh_from_db()
        assert amendment.status == Amendment.Status.DRAFT
        assert amendment.number == ""
        assert amendment.proposer.name == "Test Coalition"
        assert amendment.created_by == ngo_user
        assert amendment.edition == edition
        assert amendment.base_text == amendment.clause.text
        assert amendment.base_version == amendment.clause.version
        record = Amendment.history.filter(id=amendment.pk).get()
        assert record.history_user == ngo_user
        assert "markup.docx" in record.history_change_reason
    justifications = {a.clause.eid: a.justification for a in result.amendments}
    assert justifications == {"para_1": "Cherish says more.", "para_3": ""}
    assert result.warnings == []
    assert Amendment.objects.count() == 2


@pytest.mark.parametrize("who", ["secretariat_user", "reader_user"])
def test_those_who_file_nothing_are_refused(edition, window, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied) as error:
        services.amendments_from_word(
            edition=edition, data=marked_up(edition), filename="m.docx", user=user
        )
    assert error.value.args == (services.FILING_NOT_ALLOWED,)
    assert not Amendment.objects.exists()


def test_an_edition_the_user_cannot_see_is_refused(make_edition, ngo_user):
    private = make_edition(TEXT, slug="private-draft", published=False)
    open_window(private)
    with pytest.raises(PermissionDenied) as error:
        services.amendments_from_word(
            edition=private, data=exported(), filename="m.docx", user=ngo_user
        )
    assert error.value.args == (services.EDITION_NOT_VISIBLE,)
    assert not Amendment.objects.exists()


def test_outside_the_window_nothing_is_filed(edition, window, ngo_user):
    data = marked_up(edition)
    window.opens_at = timezone.now() - datetime.timedelta(days=3)
    window.closes_at = timezone.now() - datetime.timedelta(days=2)
    window.save()
    with pytest.raises(ValidationError) as error:
        services.amendments_from_word(edition=edition, data=data, filename="m.docx", user=ngo_user)
    assert error.value.code == services.WINDOW_CLOSED
    window.delete()
    with pytest.raises(ValidationError) as error:
        services.amendments_from_word(edition=edition, data=data, filename="m.docx", user=ngo_user)
    assert error.value.code == services.NO_WINDOW
    assert not Amendment.objects.exists()


def test_an_adopted_edition_takes_no_amendments(make_edition, ngo_user):
    adopted = make_edition(TEXT, slug="adopted-text", status=Edition.Status.ADOPTED)
    open_window(adopted)
    markup = Markup(export_of(adopted))
    markup.replace("1.", "recognise", "cherish")
    for user, proposer in ((ngo_user, None), (None, Organisation.objects.get(acronym="TC"))):
        with pytest.raises(ValidationError) as error:
            services.amendments_from_word(
                edition=adopted, data=markup.save(), filename="m.docx", user=user, proposer=proposer
            )
        assert error.value.code == services.TARGET_ADOPTED
    assert not Amendment.objects.exists()


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", services.UNREADABLE_FILE, "the file is empty"),
        (b"%PDF-1.7 not a Word file", services.UNREADABLE_FILE, "not a zip package"),
        (None, services.UNREADABLE_FILE, "no tracked changes"),
        ("heading", services.NO_CHANGES, "none that changes a clause"),
    ],
)
def test_a_file_that_proposes_nothing_is_refused(edition, window, ngo_user, data, code, message):
    if data is None:
        data = export_of(edition)
    elif data == "heading":
        markup = Markup(export_of(edition))
        markup.replace("Measures", "Measures", "Policies")
        data = markup.save()
    with pytest.raises(ValidationError) as error:
        services.amendments_from_word(
            edition=edition, data=data, filename="bad.docx", user=ngo_user
        )
    assert error.value.code == code
    assert message in error.value.messages[0]
    assert "bad.docx" in error.value.messages[0]
    assert not Amendment.objects.exists()


def test_a_file_marked_up_on_another_text_is_refused_with_each_clause_listed(
    edition, window, ngo_user, file_amendment, secretariat_user
):
    existing = file_amendment(eid="para_2")
    data = marked_up(edition)
    for eid, text in (("para_1", "Parties value the diversity."), ("para_3", "Parties report.")):
        clause = Clause.objects.get(edition=edition, eid=eid)
        clause_services.clause_update(
            clause=clause,
            user=secretariat_user,
            expected_version=clause.version,
            reason="Editorial",
            text=text,
        )
    with pytest.raises(ValidationError) as error:
        services.amendments_from_word(edition=edition, data=data, filename="m.docx", user=ngo_user)
    assert error.value.code == services.BASE_MISMATCH
    messages = error.value.messages
    assert len(messages) == 3
    assert messages[0].startswith("1: ") and "Parties value the diversity." in messages[0]
    assert messages[1].startswith("3: ") and "Parties report." in messages[1]
    assert "Nothing was filed" in messages[2]
    assert list(Amendment.objects.all()) == [existing]


def test_the_command_line_files_for_a_party_or_an_accredited_ngo_only(
    edition, window, secretariat, party
):
    data = marked_up(edition)
    outsiders = [
        secretariat,
        Organisation.objects.create(name="Unaccredited", kind=Organisation.Kind.NGO),
        Organisation.objects.create(name="A company", kind=Organisation.Kind.OTHER),
        None,
    ]
    for proposer in outsiders:
        with pytest.raises(ValidationError) as error:
            services.amendments_from_word(
                edition=edition, data=data, filename="m.docx", user=None, proposer=proposer
            )
        assert error.value.code == services.ORGANISATION_DOES_NOT_FILE
    assert not Amendment.objects.exists()
    # Without a user the window is not checked: the secretariat records what a Party sent.
    window.delete()
    result = services.amendments_from_word(
        edition=edition, data=data, filename="m.docx", user=None, proposer=party
    )
    assert what(result.amendments) == EXPECTED
    assert {(a.proposer, a.created_by) for a in result.amendments} == {(party, None)}


def test_a_change_the_amendment_checks_refuse_rolls_everything_back(edition, window, ngo_user):
    markup = Markup(export_of(edition))
    markup.replace("1.", "recognise", "cherish")  # fine on its own
    markup.insert("3.", "4.\t")  # a new clause with no text
    with pytest.raises(ValidationError) as error:
        services.amendments_from_word(
            edition=edition, data=markup.save(), filename="m.docx", user=ngo_user
        )
    assert error.value.code == services.TEXT_REQUIRED
    assert error.value.messages[0].startswith("4 (after 3): ")
    assert not Amendment.objects.exists()
    assert not Amendment.history.exists()


# --- the command -----------------------------------------------------------------------------


def run_import(*arguments: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_tracked_changes", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_files_the_drafts(edition, window, ngo, tmp_path):
    path = tmp_path / "marked-up.docx"
    markup = Markup(marked_up(edition))
    markup.comment_on("2.1", "Good as it is.")
    path.write_bytes(markup.save())
    out, err = run_import(str(path), "--edition", edition.slug, "--organisation", "tc")
    assert out.splitlines() == [
        "2 draft amendments of Test Coalition on Revision Draft:",
        "  replace the text 1 (with a justification)",
        "  delete the clause 3",
    ]
    assert "warning: the comment 'Good as it is.' is not on a changed clause" in err
    assert what(Amendment.objects.all()) == EXPECTED
    assert {a.proposer for a in Amendment.objects.all()} == {ngo}
    history = Amendment.history.filter(history_change_reason__contains="marked-up.docx")
    assert history.count() == 2


def test_command_by_id_and_dry_run_writes_nothing(edition, window, ngo, tmp_path):
    path = tmp_path / "m.docx"
    path.write_bytes(marked_up(edition))
    out, _err = run_import(
        str(path), "--edition", edition.slug, "--organisation", str(ngo.pk), "--dry-run"
    )
    assert out.startswith("2 draft amendments of Test Coalition")
    assert "Nothing written (--dry-run)." in out
    assert not Amendment.objects.exists()
    assert not Amendment.history.exists()
    assert not AuditRecord.objects.exists()  # the filings' records rolled back with them


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("edition", "No edition 'no-such-edition'"),
        ("unknown", "No organisation matches 'Nobody'"),
        ("ambiguous", "More than one organisation matches 'TC'"),
        ("secretariat", "Only a Party or an accredited NGO files amendments."),
        ("missing", "cannot read the file"),
        ("unreadable", "cannot be read: the file is not a Word document"),
        ("mismatch", "is not the current text of the clause"),
    ],
)
def test_command_refusals_write_nothing(
    edition, window, ngo, secretariat, secretariat_user, tmp_path, case, message
):
    path = tmp_path / "m.docx"
    path.write_bytes(marked_up(edition))
    edition_slug, organisation = edition.slug, "TC"
    if case == "edition":
        edition_slug = "no-such-edition"
    elif case == "unknown":
        organisation = "Nobody"
    elif case == "ambiguous":
        Organisation.objects.create(name="tc", kind=Organisation.Kind.PARTY)
    elif case == "secretariat":
        organisation = secretariat.name
    elif case == "missing":
        path = tmp_path / "missing.docx"
    elif case == "unreadable":
        path.write_bytes(b"plain text, not a zip")
    elif case == "mismatch":
        clause = Clause.objects.get(edition=edition, eid="para_3")
        clause_services.clause_update(
            clause=clause,
            user=secretariat_user,
            expected_version=clause.version,
            reason="Editorial",
            text="Parties report.",
        )
    with pytest.raises(CommandError, match=re.escape(message)):
        run_import(str(path), "--edition", edition_slug, "--organisation", organisation)
    assert not Amendment.objects.exists()


# --- the upload page -------------------------------------------------------------------------


def upload_url(edition: Edition) -> str:
    return f"/editions/{edition.slug}/word-amendments/"


def upload(client: Client, edition: Edition, data: bytes, name: str = "markup.docx", **extra):
    file = io.BytesIO(data)
    file.name = name
    return client.post(upload_url(edition), {"file": file, **extra})


def test_upload_files_drafts_and_goes_to_the_list(client, edition, window, ngo_user):
    client.force_login(ngo_user)
    page = client.get(upload_url(edition))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    response = upload(client, edition, marked_up(edition))
    assert response.status_code == 302
    assert response["Location"] == f"/amendments/?edition={edition.slug}&status=draft"
    assert what(Amendment.objects.all()) == EXPECTED
    assert {a.created_by for a in Amendment.objects.all()} == {ngo_user}
    listing = client.get(response["Location"])
    assert "2 draft amendments filed from markup.docx" in listing.content.decode()


def test_upload_shows_the_readers_warnings(client, edition, window, ngo_user):
    markup = Markup(marked_up(edition))
    markup.comment_on("2.1", "Good as it is.")
    client.force_login(ngo_user)
    response = upload(client, edition, markup.save())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "is not on a changed clause" in page
    assert "Good as it is." in page


def test_upload_anonymous_is_sent_to_log_in(client, edition, window):
    for response in (client.get(upload_url(edition)), upload(client, edition, b"x")):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={upload_url(edition)}"
    assert not Amendment.objects.exists()


@pytest.mark.parametrize("who", ["secretariat_user", "reader_user"])
def test_upload_by_those_who_file_nothing_is_403(client, edition, window, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(upload_url(edition)).status_code == 403
    assert upload(client, edition, marked_up(edition)).status_code == 403
    assert not Amendment.objects.exists()


def test_upload_to_a_private_edition_is_404_for_outsiders(
    client, make_edition, ngo_user, secretariat_user
):
    private = make_edition(TEXT, slug="private-draft", published=False)
    open_window(private)
    client.force_login(ngo_user)
    assert client.get(upload_url(private)).status_code == 404
    assert upload(client, private, exported()).status_code == 404
    assert client.get("/editions/no-such-edition/word-amendments/").status_code == 404
    # The secretariat sees it (and files nothing).
    client.force_login(secretariat_user)
    assert client.get(upload_url(private)).status_code == 403
    assert not Amendment.objects.exists()


def test_upload_of_a_bad_file_is_400_with_the_reason(client, edition, window, ngo_user):
    client.force_login(ngo_user)
    response = upload(client, edition, b"not a zip at all", name="notes.docx")
    assert response.status_code == 400
    page = response.content.decode()
    assert "notes.docx cannot be read" in page
    assert "not a zip package" in page
    response = upload(client, edition, export_of(edition), name="clean.docx")
    assert response.status_code == 400
    assert "no tracked changes" in response.content.decode()
    assert not Amendment.objects.exists()


def test_upload_marked_up_on_another_text_is_409(
    client, edition, window, ngo_user, secretariat_user
):
    data = marked_up(edition)
    clause = Clause.objects.get(edition=edition, eid="para_1")
    clause_services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=clause.version,
        reason="Editorial",
        text="Parties value the diversity.",
    )
    client.force_login(ngo_user)
    response = upload(client, edition, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "is not the current text of the clause" in page
    assert "Nothing was filed" in page
    assert not Amendment.objects.exists()


def test_upload_without_a_file_is_400(client, edition, window, ngo_user):
    client.force_login(ngo_user)
    response = client.post(upload_url(edition), {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Amendment.objects.exists()


def test_upload_over_the_size_limit_is_400(client, edition, window, ngo_user, monkeypatch):
    data = marked_up(edition)
    monkeypatch.setattr("guidelines.wordfiles.MAX_FILE_BYTES", len(data) - 1)
    client.force_login(ngo_user)
    response = upload(client, edition, data)
    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert not Amendment.objects.exists()
    monkeypatch.setattr("guidelines.wordfiles.MAX_FILE_BYTES", len(data))
    assert upload(client, edition, data).status_code == 302


def test_upload_needs_the_csrf_token(edition, window, ngo_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ngo_user)
    assert upload(client, edition, marked_up(edition)).status_code == 403
    assert not Amendment.objects.exists()
    page = client.get(upload_url(edition))
    token = page.context["csrf_token"]
    response = upload(client, edition, marked_up(edition), csrfmiddlewaretoken=str(token))
    assert response.status_code == 302
    assert Amendment.objects.count() == 2


def test_edition_page_links_the_upload_for_those_who_file_only(
    client, edition, window, ngo_user, delegate_user, secretariat_user, reader_user
):
    link = f'href="{upload_url(edition)}"'
    assert link not in client.get(edition.get_absolute_url()).content.decode()
    for user, shown in (
        (ngo_user, True),
        (delegate_user, True),
        (secretariat_user, False),
        (reader_user, False),
    ):
        client.force_login(user)
        assert (link in client.get(edition.get_absolute_url()).content.decode()) is shown
