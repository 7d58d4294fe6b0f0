"""The comparison page /compare/<a>/<b>/: rows, word diffs, filters, annotations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from hypothesis import given
from hypothesis import strategies as st

from amendments import services as amendment_services
from amendments.models import Amendment
from guidelines import selectors, services
from guidelines.diffing import word_diff
from guidelines.importing import parse
from guidelines.models import Clause, ClauseCorrespondence, Edition
from guidelines.synthetic import synthetic_text
from positions import services as position_services
from positions.models import Organisation
from tests.amendments.conftest import member, open_window

pytestmark = pytest.mark.django_db

# --- reading the rendered page ---------------------------------------------------------


@dataclass
class Cell:
    text: str = ""  # what a sighted reader sees: <ins> as {+…+}, <del> as [-…-]
    inserted: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass
class Row:
    id: str
    classes: list[str]
    cells: list[Cell] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return next(c.removeprefix("kind-") for c in self.classes if c.startswith("kind-"))

    @property
    def unchanged(self) -> bool:
        return "unchanged" in self.classes

    @property
    def a(self) -> Cell:
        return self.cells[0]

    @property
    def b(self) -> Cell:
        return self.cells[1]

    @property
    def notes(self) -> Cell:
        return self.cells[2]


class RowReader(HTMLParser):
    """The rows of the comparison table (``tr[id]``) or of the projector (``.slide``),
    each cut into its cells; the screen-reader spans are left out."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.cell: Cell | None = None
        self.cell_tag = ""
        self.cell_depth = 0
        self.hidden_depth = 0  # inside a .sr-only span
        self.marks: list[str] = []  # open ins/del
        self.chunks: list[str] = []
        self.in_row = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if (tag == "tr" and attributes.get("id")) or (tag == "section" and "slide" in classes):
            self.rows.append(Row(attributes["id"] or "", classes))
            self.in_row = True
            return
        if not self.in_row:
            return
        if self.cell is None and (
            tag == "td" or (tag == "div" and any(c.startswith("slide-") for c in classes))
        ):
            self.cell, self.cell_tag, self.cell_depth = Cell(), tag, 0
            self.rows[-1].cells.append(self.cell)
            return
        if self.cell is None:
            return
        if tag == self.cell_tag:
            self.cell_depth += 1
        if tag in ("p", "div"):
            self.cell.text += " "  # paragraphs read apart
        if self.hidden_depth:
            self.hidden_depth += tag == "span"
            return
        if tag == "span" and "sr-only" in classes:
            self.hidden_depth = 1
        elif tag in ("ins", "del"):
            self.marks.append(tag)
            self.chunks = []
            self.cell.text += "{+" if tag == "ins" else "[-"
        elif tag == "a" and attributes.get("href"):
            self.cell.links.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("tr", "section"):
            self.in_row = False
        if self.cell is None:
            return
        if self.hidden_depth:
            self.hidden_depth -= tag == "span"
            return
        if tag in ("ins", "del") and self.marks:
            self.marks.pop()
            chunk = "".join(self.chunks)
            (self.cell.inserted if tag == "ins" else self.cell.deleted).append(chunk)
            self.cell.text += "+}" if tag == "ins" else "-]"
        elif tag == self.cell_tag:
            if self.cell_depth:
                self.cell_depth -= 1
            else:
                # ASCII white space only: a no-break space is the text's own.
                self.cell.text = re.sub(r"[ \t\n\r]+", " ", self.cell.text).strip()
                self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.hidden_depth:
            self.cell.text += data
            if self.marks:
                self.chunks.append(data)


def rows_of(response) -> dict[str, Row]:
    reader = RowReader()
    reader.feed(response.content.decode())
    reader.close()
    ids = [r.id for r in reader.rows]
    assert len(ids) == len(set(ids)), f"row ids are not unique: {ids}"
    return {r.id: r for r in reader.rows}


def table_of(response) -> str:
    content = response.content.decode()
    start = content.index('<table class="compare">')
    return content[start : content.index("</table>", start)]


def toggle_href(response) -> str:
    """The href of the summary's "Hide unchanged rows"/"Show all rows" link."""
    content = response.content.decode()
    for label in ("Hide unchanged rows", "Show all rows"):
        end = content.find(f">{label}</a>")
        if end >= 0:
            start = content.rindex('<a href="', 0, end) + len('<a href="')
            return content[start : content.index('"', start)]
    raise AssertionError("no toggle link")


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href.replace("&amp;", "&")).query)


@pytest.fixture(autouse=True)
def empty_cache():
    """Diffs are cached by text hashes: a test must not read another test's diffs."""
    cache.clear()
    yield
    cache.clear()


# --- 1. The rendered diff gives back both texts ------------------------------------------

WORDS = [
    "œuvre",
    "oeuvre",
    "Œuvres",
    "créateurs",
    "créatrices",
    "diversité",
    "l’",
    "d’",
    "l'",
    "qu’",
    "à",
    "où",
    "être",
    "e\u0301té",  # decomposed é
    "Parties",
    "numérique",
    "«\u00a0culture\u00a0»",
    "«",
    "»",
    "<script>alert(1)</script>",
    "&amp;",
    "&",
    "<b>",
    '"',
    "'",
    "14.6",
]
SEPARATORS = [" ", "  ", "\u00a0", "\u202f", "\u00a0;", " ;", ";", ",", ".", " : ", "\n", " – "]


@st.composite
def french_pair(draw: st.DrawFn) -> tuple[str, str]:
    """Two related French texts: B is A with words deleted, inserted and replaced."""
    token = st.one_of(st.sampled_from(WORDS), st.sampled_from(SEPARATORS))
    a_tokens = draw(st.lists(token, max_size=30))
    b_tokens: list[str] = []
    for item in a_tokens:
        edit = draw(st.sampled_from(["keep", "keep", "keep", "drop", "replace", "insert"]))
        if edit == "keep":
            b_tokens.append(item)
        elif edit == "replace":
            b_tokens.append(draw(token))
        elif edit == "insert":
            b_tokens += [item, draw(token)]
    b_tokens += draw(st.lists(token, max_size=3))
    return "".join(a_tokens), "".join(b_tokens)


class DiffReader(HTMLParser):
    """Text outside <ins> (A) and outside <del> (B), screen-reader spans left out."""

    def __init__(self) -> None:
        super().__init__()  # convert_charrefs: data arrives unescaped
        self.a: list[str] = []
        self.b: list[str] = []
        self.inside: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ("ins", "del", "span"), f"unexpected <{tag}> in the diff"
        if tag == "span":
            assert self.hidden or ("class", "sr-only") in attrs
            self.hidden += 1
        else:
            assert not self.inside and not self.hidden, "nested <ins>/<del>"
            self.inside.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self.hidden -= 1
        else:
            assert self.inside.pop() == tag

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if "ins" not in self.inside:
            self.a.append(data)
        if "del" not in self.inside:
            self.b.append(data)


def texts_of_rendered_diff(html: str) -> tuple[str, str]:
    reader = DiffReader()
    reader.feed(html)
    reader.close()
    assert not reader.inside and not reader.hidden
    return "".join(reader.a), "".join(reader.b)


@given(french_pair())
def test_rendered_diff_gives_back_both_texts(pair):
    a, b = pair
    rendered = render_to_string("guidelines/_diff.html", {"ops": word_diff(a, b)})
    # The template file ends with a newline, written after the last operation.
    assert rendered.endswith("\n")
    assert texts_of_rendered_diff(rendered[:-1]) == (a, b)


@given(st.text(max_size=80), st.text(max_size=80))
def test_rendered_diff_gives_back_any_unicode(a, b):
    rendered = render_to_string("guidelines/_diff.html", {"ops": word_diff(a, b)})
    assert rendered.endswith("\n")
    assert texts_of_rendered_diff(rendered[:-1]) == (a, b)


def test_rendered_diff_marks_words_for_screen_readers_too():
    rendered = render_to_string(
        "guidelines/_diff.html", {"ops": word_diff("l’œuvre des artistes", "l’œuvre des auteurs")}
    )
    assert rendered == (
        "l’œuvre des "
        '<del class="diff-del"><span class="sr-only">[deleted: </span>artistes'
        '<span class="sr-only">]</span></del>'
        '<ins class="diff-ins"><span class="sr-only">[inserted: </span>auteurs'
        '<span class="sr-only">]</span></ins>\n'
    )


# --- 2. What each kind of row looks like ---------------------------------------------------


def compare(client, a: Edition | str, b: Edition | str, query: str = ""):
    slug_a = a if isinstance(a, str) else a.slug
    slug_b = b if isinstance(b, str) else b.slug
    return client.get(f"/compare/{slug_a}/{slug_b}/" + (f"?{query}" if query else ""))


def test_renumbered_clause_shows_its_old_number_and_no_diff(client, make_edition):
    a = make_edition(
        "1. Parties protect the diversity of cultural expressions.\n\n"
        "2. Parties report every four years on the measures taken.\n",
        slug="a",
    )
    b = make_edition(
        "1. Public broadcasting services reach remote islands.\n\n"
        "2. Parties protect the diversity of cultural expressions.\n\n"
        "3. Parties report every four years on the measures taken.\n",
        slug="b",
    )
    response = compare(client, a, b)
    assert response.status_code == 200
    rows = rows_of(response)
    assert list(rows) == ["para_1", "para_2", "para_3"]
    renumbered = rows["para_2"]
    assert renumbered.kind == "renumbered"
    assert not renumbered.unchanged
    assert "(was 1)" in renumbered.b.text
    assert "(was 2)" in rows["para_3"].b.text
    assert renumbered.b.inserted == renumbered.b.deleted == []
    assert renumbered.a.links == ["/editions/a/para_1/"]
    assert "/editions/b/para_2/" in renumbered.b.links
    assert rows["para_1"].kind == "new"


def test_modified_clause_is_diffed_word_by_word_in_the_b_cell(client, make_edition):
    a = make_edition("1. Parties shall support artists in the digital environment.", slug="a")
    b = make_edition(
        "1. Parties should support artists and creators in the digital environment.", slug="b"
    )
    row = rows_of(compare(client, a, b))["para_1"]
    assert row.kind == "modified"
    assert row.b.deleted == ["shall"]
    assert row.b.inserted == ["should", "and creators "]
    assert row.b.text.endswith(
        "Parties [-shall-]{+should+} support artists {+and creators +}in the digital environment."
    )
    assert row.a.text == "1 Parties shall support artists in the digital environment."
    assert row.a.inserted == row.a.deleted == []
    assert "(was" not in row.b.text


SPLIT_A = (
    "1. Parties support artists and creators in the digital environment. "
    "Parties report every four years on the measures taken.\n\n"
    "2. Alpha beta gamma delta.\n\n"
    "3. Epsilon zeta eta theta.\n"
)
SPLIT_B = (
    "1. Parties support artists and creators in the digital environment.\n\n"
    "2. Parties report every four years on the measures taken.\n\n"
    "3. Alpha beta gamma delta. Epsilon zeta eta theta.\n"
)


def test_split_clause_stands_beside_each_of_its_parts(client, make_edition):
    a, b = make_edition(SPLIT_A, slug="a"), make_edition(SPLIT_B, slug="b")
    rows = rows_of(compare(client, a, b))
    first, second = rows["para_1"], rows["para_2"]
    assert (first.kind, second.kind) == ("split", "split")
    for row in (first, second):
        assert row.a.links == ["/editions/a/para_1/"]
    assert first.b.deleted == [" Parties report every four years on the measures taken."]
    assert second.b.deleted == ["Parties support artists and creators in the digital environment. "]
    assert "(was 1)" in second.b.text


def test_merged_clauses_stand_on_one_row(client, make_edition):
    a, b = make_edition(SPLIT_A, slug="a"), make_edition(SPLIT_B, slug="b")
    rows = rows_of(compare(client, a, b))
    merged = rows["para_3"]
    assert merged.kind == "merged"
    assert merged.a.links == ["/editions/a/para_2/", "/editions/a/para_3/"]
    assert "Alpha beta gamma delta." in merged.a.text
    assert "Epsilon zeta eta theta." in merged.a.text
    assert not any(r.startswith("a-") for r in rows)  # neither A clause stands alone


def test_merge_is_a_change_even_when_the_words_are_kept(client, make_edition):
    """Two clauses became one: "changed rows only" must not hide that."""
    a, b = make_edition(SPLIT_A, slug="a"), make_edition(SPLIT_B, slug="b")
    assert not rows_of(compare(client, a, b))["para_3"].unchanged
    assert "para_3" in rows_of(compare(client, a, b, "changed=on"))


THREE = (
    "1. Parties support artists and creators.\n\n"
    "2. Remuneration shall be fair and transparent.\n\n"
    "3. Parties report every four years.\n"
)


def test_new_clause_is_inserted(client, make_edition):
    a = make_edition(THREE, slug="a")
    b = make_edition(THREE + "\n4. Generative models need transparency obligations.\n", slug="b")
    row = rows_of(compare(client, a, b))["para_4"]
    assert row.kind == "new"
    assert row.b.inserted == ["Generative models need transparency obligations."]
    assert row.b.deleted == []
    assert row.a.text == "—"


def test_clause_only_in_a_complete_b_is_deleted(client, make_edition):
    a = make_edition(THREE, slug="a")
    b = make_edition(THREE.split("\n\n3.")[0] + "\n", slug="b")
    response = compare(client, a, b)
    rows = rows_of(response)
    assert list(rows) == ["para_1", "para_2", "a-para_3"]
    row = rows["a-para_3"]
    assert row.kind == "deleted"
    assert row.b.deleted == ["Parties report every four years."]
    assert row.a.links == ["/editions/a/para_3/"]
    assert "not known" not in table_of(response)


def make_partial(text: str, *, slug: str, language: str = "en") -> Edition:
    return services.edition_import(
        parsed=parse(text),
        instrument_slug="test-instrument",
        slug=slug,
        label=slug.title(),
        language=language,
        completeness=Edition.Completeness.PARTIAL,
        published=True,
        reason="test",
    ).edition


def test_partial_b_leaves_a_only_clauses_not_known_never_deleted(client, make_edition):
    a = make_edition(THREE, slug="a")
    b = make_partial("2. Remuneration shall be fair and transparent.\n", slug="partial")
    response = compare(client, a, b)
    rows = rows_of(response)
    # A's clauses stand where they stood around the one B knows.
    assert list(rows) == ["a-para_1", "para_2", "a-para_3"]
    for eid in ("a-para_1", "a-para_3"):
        assert rows[eid].kind == "not_known"
        assert "Not known" in rows[eid].b.text
        assert rows[eid].b.deleted == []
    assert rows["para_2"].kind == "same"
    content = response.content.decode()
    assert "The second edition is partial" in content
    assert "deleted" not in table_of(response).replace("[deleted:", "")
    assert '<li class="kind-deleted">' not in content
    assert '<li class="kind-not_known"><strong>2</strong> not known</li>' in content


def test_across_languages_texts_stand_side_by_side_unmatched(client, make_edition):
    a = make_edition(
        "1. Les Parties soutiennent les artistes.\n\n2. La rémunération est juste.\n",
        slug="fr",
        language="fr",
    )
    b = make_edition(
        "1. Parties support artists.\n\n2. Remuneration is fair.\n\n3. A new idea.\n",
        slug="en",
        language="en",
    )
    response = compare(client, a, b)
    table = table_of(response)
    assert "<ins" not in table and "<del" not in table
    assert "different languages" in response.content.decode()
    rows = rows_of(response)
    assert list(rows) == ["para_1", "para_2", "para_3", "a-para_1", "a-para_2"]
    for row in rows.values():
        assert row.kind == "unmatched"
        assert "not matched" in row.b.text.casefold()
    assert "Parties support artists." in rows["para_1"].b.text
    assert 'lang="fr"' in table and 'lang="en"' in table


def test_across_languages_a_match_by_hand_puts_both_on_one_row(client, make_edition):
    a = make_edition("1. Les Parties soutiennent les artistes.\n", slug="fr", language="fr")
    b = make_edition("1. Parties support artists.\n", slug="en", language="en")
    ClauseCorrespondence.objects.create(
        edition_a=a,
        edition_b=b,
        source=Clause.objects.get(edition=a, eid="para_1"),
        target=Clause.objects.get(edition=b, eid="para_1"),
        kind=ClauseCorrespondence.Kind.SAME,
        method=ClauseCorrespondence.Method.MANUAL,
        confirmed=True,
    )
    response = compare(client, a, b)
    rows = rows_of(response)
    assert list(rows) == ["para_1"]
    assert "Les Parties soutiennent les artistes." in rows["para_1"].a.text
    assert "Parties support artists." in rows["para_1"].b.text
    assert "<ins" not in table_of(response) and "<del" not in table_of(response)


def test_fork_is_matched_by_eid_and_only_the_edited_clause_changes(
    client, make_edition, secretariat_user
):
    base = make_edition(THREE, slug="base")
    fork = services.edition_fork(base=base, user=secretariat_user, slug="fork", label="Fork")
    clause = Clause.objects.get(edition=fork, eid="para_2")
    # Words that share nothing with the old ones: matched by words, this would be a
    # deletion and a new clause.
    services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=1,
        reason="Rewrite",
        text="Creators receive equitable payment.",
    )
    client.force_login(secretariat_user)  # the fork is not published
    response = compare(client, base, fork)
    rows = rows_of(response)
    assert list(rows) == ["para_1", "para_2", "para_3"]
    assert rows["para_2"].kind == "modified"
    assert rows["para_2"].b.deleted == ["Remuneration shall be fair and transparent"]
    assert rows["para_2"].b.inserted == ["Creators receive equitable payment"]
    for eid in ("para_1", "para_3"):
        assert (rows[eid].kind, rows[eid].unchanged) == ("same", True)
        assert rows[eid].b.inserted == rows[eid].b.deleted == []
    assert "matched by their identifiers" in response.content.decode()


def test_stored_correspondences_take_precedence_over_the_proposal(
    client, make_edition, secretariat_user
):
    a = make_edition("1. The old wording of the rule.\n", slug="a")
    b = make_edition("1. Totally rewritten provision text.\n", slug="b")
    # On the fly, nothing in common: deleted and new.
    rows = rows_of(compare(client, a, b))
    assert {r.id: r.kind for r in rows.values()} == {"para_1": "new", "a-para_1": "deleted"}
    services.editions_align(a=a, b=b, user=secretariat_user)
    assert {r.id: r.kind for r in rows_of(compare(client, a, b)).values()} == {
        "para_1": "new",
        "a-para_1": "deleted",
    }
    # The secretariat decides by hand that they are the same provision.
    ClauseCorrespondence.objects.filter(edition_a=a, edition_b=b, kind="deleted").delete()
    correspondence = ClauseCorrespondence.objects.get(edition_a=a, edition_b=b, kind="new")
    correspondence.source = Clause.objects.get(edition=a, eid="para_1")
    correspondence.kind = ClauseCorrespondence.Kind.MODIFIED
    correspondence.method = ClauseCorrespondence.Method.MANUAL
    correspondence.confirmed = True
    correspondence.save()
    response = compare(client, a, b)
    rows = rows_of(response)
    assert list(rows) == ["para_1"]
    assert rows["para_1"].kind == "modified"
    assert rows["para_1"].a.links == ["/editions/a/para_1/"]
    assert rows["para_1"].b.deleted and rows["para_1"].b.inserted
    assert "a proposal, not yet confirmed" not in response.content.decode()


def test_projector_view_has_every_row_and_flags_the_editions(client, make_edition):
    a = make_edition(THREE, slug="a")
    b = make_partial("2. Remuneration shall be fair and transparent.\n", slug="partial")
    response = compare(client, a, b, "mode=projector&changed=on")
    assert response.status_code == 200
    rows = rows_of(response)
    assert list(rows) == ["a-para_1", "a-para_3"]  # B's 2 is unchanged
    assert "Not known" in rows["a-para_1"].cells[0].text  # the B part comes first
    content = response.content.decode()
    assert 'href="?changed=on">Back to the table</a>' in content
    # As on the table: a heading, and B flagged partial wherever it is shown.
    assert "<h1>" in content
    assert 'class="badge badge-partial"' in content
    assert "The second edition is partial" in content


def test_projector_view_across_languages_says_so(client, make_edition):
    a = make_edition("1. Les Parties soutiennent les artistes.\n", slug="fr", language="fr")
    b = make_edition("1. Parties support artists.\n", slug="en", language="en")
    content = compare(client, a, b, "mode=projector").content.decode()
    assert "different languages" in content
    assert "<ins" not in content and "<del" not in content


# --- 3. Filters and options in the URL ---------------------------------------------------

A_TEXT = """## Principles

1. Parties support artists and creators in the digital environment.

2. Remuneration of creators shall be fair and transparent.

3. Parties report every four years on the measures taken.

4. The secretariat publishes the reports online.
"""
B_TEXT = """## Principles

1. Parties support artists and creators in the digital environment.

2. Remuneration of creators shall be fair, transparent and timely.

3. Parties report every four years on the measures they have taken.

4. The secretariat publishes the reports online.
"""


@dataclass
class Annotated:
    a: Edition
    b: Edition
    support: int  # TC supports A's 1
    oppose: int  # OF opposes B's 2
    submitted: Amendment  # TC's A-1 on B's 3
    admissible: Amendment  # OF's A-2 on B's 2
    draft: Amendment  # TC's private draft on B's 4


def paper_with(organisation: Organisation, text: str, title: str = "Paper"):
    return position_services.paper_import(
        text=text, organisations=[organisation], title=title, language="en"
    ).paper


def file(user, edition: Edition, eid: str, *, text: str = "Parties cherish diversity."):
    return amendment_services.amendment_create(
        user=user,
        edition=edition,
        clause=Clause.objects.get(edition=edition, eid=eid),
        operation=Amendment.Operation.REPLACE,
        proposed_text=text,
        justification="Say it better.",
    )


def submit(amendment: Amendment, user) -> Amendment:
    return amendment_services.amendment_submit(
        amendment=amendment, user=user, expected_version=amendment.version
    )


@pytest.fixture
def annotated(
    make_edition, ngo, other_ngo, ngo_user, other_ngo_user, secretariat_user
) -> Annotated:
    a = make_edition(A_TEXT, slug="og-a", status=Edition.Status.ADOPTED)
    b = make_edition(B_TEXT, slug="og-b")
    open_window(b)
    tc_paper = paper_with(ngo, "We support artists in the digital environment.")
    of_paper = paper_with(other_ngo, "Timeliness of payment is not for this text.")
    support = position_services.position_create(
        paper=tc_paper,
        stance="support",
        summary="TC welcomes clause 1",
        excerpt="We support artists",
        links=[(Clause.objects.get(edition=a, eid="para_1"), "On artists")],
    )
    oppose = position_services.position_create(
        paper=of_paper,
        stance="oppose",
        summary="OF rejects timeliness",
        excerpt="Timeliness of payment",
        links=[(Clause.objects.get(edition=b, eid="para_2"), "On timeliness")],
    )
    submitted = submit(file(ngo_user, b, "para_3"), ngo_user)
    admissible = amendment_services.amendment_screen(
        amendment=submit(file(other_ngo_user, b, "para_2"), other_ngo_user),
        user=secretariat_user,
        admissible=True,
        reason="",
    )
    draft = file(ngo_user, b, "para_4", text="A private draft of TC.")
    return Annotated(a, b, support.pk, oppose.pk, submitted, admissible, draft)


def notes(rows: dict[str, Row]) -> dict[str, str]:
    return {eid: row.notes.text for eid, row in rows.items() if row.notes.text}


def test_annotations_of_either_clause_stand_in_the_third_column(client, annotated):
    response = compare(client, annotated.a, annotated.b)
    assert response.status_code == 200
    rows = rows_of(response)
    assert notes(rows) == {
        "para_1": "support TC — TC welcomes clause 1 quote",
        "para_2": "oppose OF — OF rejects timeliness quote A-2 admissible replace the text — OF",
        "para_3": "A-1 submitted replace the text — TC",
    }
    assert any(
        link.endswith(f"#position-{annotated.support}") for link in rows["para_1"].notes.links
    )
    assert rows["para_2"].notes.links[-1] == annotated.admissible.get_absolute_url()
    assert rows["para_3"].notes.links == [annotated.submitted.get_absolute_url()]
    content = response.content.decode()
    assert '<span class="badge status-admissible">admissible</span>' in content
    assert '<span class="badge badge-stance badge-oppose">oppose</span>' in content
    assert "<li><strong>1</strong> amendments submitted</li>" in content


def test_amendment_on_a_split_clause_stands_on_each_part_and_counts_once(
    client, make_edition, ngo_user
):
    a, b = make_edition(SPLIT_A, slug="a"), make_edition(SPLIT_B, slug="b")
    open_window(a)
    amendment = submit(file(ngo_user, a, "para_1"), ngo_user)
    response = compare(client, a, b)
    rows = rows_of(response)
    for eid in ("para_1", "para_2"):
        assert rows[eid].notes.links == [amendment.get_absolute_url()]
    assert "<li><strong>1</strong> amendments submitted</li>" in response.content.decode()


@pytest.mark.parametrize("viewer", [None, "other_ngo_user", "secretariat_user", "delegate_user"])
def test_another_organisations_draft_never_appears(client, annotated, request, viewer):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    response = compare(client, annotated.a, annotated.b)
    content = response.content.decode()
    assert annotated.draft.get_absolute_url() not in content
    assert ">draft</a>" not in content
    assert "para_4" not in notes(rows_of(response))


def test_own_draft_appears_to_its_organisation(client, annotated, ngo_user):
    client.force_login(ngo_user)
    rows = rows_of(compare(client, annotated.a, annotated.b))
    assert rows["para_4"].notes.links == [annotated.draft.get_absolute_url()]
    assert rows["para_4"].notes.text.startswith("draft draft")


def test_changed_only_hides_unchanged_rows_and_the_toggle_keeps_the_rest(client, annotated):
    all_rows = rows_of(compare(client, annotated.a, annotated.b, "typography=on"))
    assert list(all_rows) == ["sec_1", "para_1", "para_2", "para_3", "para_4"]
    query = f"changed=on&typography=on&organisation={annotated.submitted.proposer_id}"
    response = compare(client, annotated.a, annotated.b, query)
    rows = rows_of(response)
    assert list(rows) == ["para_3"]  # changed, and TC's amendment on it
    assert "Show all rows" in response.content.decode()
    assert query_of(toggle_href(response)) == {
        "typography": ["on"],
        "organisation": [str(annotated.submitted.proposer_id)],
    }
    response = compare(client, annotated.a, annotated.b, "typography=on&stance=oppose")
    assert query_of(toggle_href(response)) == {
        "typography": ["on"],
        "stance": ["oppose"],
        "changed": ["on"],
    }
    assert list(rows_of(compare(client, annotated.a, annotated.b, "changed=on"))) == [
        "para_2",
        "para_3",
    ]


def test_stance_filter_keeps_the_positions_of_that_stance_and_their_rows(client, annotated):
    rows = rows_of(compare(client, annotated.a, annotated.b, "stance=support"))
    assert notes(rows) == {"para_1": "support TC — TC welcomes clause 1 quote"}
    assert list(rows) == ["para_1"]
    rows = rows_of(compare(client, annotated.a, annotated.b, "stance=oppose"))
    # Amendments have no stance: the admissible one on the same row is left out.
    assert notes(rows) == {"para_2": "oppose OF — OF rejects timeliness quote"}
    assert list(rows) == ["para_2"]


def test_organisation_filter_keeps_that_organisations_annotations(client, annotated, ngo):
    rows = rows_of(compare(client, annotated.a, annotated.b, f"organisation={ngo.pk}"))
    assert list(rows) == ["para_1", "para_3"]
    assert notes(rows) == {
        "para_1": "support TC — TC welcomes clause 1 quote",
        "para_3": "A-1 submitted replace the text — TC",
    }


def test_status_filter_keeps_the_amendments_of_that_status_and_their_rows(client, annotated):
    rows = rows_of(compare(client, annotated.a, annotated.b, "status=admissible"))
    # Positions have no status: OF's position on the same row is left out.
    assert notes(rows) == {"para_2": "A-2 admissible replace the text — OF"}
    assert list(rows) == ["para_2"]
    rows = rows_of(compare(client, annotated.a, annotated.b, "status=submitted"))
    assert notes(rows) == {"para_3": "A-1 submitted replace the text — TC"}
    rows = rows_of(compare(client, annotated.a, annotated.b, "status=rejected"))
    assert rows == {}


def test_filters_with_no_match_say_so(client, annotated):
    response = compare(client, annotated.a, annotated.b, "stance=concern")
    assert response.status_code == 200
    assert rows_of(response) == {}
    assert "No row matches the filters." in response.content.decode()


TYPOGRAPHY_A = (
    '1. La mise en oeuvre de l\'article; "la culture"!\n\n'
    "2. Les Parties soutiennent les artistes.\n"
)
TYPOGRAPHY_B = (
    "1. La mise en œuvre de l’article\u00a0; « la culture »\u00a0!\n\n"
    "2. Les Parties soutiennent les artistes et les créateurs.\n"
)


def test_typography_option_makes_typographic_differences_unchanged(client, make_edition):
    a = make_edition(TYPOGRAPHY_A, slug="a", language="fr")
    b = make_edition(TYPOGRAPHY_B, slug="b", language="fr")
    plain = rows_of(compare(client, a, b))
    assert plain["para_1"].kind == "modified"
    assert plain["para_1"].b.inserted and plain["para_1"].b.deleted
    folded = rows_of(compare(client, a, b, "typography=on"))
    assert (folded["para_1"].kind, folded["para_1"].unchanged) == ("same", True)
    assert folded["para_1"].b.inserted == folded["para_1"].b.deleted == []
    # The B column still quotes B as it is written.
    assert folded["para_1"].b.text.endswith(
        "La mise en œuvre de l’article\u00a0; « la culture »\u00a0!"
    )
    assert folded["para_2"].kind == "modified"
    assert folded["para_2"].b.inserted == [" et les créateurs"]
    assert list(rows_of(compare(client, a, b, "typography=on&changed=on"))) == ["para_2"]
    assert list(rows_of(compare(client, a, b, "changed=on"))) == ["para_1", "para_2"]
    form = compare(client, a, b, "typography=on").content.decode()
    assert 'name="typography" id="id_typography" checked' in form


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("organisation=abc", "organisation"),
        ("stance=xyz", "stance"),
        ("status=draft", "status"),
        ("mode=slides", "mode"),
    ],
)
def test_bad_filter_values_are_a_form_error_and_nothing_else(client, annotated, query, field):
    response = compare(client, annotated.a, annotated.b, query)
    assert response.status_code == 400
    content = response.content.decode()
    assert 'class="errorlist' in content
    assert "Select a valid choice" in content
    assert '<table class="compare">' not in content
    assert 'class="compare-summary"' not in content
    assert annotated.submitted.get_absolute_url() not in content


def test_organisation_filter_refuses_an_organisation_that_files_nothing(
    client, annotated, secretariat
):
    response = compare(client, annotated.a, annotated.b, f"organisation={secretariat.pk}")
    assert response.status_code == 400


@pytest.mark.parametrize(("a", "b"), [("nope", "og-b"), ("og-a", "nope"), ("nope", "nope")])
def test_unknown_edition_is_404(client, annotated, a, b):
    assert compare(client, a, b).status_code == 404


@pytest.mark.parametrize("private", ["a", "b"])
def test_unpublished_edition_is_private_to_the_secretariat(
    client, make_edition, ngo_user, delegate_user, secretariat_user, private
):
    a = make_edition(THREE, slug="a", published=private != "a")
    b = make_edition(THREE, slug="b", published=private != "b")
    assert compare(client, a, b).status_code == 404
    for user in (ngo_user, delegate_user):
        client.force_login(user)
        assert compare(client, a, b).status_code == 404
        assert compare(client, a, b, "mode=projector").status_code == 404
    client.force_login(secretariat_user)
    assert compare(client, a, b).status_code == 200


def test_compare_refuses_post(client, annotated):
    assert client.post(f"/compare/{annotated.a.slug}/{annotated.b.slug}/").status_code == 405


# --- 4. User text is escaped ---------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_user_text_in_clauses_and_annotations_is_escaped(
    client, make_edition, django_user_model, secretariat_user
):
    a = make_edition("1. Parties support artists and creators.\n", slug="a")
    b = make_edition("1. Parties support artists and creators.\n", slug="b")
    services.clause_update(
        clause=Clause.objects.get(edition=b, eid="para_1"),
        user=secretariat_user,
        expected_version=1,
        reason="test",
        text=f"Parties support {SCRIPT} artists and creators.",
    )
    open_window(b)
    hostile = Organisation.objects.create(
        name=f"{SCRIPT} Coalition", kind=Organisation.Kind.NGO, accredited=True
    )
    user = member(django_user_model, "hostile", hostile)
    paper = paper_with(hostile, f"We write {SCRIPT} in papers.")
    position_services.position_create(
        paper=paper,
        stance="concern",
        summary=f"Summary {SCRIPT}",
        excerpt=f"We write {SCRIPT}",
        links=[(Clause.objects.get(edition=b, eid="para_1"), f"Because {SCRIPT}")],
    )
    submit(file(user, b, "para_1", text=f"Proposed {SCRIPT}"), user)
    for query in ("", "mode=projector"):
        response = compare(client, a, b, query)
        content = response.content.decode()
        assert SCRIPT not in content
        assert f"Summary {ESCAPED}" in content
        assert f"{ESCAPED} Coalition" in content  # the proposer and the position's author
        assert f'{ESCAPED} <span class="sr-only">]</span></ins>' in content
    row = rows_of(compare(client, a, b))["para_1"]
    assert row.b.inserted == [f"{SCRIPT} "]
    assert f"Summary {SCRIPT}" in row.notes.text


# --- 5. Queries do not grow with the editions ----------------------------------------------

# Anonymous: edition A, edition B, the organisations of the filter's choices, A's
# clauses, B's clauses, the stored correspondences, the positions and the amendments of
# the page's clauses, and the amendments of both editions counted by status (the notes
# are read for the page only, so the summary is a count of its own). The diffs come
# from the cache, not the database.
COMPARE_QUERIES = 9
# Logged in, four more: the session, the user, the user's organisation (read once, then
# kept on the user for the permission checks) and the header's unread notifications.
COMPARE_QUERIES_LOGGED_IN = COMPARE_QUERIES + 4
# The table's text cells are cached under a stamp of the texts alone
# (selectors.comparison_text_stamp): the clauses of both editions, their correspondences.
TEXT_STAMP_QUERIES = 2
# A table filtered by its notes is cached whole under the stamp of everything it shows
# (selectors.comparison_stamp): the texts' two, amendment history, positions, links.
STAMP_QUERIES = 5
# A computed table also reads B's language versions (one query; one more to read the
# clause links when B has any), to link each row to its clause in the other language.
LANGUAGE_QUERIES = 1
# Each row's notes are cached under the latest change of its clauses' amendments (one
# query for the page's clauses), the positions and their links (two counts).
NOTES_STATE_QUERIES = 3
# A warm table: the two editions, the filter form's organisations, the text stamp, the
# notes' state, the latest amendment history row (the amendment count's stamp) and, the
# first time under that stamp, the count.
WARM_QUERIES = 3 + TEXT_STAMP_QUERIES + NOTES_STATE_QUERIES + 2


def annotated_pair(make_edition, ngo, ngo_user, *, slug: str, paragraphs: int, annotate: int):
    """A synthetic edition and its revision (the second item of each paragraph
    reworded), with positions (on that item, on both sides) and submitted amendments
    (on B's first item) in the first ``annotate`` paragraphs."""
    text = synthetic_text(paragraphs)
    a = make_edition(text, slug=f"{slug}-a", instrument=slug, status=Edition.Status.ADOPTED)
    b = make_edition(text.replace("item 2 of", "point 2 of"), slug=f"{slug}-b", instrument=slug)
    open_window(b)
    paper = paper_with(
        ngo, " ".join(f"On paragraph {n}." for n in range(1, annotate + 1)), title=slug
    )
    for n in range(1, annotate + 1):
        position_services.position_create(
            paper=paper,
            stance="amend",
            summary=f"Paragraph {n}",
            excerpt=f"On paragraph {n}.",
            links=[
                (Clause.objects.get(edition=a, eid=f"para_{n}-2"), "A"),
                (Clause.objects.get(edition=b, eid=f"para_{n}-2"), "B"),
            ],
        )
        submit(file(ngo_user, b, f"para_{n}-1"), ngo_user)
    return a, b


@pytest.mark.parametrize("logged_in", [False, True])
def test_query_count_is_pinned_whatever_the_size(
    client, django_assert_num_queries, make_edition, ngo, ngo_user, logged_in
):
    small = annotated_pair(make_edition, ngo, ngo_user, slug="small", paragraphs=3, annotate=2)
    large = annotated_pair(make_edition, ngo, ngo_user, slug="large", paragraphs=100, annotate=40)
    assert large[1].clauses.count() > 400
    if logged_in:
        file(ngo_user, large[1], "para_50")  # a draft, seen by its organisation only
    expected = COMPARE_QUERIES_LOGGED_IN if logged_in else COMPARE_QUERIES
    if logged_in:
        client.force_login(ngo_user)
    counts = []
    for a, b in (small, large):
        for query in ("", "changed=on&stance=amend&typography=on", "mode=projector"):
            # A stance filter leaves the amendments out: they are not counted either.
            stamp = (
                STAMP_QUERIES - 1 if "stance" in query else TEXT_STAMP_QUERIES + NOTES_STATE_QUERIES
            )
            computed = stamp + LANGUAGE_QUERIES if "projector" not in query else 0
            with django_assert_num_queries(expected + computed):
                response = compare(client, a, b, query)
            assert response.status_code == 200
            counts.append(
                (
                    response.content.count(b'class="note-position"'),
                    response.content.count(b'class="note-amendment"'),
                )
            )
    # Each position is linked to both clauses of one row, and shown once there. The
    # stance filter leaves the amendments out.
    assert counts == [
        (2, 2),
        (2, 0),
        (2, 2),
        (40, 40 + logged_in),
        (40, 0),
        (40, 40 + logged_in),
    ]


# --- 6. A warm page does no diff work ---------------------------------------------------------


def test_warm_page_does_no_diff_work(client, annotated, monkeypatch):
    calls: list[tuple[str, str]] = []
    real = selectors.word_diff

    def spy(a: str, b: str, **kwargs):
        calls.append((a, b))
        return real(a, b, **kwargs)

    monkeypatch.setattr(selectors, "word_diff", spy)
    queries = ("", "typography=on&changed=on")
    cold = [compare(client, annotated.a, annotated.b, query) for query in queries]
    # The two modified clauses, once plain and once compared by folded words (cached
    # apart: the folded diff quotes B as written); equal texts are not diffed.
    assert len(calls) == 4

    def refuse(*args, **kwargs):
        raise AssertionError("a warm page diffed a text")

    monkeypatch.setattr(selectors, "word_diff", refuse)
    for query, cold_response in zip(queries, cold, strict=True):
        warm = compare(client, annotated.a, annotated.b, query)
        assert warm.status_code == 200
        assert table_of(warm) == table_of(cold_response)
        assert rows_of(warm)["para_2"].b.inserted


# --- 7. Permalinks -------------------------------------------------------------------------


def test_each_row_is_anchored_at_its_b_clause_or_its_a_clause(client, make_edition):
    a = make_edition(SPLIT_A + "\n4. Only in A, never again.\n", slug="a")
    b = make_edition(SPLIT_B + "\n4. Only in B, brand new words.\n", slug="b")
    b_eids = list(b.clauses.in_document_order().values_list("eid", flat=True))
    # A's 4 stands where it stood: after the row of A's 3 (merged into B's 3).
    expected = [*b_eids[:3], "a-para_4", *b_eids[3:]]
    rows = rows_of(compare(client, a, b))
    assert list(rows) == expected
    for row_id, row in rows.items():
        assert f"#{row_id}" in row.b.links  # the row's own permalink
    assert list(rows_of(compare(client, a, b, "mode=projector"))) == expected


def without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_warm_table_comes_from_the_cache_until_what_it_shows_changes(
    client, make_edition, ngo, ngo_user, monkeypatch, django_assert_num_queries
):
    a, b = annotated_pair(make_edition, ngo, ngo_user, slug="warm", paragraphs=5, annotate=2)
    cold = compare(client, a, b, "")
    real = selectors.compare_editions

    def refuse(**kwargs):
        raise AssertionError("a warm table was computed again")

    monkeypatch.setattr(selectors, "compare_editions", refuse)
    with django_assert_num_queries(WARM_QUERIES):
        warm = compare(client, a, b, "")
    # Every page carries a CSRF token (the language switcher's form), new on each render.
    assert without_csrf(warm.content) == without_csrf(cold.content)
    # A new amendment changes what the table shows: it is computed again.
    monkeypatch.setattr(selectors, "compare_editions", real)
    file_amendment_on = Clause.objects.get(edition=b, eid="para_3-1")
    amendment_services.amendment_create(
        user=ngo_user, edition=b, clause=file_amendment_on, operation="replace",
        proposed_text="A fresh proposal.", justification="",
    )  # fmt: skip
    client.force_login(ngo_user)  # the draft is the organisation's: its members see it
    assert b"A fresh proposal" not in compare(client, a, b, "").content  # notes show no text
    page = compare(client, a, b, "").content.decode()
    assert page.count('class="note-amendment"') == 3
