"""An edition as Word tracked changes against its base: the writer, the selector, the
``export_edition --against`` command and the download."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from lxml import etree

from amendments import services as amendment_services
from amendments.models import AmendmentWindow
from guidelines import selectors, services
from guidelines.diffing import DiffOp
from guidelines.exporting import EditionData
from guidelines.models import Clause, Edition
from guidelines.tracked import Author, TrackedParagraph, to_tracked_docx
from guidelines.wordfiles import W_NS, parse_view, read_document, view

TEXT = """## Principles

1. Parties recognise the diversity of cultural expressions.

2. Parties support the development of digital skills.

2.1. Including artificial intelligence.

## Measures

3. Parties report every four years.
"""

W = f"{{{W_NS}}}"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WORD_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# --- helpers ------------------------------------------------------------------------------


def document_xml(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read("word/document.xml"))


def changes(root: etree._Element) -> list[etree._Element]:
    """Every tracked change: runs and paragraph marks alike."""
    return [e for e in root.iter(f"{W}ins", f"{W}del")]


def paragraph_text(paragraph: etree._Element) -> str:
    """What a paragraph holds, old and new words alike, tabs as tabs."""
    out = []
    for element in paragraph.iter(f"{W}t", f"{W}delText", f"{W}tab"):
        out.append("\t" if element.tag == f"{W}tab" else element.text or "")
    return "".join(out)


def body_paragraph(root: etree._Element, starts: str) -> etree._Element:
    found = [p for p in root.iter(f"{W}p") if paragraph_text(p).startswith(starts)]
    assert len(found) == 1, [paragraph_text(p) for p in root.iter(f"{W}p")]
    return found[0]


def mark_change(paragraph: etree._Element) -> str | None:
    """The change of the paragraph mark itself ("ins" or "del"), or None."""
    rpr = paragraph.find(f"{W}pPr/{W}rPr")
    if rpr is None:
        return None
    if rpr.find(f"{W}ins") is not None:
        return "ins"
    return "del" if rpr.find(f"{W}del") is not None else None


def word_date(when: datetime.datetime) -> str:
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clause_rows(edition: Edition) -> list[tuple[str, str, str, str]]:
    return list(edition.clauses.in_document_order().values_list("eid", "number", "heading", "text"))


def parsed_rows(data: bytes, side: str) -> list[tuple[str, str, str, str]]:
    parsed, _text = parse_view(read_document(data), side)  # type: ignore[arg-type]
    return [(c.eid, c.number, c.heading, c.text) for c in parsed.clauses]


def open_window(edition: Edition) -> None:
    now = timezone.now()
    AmendmentWindow.objects.create(
        edition=edition,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=1),
    )


def adopt(edition, user, secretariat_user, *, eid, operation, text="", position=None):
    """File, submit, screen and adopt an amendment through the services."""
    amendment = amendment_services.amendment_create(
        user=user,
        edition=edition,
        clause=Clause.objects.get(edition=edition, eid=eid),
        operation=operation,
        proposed_text=text,
        justification="Because.",
        insert_position=position,
    )
    amendment = amendment_services.amendment_submit(
        amendment=amendment, user=user, expected_version=amendment.version
    )
    amendment = amendment_services.amendment_screen(
        amendment=amendment, user=secretariat_user, admissible=True, reason=""
    )
    return amendment_services.amendment_decide(
        amendment=amendment, user=secretariat_user, outcome="adopted", reason="19.IGC"
    )


@pytest.fixture
def base(make_edition) -> Edition:
    edition = make_edition(TEXT, slug="revision-draft")
    open_window(edition)
    return edition


@pytest.fixture
def consolidation(base, ngo_user, delegate_user, secretariat_user):
    """The base with three adopted amendments applied: a replacement (Test Coalition), an
    insertion (Test Coalition) and a deletion (Testland)."""
    replaced = adopt(
        base,
        ngo_user,
        secretariat_user,
        eid="para_1",
        operation="replace",
        text="Parties cherish the diversity of cultural expressions.",
    )
    inserted = adopt(
        base,
        ngo_user,
        secretariat_user,
        eid="para_2-1",
        operation="insert",
        text="Including open data.",
        position="after",
    )
    deleted = adopt(base, delegate_user, secretariat_user, eid="para_3", operation="delete")
    fork, _plan = amendment_services.edition_consolidate(
        base=base, user=secretariat_user, slug="consolidated", label="Consolidated text"
    )
    return fork, {"replaced": replaced, "inserted": inserted, "deleted": deleted}


# --- the writer -----------------------------------------------------------------------------

EDITION_DATA = EditionData(
    instrument="test-instrument",
    slug="test",
    label="Test edition",
    language="en",
    status="working",
    completeness="complete",
    title="Test edition",
    subtitle="",
    clauses=[],
)
PARIS = ZoneInfo("Europe/Paris")
COALITION = Author("Test Coalition", datetime.datetime(2025, 3, 4, 10, 30, 15, 123, tzinfo=PARIS))
PARTY = Author("Testland", datetime.datetime(2025, 7, 1, 0, 30, tzinfo=PARIS))


def written() -> bytes:
    return to_tracked_docx(
        EDITION_DATA,
        base_label="Base text",
        paragraphs=[
            TrackedParagraph(
                "Clause 1",
                [
                    DiffOp("equal", "1.\tParties "),
                    DiffOp("delete", "recognise"),
                    DiffOp("insert", "cherish"),
                    DiffOp("equal", " diversity."),
                ],
                "equal",
                COALITION,
            ),
            TrackedParagraph("Clause 1", [DiffOp("insert", "2.\tA new clause.")], "insert", PARTY),
            TrackedParagraph(
                "Clause 1", [DiffOp("delete", "3.\tAn old clause.")], "delete", COALITION
            ),
            TrackedParagraph("Clause 1", [DiffOp("equal", "4.\tKept as it was.")], "equal", PARTY),
        ],
    )


def test_writer_marks_insertions_and_deletions_with_unique_ids_authors_and_utc_dates():
    root = document_xml(written())
    tracked = changes(root)
    # 1: one deletion and one insertion; 2: its words and its mark; 3: likewise.
    assert len(tracked) == 6
    ids = [c.get(f"{W}id") for c in tracked]
    assert len(set(ids)) == len(ids) and all(i and i.isdigit() for i in ids)
    first = body_paragraph(root, "1.")
    assert [(c.tag, c.get(f"{W}author")) for c in changes(first)] == [
        (f"{W}del", "Test Coalition"),
        (f"{W}ins", "Test Coalition"),
    ]
    # 10:30:15 in Paris in March is 09:30:15 UTC; the microseconds are dropped.
    assert {c.get(f"{W}date") for c in changes(first)} == {"2025-03-04T09:30:15Z"}
    # Half past midnight in Paris in July is the evening before in UTC.
    second = body_paragraph(root, "2.")
    assert {c.get(f"{W}date") for c in changes(second)} == {"2025-06-30T22:30:00Z"}
    assert {c.get(f"{W}author") for c in changes(second)} == {"Testland"}
    assert all(WORD_DATE.match(c.get(f"{W}date") or "") for c in tracked)
    assert not changes(body_paragraph(root, "4."))


def test_writer_puts_deleted_words_in_deltext_inside_w_del_only():
    root = document_xml(written())
    for deletion in root.iter(f"{W}del"):
        if deletion.getparent().tag == f"{W}rPr":
            continue  # a paragraph mark
        assert deletion.findall(f".//{W}t") == []
        assert deletion.findall(f".//{W}delText")
    for text in root.iter(f"{W}delText"):
        assert any(a.tag == f"{W}del" for a in text.iterancestors())
    for text in root.iter(f"{W}t"):
        assert not any(a.tag == f"{W}del" for a in text.iterancestors())
    deleted = "".join(t.text for t in body_paragraph(root, "1.").iter(f"{W}delText"))
    assert deleted == "recognise"


def test_writer_marks_the_paragraph_marks_of_inserted_and_deleted_paragraphs():
    root = document_xml(written())
    assert mark_change(body_paragraph(root, "1.")) is None
    assert mark_change(body_paragraph(root, "2.")) == "ins"
    assert mark_change(body_paragraph(root, "3.")) == "del"
    assert mark_change(body_paragraph(root, "4.")) is None
    for starts in ("2.", "3."):
        properties = body_paragraph(root, starts).find(f"{W}pPr")
        # The schema's order: the style first, the mark's run properties last.
        assert [e.tag for e in properties] == [f"{W}pStyle", f"{W}rPr"]
        mark = properties.find(f"{W}rPr")[0]
        assert mark.get(f"{W}id") and mark.get(f"{W}author") and mark.get(f"{W}date")
    inserted = body_paragraph(root, "2.")
    # The words of an inserted paragraph are inserted too, not only its mark.
    assert [run.getparent().tag for run in inserted.iter(f"{W}r")] == [f"{W}ins"]


def test_writer_writes_tabs_as_w_tab_in_kept_inserted_and_deleted_runs():
    root = document_xml(written())
    for starts in ("1.", "2.", "3.", "4."):
        paragraph = body_paragraph(root, starts)
        assert len(list(paragraph.iter(f"{W}tab"))) == 1
        assert all("\t" not in (t.text or "") for t in paragraph.iter(f"{W}t", f"{W}delText"))
    tab = next(body_paragraph(root, "3.").iter(f"{W}tab"))
    assert any(a.tag == f"{W}del" for a in tab.iterancestors())


def test_writer_output_reads_back_as_the_old_and_the_new_text():
    document = read_document(written())
    assert document.tracked
    old = [p.text for p in view(document, "old")][-3:]
    new = [p.text for p in view(document, "new")][-3:]
    assert old == ["1.\tParties recognise diversity.", "3.\tAn old clause.", "4.\tKept as it was."]
    assert new == ["1.\tParties cherish diversity.", "2.\tA new clause.", "4.\tKept as it was."]


def test_writer_leaves_out_an_unknown_date_and_names_a_nameless_author():
    data = to_tracked_docx(
        EDITION_DATA,
        base_label="Base",
        paragraphs=[
            TrackedParagraph(
                "Clause 1", [DiffOp("insert", "1.\tNew\x0b text.")], "insert", Author("", None)
            )
        ],
    )
    tracked = changes(document_xml(data))
    assert tracked
    assert all(c.get(f"{W}date") is None for c in tracked)
    assert {c.get(f"{W}author") for c in tracked} == {"Redraft"}
    # A character XML cannot hold is dropped, not fatal.
    assert [p.text for p in view(read_document(data), "new")][-1] == "1.\tNew text."


# --- the selector ---------------------------------------------------------------------------


def test_consolidation_credits_each_change_to_the_proposer_on_the_day_of_adoption(
    base, consolidation
):
    fork, adopted = consolidation
    root = document_xml(selectors.edition_tracked_docx(base=base, edition=fork))
    replaced = body_paragraph(root, "1.")
    assert mark_change(replaced) is None
    assert [(c.tag, "".join(c.itertext())) for c in changes(replaced)] == [
        (f"{W}del", "recognise"),
        (f"{W}ins", "cherish"),
    ]
    when = word_date(adopted["replaced"].decided_at)
    assert {(c.get(f"{W}author"), c.get(f"{W}date")) for c in changes(replaced)} == {
        ("Test Coalition", when)
    }
    inserted = body_paragraph(root, "2.1 bis")
    assert mark_change(inserted) == "ins"
    assert paragraph_text(inserted) == "2.1 bis\tIncluding open data."
    assert {(c.get(f"{W}author"), c.get(f"{W}date")) for c in changes(inserted)} == {
        ("Test Coalition", word_date(adopted["inserted"].decided_at))
    }
    deleted = body_paragraph(root, "3.")
    assert mark_change(deleted) == "del"
    assert paragraph_text(deleted) == "3.\tParties report every four years."
    assert {(c.get(f"{W}author"), c.get(f"{W}date")) for c in changes(deleted)} == {
        ("Testland", word_date(adopted["deleted"].decided_at))
    }
    # What no amendment touched is not a change.
    assert not changes(body_paragraph(root, "2.\t"))
    assert not changes(body_paragraph(root, "2.1\t"))


def test_a_manual_change_is_credited_to_the_edition_and_dated_by_its_history(
    base, consolidation, delegate_user, secretariat_user
):
    fork, adopted = consolidation
    # An amendment that is not adopted: a reason that names it lends no author.
    pending = amendment_services.amendment_create(
        user=delegate_user,
        edition=base,
        clause=Clause.objects.get(edition=base, eid="para_2"),
        operation="replace",
        proposed_text="Parties support the development of digital literacy.",
        justification="Literacy.",
    )
    pending = amendment_services.amendment_submit(
        amendment=pending, user=delegate_user, expected_version=pending.version
    )
    clause = Clause.objects.get(edition=fork, eid="para_2")
    services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=clause.version,
        reason=f"Editorial correction, as {pending.number} suggests",
        text="Parties support the development of digital literacy.",
    )
    changed_on = (
        Clause.history.filter(edition_id=fork.pk, eid="para_2").latest("history_date").history_date
    )
    paragraphs = {
        "".join(op.text for op in p.ops if op.op != "delete").split("\t")[0]: p
        for p in selectors.tracked_changes(base=base, edition=fork)
    }
    assert paragraphs["2."].author == Author("Consolidated text", changed_on)
    assert [op.op for op in paragraphs["2."].ops if op.op != "equal"] == ["delete", "insert"]
    assert paragraphs["1."].author == Author("Test Coalition", adopted["replaced"].decided_at)
    root = document_xml(selectors.edition_tracked_docx(base=base, edition=fork))
    assert {c.get(f"{W}author") for c in changes(body_paragraph(root, "2.\t"))} == {
        "Consolidated text"
    }


def test_a_partial_edition_leaves_out_what_it_does_not_reproduce(base, make_edition):
    partial = make_edition(
        "2. Parties support the development of digital skills and literacy.", slug="partial"
    )
    Edition.objects.filter(pk=partial.pk).update(completeness=Edition.Completeness.PARTIAL)
    partial.refresh_from_db()
    paragraphs = selectors.tracked_changes(base=base, edition=partial)
    assert [p.mark for p in paragraphs] == ["equal"]
    assert [(op.op, op.text.strip()) for op in paragraphs[0].ops if op.op != "equal"] == [
        ("insert", "and literacy")
    ]
    root = document_xml(selectors.edition_tracked_docx(base=base, edition=partial))
    assert not [p for p in root.iter(f"{W}p") if mark_change(p)]
    assert "report every four years" not in "".join(root.itertext())
    # The same text as a complete edition: what it lacks is deleted.
    Edition.objects.filter(pk=partial.pk).update(completeness=Edition.Completeness.COMPLETE)
    partial.refresh_from_db()
    marks = [p.mark for p in selectors.tracked_changes(base=base, edition=partial)]
    assert marks.count("delete") == 5  # two headings, 1, 2.1 and 3


def test_a_partial_consolidation_shows_what_its_history_deleted(base, ngo_user, secretariat_user):
    Edition.objects.filter(pk=base.pk).update(completeness=Edition.Completeness.PARTIAL)
    base.refresh_from_db()
    adopt(base, ngo_user, secretariat_user, eid="para_3", operation="delete")
    fork, _plan = amendment_services.edition_consolidate(
        base=base, user=secretariat_user, slug="consolidated", label="Consolidated"
    )
    assert fork.completeness == Edition.Completeness.PARTIAL
    root = document_xml(selectors.edition_tracked_docx(base=base, edition=fork))
    deleted = [paragraph_text(p) for p in root.iter(f"{W}p") if mark_change(p) == "del"]
    assert deleted == ["3.\tParties report every four years."]
    assert not [p for p in root.iter(f"{W}p") if mark_change(p) == "ins"]


def test_tracked_changes_are_refused_across_languages_and_against_itself(base, make_edition):
    french = make_edition("1. Les Parties reconnaissent.", slug="french", language="fr")
    with pytest.raises(ValidationError) as error:
        selectors.tracked_changes(base=french, edition=base)
    assert error.value.code == selectors.LANGUAGES_DIFFER
    with pytest.raises(ValidationError) as error:
        selectors.edition_tracked_docx(base=base, edition=french)
    assert error.value.code == selectors.LANGUAGES_DIFFER
    with pytest.raises(ValidationError) as error:
        selectors.edition_tracked_docx(base=base, edition=base)
    assert error.value.code == selectors.SAME_EDITION


# --- the command ----------------------------------------------------------------------------


def test_export_command_against_a_base_writes_the_base_as_old_and_the_edition_as_new(
    base, consolidation, tmp_path
):
    fork, _adopted = consolidation
    output = tmp_path / "tracked.docx"
    err = io.StringIO()
    call_command(
        "export_edition",
        fork.slug,
        "--format",
        "docx",
        "--against",
        base.slug,
        "-o",
        str(output),
        stderr=err,
    )
    assert f"Wrote {output}" in err.getvalue()
    data = output.read_bytes()
    assert read_document(data).tracked
    assert parsed_rows(data, "old") == clause_rows(base)
    assert parsed_rows(data, "new") == clause_rows(fork)
    assert clause_rows(base) != clause_rows(fork)
    texts = [p.text for p in view(read_document(data), "old")]
    assert "3.\tParties report every four years." in texts
    assert "3.\tParties report every four years." not in [
        p.text for p in view(read_document(data), "new")
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "md", "--against", "revision-draft"], "--against needs --format docx"),
        (["--format", "docx", "--against", "no-such-edition"], "No edition 'no-such-edition'"),
        (["--format", "docx", "--against", "french"], "different languages"),
        (["--format", "docx", "--against", "consolidated"], "no changes against itself"),
    ],
)
def test_export_command_against_refusals(
    base, consolidation, make_edition, tmp_path, arguments, message
):
    make_edition("1. Les Parties reconnaissent.", slug="french", language="fr")
    output = tmp_path / "out.docx"
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_edition", "consolidated", *arguments, "-o", str(output))
    assert not output.exists()


# --- the download ---------------------------------------------------------------------------


def export_url(edition: Edition, fmt: str = "docx", against: str = "") -> str:
    url = f"/editions/{edition.slug}/export.{fmt}"
    return f"{url}?against={against}" if against else url


def test_download_against_a_base(client, base, consolidation, secretariat_user):
    fork, _adopted = consolidation
    client.force_login(secretariat_user)
    response = client.get(export_url(fork, against=base.slug))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="consolidated-against-revision-draft.docx"'
    )
    assert parsed_rows(response.content, "old") == clause_rows(base)
    assert parsed_rows(response.content, "new") == clause_rows(fork)
    # Without ?against: the plain export, no tracked change.
    plain = client.get(export_url(fork))
    assert plain["Content-Disposition"] == 'attachment; filename="consolidated.docx"'
    assert not read_document(plain.content).tracked


def test_download_of_a_private_edition_or_against_a_private_base_is_404_for_outsiders(
    client, base, consolidation, make_edition, ngo_user, secretariat_user
):
    fork, _adopted = consolidation  # a working draft: the secretariat's
    private = make_edition(TEXT, slug="private-draft", published=False)
    assert base.published and not fork.published
    for user in (None, ngo_user):
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(export_url(fork, against=base.slug)).status_code == 404
        assert client.get(export_url(base, against=private.slug)).status_code == 404
        assert client.get(export_url(base, against=fork.slug)).status_code == 404
    client.force_login(secretariat_user)
    assert client.get(export_url(base, against=private.slug)).status_code == 200


def test_download_across_languages_is_400_and_other_formats_against_a_base_404(
    client, base, make_edition
):
    french = make_edition("1. Les Parties reconnaissent.", slug="french", language="fr")
    response = client.get(export_url(base, against=french.slug))
    assert response.status_code == 400
    assert "different languages" in response.content.decode()
    assert client.get(export_url(base, against=base.slug)).status_code == 400
    assert client.get(export_url(base, "md", against=french.slug)).status_code == 404
    assert client.get(export_url(base, "md")).status_code == 200


def test_download_keeps_markup_characters_as_text(client, base, secretariat_user):
    fork = services.edition_fork(base=base, user=secretariat_user, slug="fork", label="Fork")
    clause = Clause.objects.get(edition=fork, eid="para_1")
    hostile = 'Parties <script>alert("x")</script> & <b>friends</b> recognise it.'
    services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=clause.version,
        reason="Test",
        text=hostile,
    )
    client.force_login(secretariat_user)
    response = client.get(export_url(fork, against=base.slug))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        raw = package.read("word/document.xml").decode()
    assert "<script>" not in raw and "<b>" not in raw
    assert "&lt;script&gt;" in raw and "&amp;" in raw
    root = etree.fromstring(raw.encode())
    assert root.find(f".//{W}script") is None
    new = [p.text for p in view(read_document(response.content), "new")]
    assert f"1.\t{hostile}" in new
    old = [p.text for p in view(read_document(response.content), "old")]
    assert "1.\tParties recognise the diversity of cultural expressions." in old
