"""import_edition with a Word file (.docx), as a user runs it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guidelines.models import Clause, Edition, Instrument
from tests.wordbuilder import abstract_num, change, docx, level, num, p, style

pytestmark = pytest.mark.django_db

STYLES = style("Title", "Title") + style("Heading1", "heading 1")
NUMBERING = abstract_num(1, level(0, "decimal", "%1."), level(1, "decimal", "%1.%2")) + num(1, 1)
BODY = (
    p("Draft Guidelines", "Title")
    + p("General", "Heading1")
    + p("The Parties shall act.", num=(1, 0))
    + p("in the digital environment;", num=(1, 1))
    + p("with civil society.", num=(1, 1))
    + p("Roles", "Heading1")
    + p("The Secretariat reports.", num=(1, 0))
)
DRAFT = docx(BODY, numbering=NUMBERING, styles=STYLES)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def import_args(path: Path, *extra: str) -> list[str]:
    return [
        "import_edition", str(path), "--instrument", "test-inst", "--edition", "draft-x",
        "--label", "Draft X", "--language", "en", *extra,
    ]  # fmt: skip


def clauses() -> list[tuple[str, str, str | None, str]]:
    return [
        (c.eid, c.number, c.parent.eid if c.parent else None, c.heading or c.text)
        for c in Clause.objects.select_related("parent").order_by("order")
    ]


def test_a_word_file_is_imported_as_an_edition(tmp_path):
    out, err = run(*import_args(write(tmp_path, "draft.docx", DRAFT)))
    assert "Created draft-x: 6 clauses." in out
    assert err == ""
    edition = Edition.objects.get(slug="draft-x")
    assert (edition.title, edition.status, edition.language) == ("Draft Guidelines", "draft", "en")
    assert clauses() == [
        ("sec_1", "", None, "General"),
        ("para_1", "1", "sec_1", "The Parties shall act."),
        ("para_1-1", "1.1", "para_1", "in the digital environment;"),
        ("para_1-2", "1.2", "para_1", "with civil society."),
        ("sec_2", "", None, "Roles"),
        ("para_2", "2", "sec_2", "The Secretariat reports."),
    ]


def test_dry_run_prints_the_tree_and_writes_nothing(tmp_path):
    out, _ = run(*import_args(write(tmp_path, "draft.docx", DRAFT), "--dry-run"))
    assert "para_1-2" in out and "with civil society." in out
    assert "6 clauses; nothing written (--dry-run)." in out
    assert not Edition.objects.exists()
    assert not Instrument.objects.exists()


def test_reimporting_the_same_word_file_is_a_no_op(tmp_path):
    path = write(tmp_path, "draft.docx", DRAFT)
    run(*import_args(path))
    rows = Clause.history.count()
    out, _ = run(*import_args(path))
    assert "draft-x is unchanged: nothing written." in out
    assert Clause.history.count() == rows
    assert set(Clause.objects.values_list("version", flat=True)) == {1}


def test_a_changed_word_file_updates_the_edition_and_warns_of_tracked_changes(tmp_path):
    path = write(tmp_path, "draft.docx", DRAFT)
    run(*import_args(path))
    amended = BODY.replace(
        p("with civil society.", num=(1, 1)),
        p(runs=change("ins", '<w:r><w:t xml:space="preserve">and </w:t></w:r>') + "<w:r>"
          "<w:t>with civil society.</w:t></w:r>", num=(1, 1)),
    )  # fmt: skip
    assert amended != BODY
    path.write_bytes(docx(amended, numbering=NUMBERING, styles=STYLES))
    out, err = run(*import_args(path, "--reason", "Second reading"))
    assert "Updated draft-x: 1 changed, 0 added, 0 removed, 0 moved." in out
    assert "warning: the file has tracked changes" in err
    assert Clause.objects.get(eid="para_1-2").text == "and with civil society."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("draft.docx", b"1. One.\n", "not a Word document (.docx): it is not a zip package"),
        ("draft.docx", b"", "the file is empty"),
        (
            "old.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
            "save it as a Word document (.docx)",
        ),
        ("draft.docx", docx(p("Prose only.")), "no numbered clause found"),
        (
            "draft.docx",
            docx(p("1.\tOne.") + p("1.\tAgain.")),
            "paragraph 2: the number 1 is used twice",
        ),
    ],
)
def test_a_bad_word_file_is_refused_and_nothing_is_written(tmp_path, name, content, message):
    run(*import_args(write(tmp_path, "first.docx", DRAFT)))
    before = (Edition.objects.count(), Clause.objects.count(), Clause.history.count())
    path = write(tmp_path, name, content)
    with pytest.raises(CommandError) as error:
        run(*import_args(path))
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)
    assert (Edition.objects.count(), Clause.objects.count(), Clause.history.count()) == before


def test_the_suffix_picks_the_word_reader_whatever_its_case(tmp_path):
    out, _ = run(*import_args(write(tmp_path, "DRAFT.DOCX", DRAFT), "--dry-run"))
    assert "6 clauses" in out


def test_format_docx_reads_a_word_file_whatever_its_name(tmp_path):
    path = write(tmp_path, "draft.bin", DRAFT)
    with pytest.raises(CommandError, match="the file is binary"):
        run(*import_args(path, "--dry-run"))  # read as text, by its suffix
    out, _ = run(*import_args(path, "--format", "docx", "--dry-run"))
    assert "6 clauses" in out


def test_format_docx_refuses_a_text_file(tmp_path):
    path = write(tmp_path, "draft.md", b"1. One.\n")
    with pytest.raises(CommandError, match="not a zip package"):
        run(*import_args(path, "--format", "docx"))
    assert not Edition.objects.exists()


def test_format_text_reads_a_docx_named_file_as_text(tmp_path):
    path = write(tmp_path, "draft.docx", b"1. One.\n\n2. Two.\n")
    out, _ = run(*import_args(path, "--format", "text", "--dry-run"))
    assert "2 clauses" in out
