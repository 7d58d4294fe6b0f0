"""The parser alone: the seed, each rule on a small text of its own, bad input."""

from __future__ import annotations

import pytest

from guidelines.importing import ImportFailure, decode, parse

SUBPARAGRAPHS = {
    8: 11, 14: 6, 15: 4, 16: 7, 17: 8, 18: 2, 19: 5, 23: 4, 24: 5, 25: 4, 26: 3, 27: 4,
}  # fmt: skip


def by_number(parsed):
    return {c.number: c for c in parsed.clauses if c.number}


# --- the 2017 seed -------------------------------------------------------------------


def test_seed_has_the_sections_paragraphs_and_subparagraphs_of_2017(seed_text):
    parsed = parse(seed_text, markdown=False)
    kinds = [c.kind for c in parsed.clauses]
    assert kinds.count("section") == 8
    paragraphs = [c.number for c in parsed.clauses if c.kind == "paragraph"]
    assert paragraphs == [str(n) for n in range(1, 28)]
    expected_subs = [f"{p}.{k}" for p, n in SUBPARAGRAPHS.items() for k in range(1, n + 1)]
    assert [c.number for c in parsed.clauses if c.kind == "subparagraph"] == expected_subs
    assert len(expected_subs) == 63
    assert parsed.warnings == []


def test_seed_bullets_of_14_6_are_its_children_across_the_page_break(seed_text):
    parsed = parse(seed_text, markdown=False)
    points = [c for c in parsed.clauses if c.kind == "point"]
    assert [p.eid for p in points] == [f"para_14-6__point_{k}" for k in range(1, 6)]
    assert {p.parent_eid for p in points} == {"para_14-6"}
    assert points[3].text.startswith("le respect et la protection des droits de propriété")
    assert points[4].text.startswith("les systèmes de dépôt légal électronique")


def test_seed_paragraph_5_is_joined_across_the_page_break(seed_text):
    clauses = by_number(parse(seed_text, markdown=False))
    assert clauses["5"].text.endswith(
        "nouvelles opportunités de promotion de la diversité des expressions culturelles et, "
        "en particulier, d'élaboration des politiques publiques pertinentes."
    )
    assert clauses["6"].text.startswith("Rappelant que la neutralité technologique")


def test_seed_tree_follows_numbering_not_indentation(seed_text):
    clauses = by_number(parse(seed_text, markdown=False))
    # 15.1 is not indented in the source; 8.7 starts a new list after a page break.
    assert clauses["15.1"].parent_eid == "para_15"
    assert clauses["8.7"].parent_eid == "para_8"
    assert clauses["12"].parent_eid == "sec_3"
    assert clauses["25"].parent_eid == "sec_6"


def test_seed_has_no_layout_artefact(seed_text):
    for clause in parse(seed_text, markdown=False).clauses:
        for value in (clause.text, clause.heading):
            assert "**" not in value
            assert "#" not in value
            assert "---" not in value
            assert not value.startswith("- ")
            assert value == value.strip()
            assert "  " not in value


def test_seed_title_block_becomes_metadata(seed_text):
    parsed = parse(seed_text, markdown=False)
    assert parsed.title == (
        "Directives opérationnelles sur la mise en œuvre de la Convention dans "
        "l'environnement numérique"
    )
    assert parsed.subtitle == (
        "Approuvées par la Conférence des Parties lors de sa sixième session (2017)"
    )
    headings = [c.heading for c in parsed.clauses if c.kind == "section"]
    assert headings[0] == "Considérations d'ordre général"
    assert headings[2].startswith("Renforcement par les Parties")
    assert headings[-1] == "Rôle du Secrétariat de l'UNESCO"


# --- each rule on its own text ---------------------------------------------------------


def test_numbered_paragraphs_with_and_without_dot():
    parsed = parse("1. First paragraph.\n\n2 Second paragraph.\n\n3. Third.")
    assert [(c.number, c.text) for c in parsed.clauses] == [
        ("1", "First paragraph."),
        ("2", "Second paragraph."),
        ("3", "Third."),
    ]


def test_bare_number_that_is_not_the_next_paragraph_is_text():
    parsed = parse("1. The Convention was adopted in\n2005 by the General Conference.\n\n2. Next.")
    assert [c.number for c in parsed.clauses] == ["1", "2"]
    assert parsed.clauses[0].text == (
        "The Convention was adopted in 2005 by the General Conference."
    )


def test_bare_page_number_is_not_a_paragraph():
    parsed = parse("1. Text that goes on\n\n2\n\nafter the page number.\n\n2. Second.")
    assert [c.number for c in parsed.clauses] == ["1", "2"]
    assert parsed.clauses[0].text == "Text that goes on 2 after the page number."


def test_dotted_subparagraphs_nest_under_their_number():
    parsed = parse("2. Parent:\n2.1 child one;\n2.1.1 grandchild;\n2.2. child two.")
    tree = {c.number: c.parent_eid for c in parsed.clauses}
    assert tree == {"2": None, "2.1": "para_2", "2.1.1": "para_2-1", "2.2": "para_2"}
    assert parsed.clauses[2].eid == "para_2-1-1"
    assert [c.kind for c in parsed.clauses] == [
        "paragraph",
        "subparagraph",
        "subparagraph",
        "subparagraph",
    ]


def test_lettered_and_roman_items():
    text = "3. The Parties shall:\na) first;\n(b) second, with:\n(i) one;\n(ii) two;\nc) third."
    parsed = parse(text)
    assert [(c.number, c.eid, c.parent_eid) for c in parsed.clauses] == [
        ("3", "para_3", None),
        ("a)", "para_3__point_a", "para_3"),
        ("(b)", "para_3__point_b", "para_3"),
        ("(i)", "para_3__point_b__point_i", "para_3__point_b"),
        ("(ii)", "para_3__point_b__point_ii", "para_3__point_b"),
        ("c)", "para_3__point_c", "para_3"),
    ]


def test_letter_i_after_h_is_a_letter_not_a_roman_numeral():
    items = "\n".join(f"{ch}) item {ch};" for ch in "abcdefghi")
    parsed = parse(f"1. List:\n{items}")
    assert parsed.clauses[-1].eid == "para_1__point_i"
    assert parsed.clauses[-1].parent_eid == "para_1"


def test_unnumbered_bullets_belong_to_the_last_numbered_clause_whatever_the_indentation():
    text = "1. Intro:\n        - first;\n- second;\n   * third."
    parsed = parse(text)
    assert [(c.eid, c.parent_eid, c.text) for c in parsed.clauses[1:]] == [
        ("para_1__point_1", "para_1", "first;"),
        ("para_1__point_2", "para_1", "second;"),
        ("para_1__point_3", "para_1", "third."),
    ]


def test_article_headings_scope_their_paragraph_numbers():
    text = "Article 1 – Objectives\n\n1. One.\n\n2. Two.\n\nArticle 2\n\n1. Again one."
    parsed = parse(text)
    assert [(c.kind, c.eid, c.parent_eid) for c in parsed.clauses] == [
        ("article", "art_1", None),
        ("paragraph", "art_1__para_1", "art_1"),
        ("paragraph", "art_1__para_2", "art_1"),
        ("article", "art_2", None),
        ("paragraph", "art_2__para_1", "art_2"),
    ]
    assert parsed.clauses[0].heading == "Objectives"


def test_markdown_headings_become_numbered_sections():
    parsed = parse("# Title\n\n## First part\n\n1. One.\n\n## Second part\n\n2. Two.")
    sections = [(c.eid, c.heading) for c in parsed.clauses if c.kind == "section"]
    assert sections == [("sec_1", "First part"), ("sec_2", "Second part")]
    assert parsed.title == "Title"
    assert parsed.clauses[3].parent_eid == "sec_2"


def test_roman_numbered_plain_headings():
    text = "I. Introduction\n\n1. One.\n\nII. Background\n\n2. Two."
    parsed = parse(text, markdown=False)
    assert [(c.eid, c.number, c.heading) for c in parsed.clauses if c.kind == "section"] == [
        ("sec_I", "I", "Introduction"),
        ("sec_II", "II", "Background"),
    ]


def test_plain_text_heading_is_a_short_standalone_line_before_a_clause():
    text = "Title of the text\n\nScope\n\n1. One.\n\nRole of civil society\n\n2. Two."
    parsed = parse(text, markdown=False)
    assert [c.heading for c in parsed.clauses if c.kind == "section"] == [
        "Scope",
        "Role of civil society",
    ]
    assert parsed.title == "Title of the text"


def test_wrapped_lines_are_joined():
    parsed = parse("1. A paragraph that\n   wraps over   \nthree lines.")
    assert parsed.clauses[0].text == "A paragraph that wraps over three lines."


def test_text_after_a_page_break_continues_the_clause():
    parsed = parse("1. A sentence cut by\n\n---\n\nthe page break.\n\n2. Next.")
    assert parsed.clauses[0].text == "A sentence cut by the page break."
    assert parsed.warnings == []


def test_unnumbered_paragraph_after_a_full_sentence_is_joined_with_a_warning():
    parsed = parse("1. A full sentence.\n\nAnother sentence.\n\n2. Next.")
    assert parsed.clauses[0].text == "A full sentence. Another sentence."
    assert [w.line for w in parsed.warnings] == [3]


def test_markdown_noise_is_removed():
    text = "## **Bold heading**\n\n- 1.** Text with **bold**, *emphasis* and a [link](#).\n"
    parsed = parse(text)
    assert parsed.clauses[0].heading == "Bold heading"
    assert parsed.clauses[1].text == "Text with bold, emphasis and a link."


def test_markdown_escapes_keep_literal_characters():
    parsed = parse("1. Price is 5 \\* 3, not \\*\\*bold\\*\\*.\n- 12\\. is not a number")
    assert parsed.clauses[0].text == "Price is 5 * 3, not **bold**."
    assert parsed.clauses[1].text == "12. is not a number"
    assert parsed.clauses[1].kind == "point"


def test_text_mode_keeps_backslashes():
    parsed = parse("1. A path C:\\temp\\*.txt", markdown=False)
    assert parsed.clauses[0].text == "A path C:\\temp\\*.txt"


def test_text_is_nfc_and_whitespace_normalised_but_keeps_non_breaking_spaces():
    decomposed = "1. Œuvre cre\u0301e\u0301e\t ici\u00a0;"
    assert parse(decomposed).clauses[0].text == "Œuvre créée ici\u00a0;"


def test_empty_numbered_clause_is_allowed():
    parsed = parse("2.1.1\n\n2.2.1 support the development")
    assert [(c.number, c.text) for c in parsed.clauses] == [
        ("2.1.1", ""),
        ("2.2.1", "support the development"),
    ]


# --- warnings ---------------------------------------------------------------------------


def test_gap_in_numbering_is_a_warning():
    parsed = parse("1. One.\n\n3. Three.\n3.1 a;\n3.3 c.")
    messages = [str(w) for w in parsed.warnings]
    assert messages == [
        "line 3: paragraph 3 follows 1",
        "line 5: sub-paragraph 3.3 follows 3.1",
    ]


def test_subparagraph_without_parent_is_a_warning():
    parsed = parse("## Part\n\n1. One.\n\n2.1 orphan.")
    assert [str(w) for w in parsed.warnings] == [
        "line 5: 2.1 has no parent 2; placed under its heading"
    ]
    assert parsed.clauses[-1].parent_eid == "sec_1"


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n ", "the file is empty"),
        (b"1. ok\n2. \x00\x01binary", "line 2: the file is binary"),
        (b"1. caf\xe9\n", "line 1: the file is not valid UTF-8"),
        (b"1. ok\n2. ok\n3. \xff\xfe", "line 3: the file is not valid UTF-8"),
    ],
)
def test_undecodable_input_names_the_line(data, message):
    with pytest.raises(ImportFailure) as error:
        decode(data)
    assert str(error.value).startswith(message)


def test_utf8_bom_and_crlf_are_accepted():
    assert decode("\ufeff1. A\r\n2. B\r\n".encode()) == "1. A\n2. B\n"


@pytest.mark.parametrize(
    "text",
    ["Just some prose.\nNo numbers here.", "# Title\n\n## Heading\n\nProse only."],
)
def test_text_without_numbered_clause_is_refused(text):
    with pytest.raises(ImportFailure, match="no numbered clause"):
        parse(text)


def test_duplicated_number_is_refused_with_both_lines():
    with pytest.raises(ImportFailure) as error:
        parse("1. One.\n\n2. Two.\n\n2. Two again.")
    assert str(error.value) == "line 5: the number 2 is used twice (first at line 3)"


def test_duplicated_subparagraph_is_refused():
    with pytest.raises(ImportFailure, match=r"line 3: the number 1\.1 is used twice"):
        parse("1. One:\n1.1 a;\n1.1 b.")
